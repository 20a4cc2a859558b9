"""MNIST loading: IDX files written here (gz and raw), checksums, downsampling, the embedded split."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from polyloss.errors import DataError, InvalidInputError
from polyloss.numeric.data import (
    MNIST_MD5,
    downsample,
    embedded_mnist,
    load_data,
    load_mnist_folder,
    read_idx,
)


def write_idx(path, array, *, compress):
    """A tiny independent IDX writer: magic 0x00 0x00 0x08 ndim, big-endian int32 sizes, uint8 data."""
    array = np.asarray(array, dtype=np.uint8)
    blob = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape) + array.tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(blob))
    else:
        path.write_bytes(blob)
    return path


def write_mnist(folder, n_train=6, n_test=4, *, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    for stem, arr in data.items():
        write_idx(folder / stem, arr, compress=compress)
    return data


def block_average_by_loops(image):
    """Oracle for the downsampling: explicit loops over the 10×10 output pixels of the padded image."""
    out = np.zeros((10, 10))
    for a in range(10):
        for b in range(10):
            total = 0.0
            for i in range(3):
                for j in range(3):
                    r, c = 3 * a + i - 1, 3 * b + j - 1  # padded coordinate -> original (pad of 1)
                    if 0 <= r < 28 and 0 <= c < 28:
                        total += image[r, c]
            out[a, b] = total / 9 / 255
    return out.ravel()


def test_downsample_matches_explicit_block_average():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (3, 28, 28))
    got = downsample(images)
    assert got.shape == (3, 100) and got.dtype == np.float32
    for k in range(3):
        np.testing.assert_allclose(got[k], block_average_by_loops(images[k]), rtol=1e-6, atol=1e-7)
    assert downsample(np.full((1, 784), 255)).max() <= 1.0
    with pytest.raises(InvalidInputError, match=r"\(5, 20\)"):
        downsample(np.zeros((5, 20)))


@pytest.mark.parametrize("compress", [True, False])
def test_idx_roundtrip_gz_and_raw(tmp_path, compress):
    data = write_mnist(tmp_path, compress=compress)
    ds = load_mnist_folder(tmp_path, verify=False)
    np.testing.assert_array_equal(ds.y_train, data["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(ds.y_test, data["t10k-labels-idx1-ubyte"])
    np.testing.assert_allclose(ds.x_test[1], block_average_by_loops(data["t10k-images-idx3-ubyte"][1]), atol=1e-6)
    suffix = ".gz" if compress else ""
    np.testing.assert_array_equal(read_idx(tmp_path / f"train-images-idx3-ubyte{suffix}"),
                                  data["train-images-idx3-ubyte"])


def test_checksum_mismatch_is_refused_unless_verification_is_skipped(tmp_path):
    write_mnist(tmp_path, compress=True)
    with pytest.raises(DataError, match="checksum mismatch.*verify=False"):
        load_mnist_folder(tmp_path)
    assert len(load_mnist_folder(tmp_path, verify=False).y_train) == 6
    raw = tmp_path / "raw"
    write_mnist(raw, compress=False)
    with pytest.raises(DataError, match="bytes, the standard file has 47040016"):
        load_mnist_folder(raw)


def test_published_checksums_are_the_standard_ones():
    # the well-known values (torchvision's MNIST resources; yann.lecun.com files)
    assert MNIST_MD5["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert MNIST_MD5["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"


def test_missing_and_corrupt_files_get_clear_errors(tmp_path):
    with pytest.raises(DataError, match="does not exist.*yann.lecun.com"):
        load_data(tmp_path / "nowhere")
    write_mnist(tmp_path, compress=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.*not found.*yann.lecun.com"):
        load_mnist_folder(tmp_path, verify=False)
    bad = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="cannot read IDX"):
        load_mnist_folder(tmp_path, verify=False)
    truncated = tmp_path / "trunc-idx1-ubyte"
    truncated.write_bytes(bytes([0, 0, 8, 1]) + struct.pack(">i", 10) + b"\x01\x02")
    with pytest.raises(DataError, match="truncated"):
        read_idx(truncated)


def test_embedded_sample_is_balanced_deterministic_and_scaled():
    ds = embedded_mnist()
    assert ds.x_train.shape == (4000, 100) and ds.x_test.shape == (1000, 100)
    np.testing.assert_array_equal(np.bincount(ds.y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(ds.y_test), [100] * 10)
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0
    assert load_data() is ds and load_data("embedded") is ds
    # the test images are not copies of training images
    train_rows = {row.tobytes() for row in ds.x_train}
    assert not any(row.tobytes() in train_rows for row in ds.x_test)
    with pytest.raises(InvalidInputError, match="data must be"):
        load_data(42)
