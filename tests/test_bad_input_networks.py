"""Bad input on the network and training side (issue 13): every public function refuses NaN, inf,
complex numbers, None, strings, empty sets, wrong shapes, huge sizes and unavailable devices with a
polyloss error that names the argument; a training run that blows up is reported as diverged.

Expected values come from outside the code under test: shapes and ranges stated in the docstrings,
numpy's own forward pass, the weights that training returns (checked with plain numpy).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from polyloss import cli
from polyloss._device import as_device, available_devices, check_fits
from polyloss.errors import InvalidInputError, PolylossError, SizeLimitError, TrainingDivergedError
from polyloss.experiments.mnist import MnistExperimentConfig, path_statistics, training_subset
from polyloss.numeric import network_hessian as nh
from polyloss.numeric.data import Dataset, check_labels, downsample, embedded_mnist, load_data
from polyloss.numeric.training import (
    DIVERGENCE_REASONS,
    MAX_ABS_WEIGHT,
    anneal_ternary,
    batches,
    epoch_order,
    evaluate,
    initial_weights,
    train_replicas,
)
from polyloss.symbolic.network import ReLUNetwork

HYPOTHESIS = settings(max_examples=30, deadline=None)
NO_CUDA = not torch.cuda.is_available()


@pytest.fixture(scope="module")
def tiny():
    full = embedded_mnist()
    rows = np.arange(0, 4000, 67)[:60]  # 60 training images of all digits
    return Dataset(full.x_train[rows], full.y_train[rows], full.x_test[::50], full.y_test[::50], "tiny")


NET = ReLUNetwork((3, 2, 1))
W = NET.random_weights(0)
X = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 1.0]])
R_W1 = np.zeros((2, 100, 4), dtype=np.float32) + 0.01
R_W2 = np.zeros((2, 4, 10), dtype=np.float32) + 0.01
EX = np.full((5, 100), 0.5, dtype=np.float32)
EY = np.arange(5)
HW1 = np.full((6, 3), 0.1)
HW2 = np.full((3, 4), 0.1)
HX = np.full((5, 6), 0.5)
HY = np.array([0, 1, 2, 3, 0])

# bad values, each with the words the message must hold besides the argument's name
BAD_ARRAY = {
    "nan": (lambda a: _with(a, np.nan), "NaN"),
    "inf": (lambda a: _with(a, np.inf), "finite"),
    "complex": (lambda a: np.asarray(a) + 1j, "complex"),
    "None": (lambda a: None, "real"),
    "string": (lambda a: "abc", "real"),
    "nested strings": (lambda a: [["a", "b"]], "real"),
}


def _with(a, value):
    a = np.array(a, dtype=np.float64)
    a.flat[0] = value
    return a


# ---------------------------------------------------------------------- array arguments × bad values
ARRAY_CALLS = {
    # name: (call taking the replaced argument, the good value, the argument's name in the message)
    "forward x": (lambda v: NET.forward(W, v), X, "x"),
    "forward W_1": (lambda v: NET.forward([v, W[1]], X), W[0], "W_1"),
    "forward W_2": (lambda v: NET.forward([W[0], v], X), W[1], "W_2"),
    "activations x": (lambda v: NET.activations(W, v), X, "x"),
    "active_units x": (lambda v: NET.active_units(W, v), X, "x"),
    "evaluate w1": (lambda v: evaluate(v, R_W2, EX, EY), R_W1, "w1"),
    "evaluate w2": (lambda v: evaluate(R_W1, v, EX, EY), R_W2, "w2"),
    "evaluate x": (lambda v: evaluate(R_W1, R_W2, v, EY), EX, "x"),
    "Dataset x_train": (lambda v: Dataset(v, EY, EX, EY, "d"), EX, "x_train"),
    "Dataset x_test": (lambda v: Dataset(EX, EY, v, EY, "d"), EX, "x_test"),
    "downsample images": (lambda v: downsample(v), np.zeros((2, 28, 28)), "images"),
    "anneal_ternary x": (lambda v: anneal_ternary(v, EY, 2, steps=5, seed=0), EX, "x"),
    "loss_and_gradient_norm w1": (lambda v: nh.loss_and_gradient_norm(v, HW2, HX, HY), HW1, "w1"),
    "loss_and_gradient_norm x": (lambda v: nh.loss_and_gradient_norm(HW1, HW2, v, HY), HX, "x"),
    "hvp_function w2": (lambda v: nh.hvp_function(HW1, v, HX, HY), HW2, "w2"),
    "dense_hessian x": (lambda v: nh.dense_hessian(HW1, HW2, v, HY), HX, "x"),
    "hessian_spectrum w1": (lambda v: nh.hessian_spectrum(v, HW2, HX, HY), HW1, "w1"),
    "hessian_index x": (lambda v: nh.hessian_index(HW1, HW2, v, HY, relative=1e-3), HX, "x"),
    "residual_blocks x": (lambda v: nh.residual_blocks(HW1, HW2, v, HY), HX, "x"),
    "gauss_newton_and_residual w2": (lambda v: nh.gauss_newton_and_residual(HW1, v, HX, HY), HW2, "w2"),
    "path_statistics x": (lambda v: path_statistics(HW1, HW2, v, HY), HX, "x"),
    "path_statistics w1": (lambda v: path_statistics(v, HW2, HX, HY), HW1, "w1"),
}


def test_the_good_values_are_accepted():
    """The baseline of the table below: with the good value every call succeeds."""
    for name, (call, good, _) in ARRAY_CALLS.items():
        call(good)


@pytest.mark.parametrize("bad", list(BAD_ARRAY))
@pytest.mark.parametrize("target", list(ARRAY_CALLS))
def test_bad_arrays_are_refused_naming_the_argument(target, bad):
    call, good, arg = ARRAY_CALLS[target]
    make, words = BAD_ARRAY[bad]
    with pytest.raises(InvalidInputError) as info:
        call(make(good))
    message = str(info.value)
    assert re.search(rf"\b{re.escape(arg)}\b", message) and words in message, message


# ------------------------------------------------------------------------------- wrong shapes, empty sets
SHAPE_CASES = {
    "forward x wrong width": (lambda: NET.forward(W, np.ones((2, 4))), InvalidInputError, "x"),
    "forward x 3-d": (lambda: NET.forward(W, np.ones((2, 3, 1))), InvalidInputError, "x"),
    "forward x 1-d empty": (lambda: NET.forward(W, np.ones(0)), InvalidInputError, "x"),
    "forward weights count": (lambda: NET.forward([W[0]], X), InvalidInputError, "weights"),
    "forward weights None": (lambda: NET.forward(None, X), InvalidInputError, "weights"),
    "forward W_1 shape": (lambda: NET.forward([np.ones((2, 3)), W[1]], X), InvalidInputError, "W_1"),
    "forward overflow": (lambda: NET.forward([W[0] * 1e200, W[1] * 1e200], X * 1e200), InvalidInputError, "overflow"),
    "evaluate empty x": (lambda: evaluate(R_W1, R_W2, EX[:0], EY[:0]), InvalidInputError, "x"),
    "evaluate w2 shape": (lambda: evaluate(R_W1, R_W2[:, :3], EX, EY), InvalidInputError, "w2"),
    "evaluate x width": (lambda: evaluate(R_W1, R_W2, EX[:, :50], EY), InvalidInputError, "x"),
    "evaluate y length": (lambda: evaluate(R_W1, R_W2, EX, EY[:3]), InvalidInputError, "y"),
    "evaluate y range": (lambda: evaluate(R_W1, R_W2, EX, EY + 10), InvalidInputError, "y"),
    "evaluate y float": (lambda: evaluate(R_W1, R_W2, EX, EY + 0.5), InvalidInputError, "y"),
    "evaluate y None": (lambda: evaluate(R_W1, R_W2, EX, None), InvalidInputError, "y"),
    "evaluate y string": (lambda: evaluate(R_W1, R_W2, EX, "01234"), InvalidInputError, "y"),
    "Dataset empty train": (lambda: Dataset(EX[:0], EY[:0], EX, EY, "d"), InvalidInputError, "x_train"),
    "Dataset empty test": (lambda: Dataset(EX, EY, EX[:0], EY[:0], "d"), InvalidInputError, "x_test"),
    "Dataset test width": (lambda: Dataset(EX, EY, EX[:, :10], EY, "d"), InvalidInputError, "x_test"),
    "Dataset labels range": (lambda: Dataset(EX, EY + 20, EX, EY, "d"), InvalidInputError, "y_train"),
    "Dataset labels length": (lambda: Dataset(EX, EY, EX, EY[:2], "d"), InvalidInputError, "y_test"),
    "check_labels negative": (lambda: check_labels("labels", [-1, 2]), InvalidInputError, "labels"),
    "hessian y range": (lambda: nh.hessian_spectrum(HW1, HW2, HX, HY + 4), InvalidInputError, "y"),
    "hessian empty x": (lambda: nh.hessian_spectrum(HW1, HW2, HX[:0], HY[:0]), InvalidInputError, "x"),
    "hessian x width": (lambda: nh.loss_and_gradient_norm(HW1, HW2, HX[:, :2], HY), InvalidInputError, "x"),
    "path_statistics y": (lambda: path_statistics(HW1, HW2, HX, HY[:2]), InvalidInputError, "y"),
    "anneal y range": (lambda: anneal_ternary(EX, EY + 10, 2, steps=5, seed=0), InvalidInputError, "y"),
    "anneal values nan": (lambda: anneal_ternary(EX, EY, 2, steps=5, values=(0, np.nan)), InvalidInputError, "values"),
    "downsample shape": (lambda: downsample(np.zeros((2, 27, 28))), InvalidInputError, "images"),
}


@pytest.mark.parametrize("case", list(SHAPE_CASES))
def test_wrong_shapes_and_empty_sets_are_refused(case):
    call, error, words = SHAPE_CASES[case]
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value), str(info.value)


def test_an_empty_batch_gives_an_empty_result():
    """forward's documented choice for a batch of 0 inputs: an empty array, like numpy's own functions."""
    out = NET.forward(W, np.zeros((0, 3)))
    assert out.shape == (0,)
    assert [z.shape for z in NET.activations(W, np.zeros((0, 3)))] == [(0, 2), (0, 1)]


# ------------------------------------------------------------------------ numbers, integers, choices
SCALAR_CASES = {
    # name: (call, the argument's name)
    "random_weights low nan": (lambda: NET.random_weights(0, low=math.nan), "low"),
    "random_weights high inf": (lambda: NET.random_weights(0, high=math.inf), "high"),
    "random_weights low complex": (lambda: NET.random_weights(0, low=1j), "low"),
    "random_weights low None": (lambda: NET.random_weights(0, low=None), "low"),
    "random_weights high string": (lambda: NET.random_weights(0, high="1"), "high"),
    "random_weights low >= high": (lambda: NET.random_weights(0, low=1.0, high=1.0), "low"),
    "random_weights range overflows": (lambda: NET.random_weights(0, low=-1e308, high=1e308), "high - low"),
    "random_weights rng string": (lambda: NET.random_weights("seed"), "rng"),
    "train n_hidden None": (lambda: train_replicas(None, 2), "n_hidden"),
    "train n_hidden string": (lambda: train_replicas("5", 2), "n_hidden"),
    "train n_hidden float": (lambda: train_replicas(5.5, 2), "n_hidden"),
    "train replicas 0": (lambda: train_replicas(5, 0), "replicas"),
    "train epochs negative": (lambda: train_replicas(5, 2, epochs=-1), "epochs"),
    "train batch_size nan": (lambda: train_replicas(5, 2, batch_size=math.nan), "batch_size"),
    "train learning_rate nan": (lambda: train_replicas(5, 2, learning_rate=math.nan), "learning_rate"),
    "train learning_rate inf": (lambda: train_replicas(5, 2, learning_rate=math.inf), "learning_rate"),
    "train learning_rate complex": (lambda: train_replicas(5, 2, learning_rate=0.1 + 1j), "learning_rate"),
    "train learning_rate None": (lambda: train_replicas(5, 2, learning_rate=None), "learning_rate"),
    "train learning_rate string": (lambda: train_replicas(5, 2, learning_rate="0.1"), "learning_rate"),
    "train learning_rate 0": (lambda: train_replicas(5, 2, learning_rate=0.0), "learning_rate"),
    "train lr_decay negative": (lambda: train_replicas(5, 2, lr_decay=-1.0), "lr_decay"),
    "train seed string": (lambda: train_replicas(5, 2, seed="0"), "seed"),
    "train dtype": (lambda: train_replicas(5, 2, dtype="float16"), "dtype"),
    "train on_divergence": (lambda: train_replicas(5, 2, on_divergence="ignore"), "on_divergence"),
    "train data 3": (lambda: train_replicas(5, 2, data=3), "data"),
    "evaluate chunk 0": (lambda: evaluate(R_W1, R_W2, EX, EY, chunk=0), "chunk"),
    "initial_weights None": (lambda: initial_weights(None, 5, 0, 0), "n_inputs"),
    "initial_weights string": (lambda: initial_weights(100, "5", 0, 0), "n_hidden"),
    "initial_weights seed": (lambda: initial_weights(100, 5, -1, 0), "seed"),
    "epoch_order n string": (lambda: epoch_order(0, 0, 0, "10"), "n"),
    "epoch_order epoch None": (lambda: epoch_order(0, 0, None, 10), "epoch"),
    "batches batch_size 0": (lambda: batches(10, 0), "batch_size"),
    "batches n None": (lambda: batches(None, 3), "n"),
    "config learning_rate nan": (lambda: MnistExperimentConfig(learning_rate=math.nan), "learning_rate"),
    "config learning_rate string": (lambda: MnistExperimentConfig(learning_rate="0.1"), "learning_rate"),
    "config lr_decay inf": (lambda: MnistExperimentConfig(lr_decay=math.inf), "lr_decay"),
    "config batch_size None": (lambda: MnistExperimentConfig(batch_size=None), "batch_size"),
    "config widths None": (lambda: MnistExperimentConfig(widths=None), "widths"),
    "config data None": (lambda: MnistExperimentConfig(data=None), "data"),
    "training_subset n None": (lambda: training_subset(None, 5, 0), "n"),
    "training_subset k string": (lambda: training_subset(10, "5", 0), "k"),
    "load_data 3": (lambda: load_data(3), "data"),
}


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_bad_numbers_and_choices_are_refused_naming_the_argument(case):
    call, arg = SCALAR_CASES[case]
    with pytest.raises(InvalidInputError) as info:
        call()
    assert re.search(rf"\b{re.escape(arg)}\b", str(info.value)), str(info.value)


# ------------------------------------------------------------------------------------------- devices
BAD_DEVICES = ["nonsense", "", "CPU", "cuda:-1", "xla", None, 3, 1.5] + (["cuda", "cuda:0", "cuda:7"] if NO_CUDA else
                                                                       ["cuda:99"])
DEVICE_CALLS = {
    "as_device": lambda d: as_device(d),
    "train_replicas": lambda d: train_replicas(5, 2, device=d),
    "evaluate": lambda d: evaluate(R_W1, R_W2, EX, EY, device=d),
    "anneal_ternary": lambda d: anneal_ternary(EX, EY, 2, steps=5, seed=0, device=d),
    "hessian_spectrum": lambda d: nh.hessian_spectrum(HW1, HW2, HX, HY, device=d),
    "check_fits": lambda d: check_fits(1, "a test", device=d),
}


@pytest.mark.parametrize("where, device", [
    pytest.param(where, device, id=f"{where}-{device!r}") for where in DEVICE_CALLS for device in BAD_DEVICES
    if not (where == "evaluate" and device is None)])  # evaluate(device=None) is valid: the device of w1
def test_unavailable_devices_are_refused_naming_the_available_ones(where, device):
    with pytest.raises(InvalidInputError) as info:
        DEVICE_CALLS[where](device)
    message = str(info.value)
    assert "device" in message and "available here: 'cpu'" in message, message


@HYPOTHESIS
@given(st.text(max_size=12))
def test_any_device_string_gives_a_device_or_a_clear_refusal(text):
    try:
        dev = as_device(text)
    except InvalidInputError as exc:
        assert "available here" in str(exc)
    else:
        assert str(dev) in available_devices() or dev.type == "cpu" or str(dev) == "cuda"


# -------------------------------------------------------------------------------- sizes, up front
def test_huge_widths_are_refused_up_front_with_the_size_they_need():
    net = ReLUNetwork((10**6, 10**6, 1))
    with pytest.raises(SizeLimitError) as info:
        net.random_weights(0)
    # 10^12 + 10^6 float64 weights: 8·(10^12 + 10^6) bytes ≈ 7450.6 GiB
    assert "7450.59 GiB" in str(info.value), str(info.value)
    with pytest.raises(SizeLimitError, match="GiB"):
        initial_weights(10**6, 10**6, 0, 0)


def test_a_forward_pass_too_large_is_refused_up_front():
    x = np.zeros((1000, 3))
    need = 8 * 1000 * (3 + 2 * (2 + 1))  # the input and z, h of every layer, float64
    with pytest.raises(SizeLimitError, match="forward pass of 1000 inputs"):
        NET.forward(W, x, max_bytes=need - 1)
    assert NET.forward(W, x, max_bytes=need).shape == (1000,)
    with pytest.raises(SizeLimitError):
        NET.random_weights(0, max_bytes=8 * NET.size - 1)


def test_train_and_evaluate_count_the_evaluation(tiny):
    from polyloss.numeric.training import training_bytes

    need = training_bytes(250_000, 2, len(tiny.y_train), len(tiny.y_test))
    evaluation = 2 * min(2000, 60) * 2 * 250_000 * 4  # two (R, chunk, n_1) float32 tensors: products and ReLU
    assert need > evaluation
    with pytest.raises(SizeLimitError, match="evaluation"):
        train_replicas(250_000, 2, data=tiny, epochs=1, progress=False, max_bytes=need - 1)
    with pytest.raises(SizeLimitError, match="evaluating 2 replicas of width 4 on 5 images"):
        evaluate(R_W1, R_W2, EX, EY, max_bytes=1000)


# ---------------------------------------------------------------------------- property-based checks
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@HYPOTHESIS
@given(hnp.arrays(np.float64, st.tuples(st.integers(0, 6), st.just(3)), elements=finite),
       st.integers(0, 2**32 - 1))
def test_forward_equals_plain_numpy_on_finite_input(x, seed):
    w = NET.random_weights(seed)
    expected = np.maximum(np.maximum(x @ w[0], 0) @ w[1], 0)[:, 0]
    np.testing.assert_allclose(NET.forward(w, x), expected, rtol=1e-12, atol=1e-12)


@HYPOTHESIS
@given(hnp.arrays(np.float64, (4, 3), elements=finite), st.integers(0, 11),
       st.sampled_from([np.nan, np.inf, -np.inf, "complex"]))
def test_one_bad_entry_anywhere_is_refused(x, where, bad):
    if bad == "complex":
        x = x.astype(complex) + 1j
    else:
        x = x.copy()
        x.flat[where] = bad  # the bad entry at any of the 12 places
    with pytest.raises(InvalidInputError, match=r"\bx\b"):
        NET.forward(W, x)


@HYPOTHESIS
@given(finite, finite)
def test_random_weights_lie_in_their_range_or_are_refused(low, high):
    if low < high:
        for w in NET.random_weights(0, low=low, high=high):
            assert ((w >= low) & (w <= high)).all()
    else:
        with pytest.raises(InvalidInputError, match="low"):
            NET.random_weights(0, low=low, high=high)


@HYPOTHESIS
@given(st.lists(st.integers(-3, 12), min_size=1, max_size=8))
def test_labels_are_accepted_exactly_when_they_are_digits(labels):
    if all(0 <= v <= 9 for v in labels):
        np.testing.assert_array_equal(check_labels("y", labels), labels)
    else:
        with pytest.raises(InvalidInputError, match="y must be class labels 0..9"):
            check_labels("y", labels)


# ---------------------------------------------------------------------------------------- divergence
def _dead_everywhere(x, w1):
    """Independent: is every hidden ReLU off on every image (numpy, float64)?"""
    return not (np.asarray(x, np.float64) @ np.asarray(w1, np.float64) > 0).any()


def test_a_huge_learning_rate_is_reported_as_diverged(tiny):
    """The issue's case: η = 10^6 ends with every ReLU dead and weights near 10^10; it is an error."""
    with pytest.raises(TrainingDivergedError) as info:
        train_replicas(5, 3, epochs=3, seed=1, data=tiny, learning_rate=1e6, progress=False, keep_weights=True)
    err = info.value
    assert [d["replica"] for d in err.diverged] == [0, 1, 2]
    assert all(1 <= d["epoch"] <= 3 for d in err.diverged)
    assert "replica 0 after epoch" in str(err) and "learning_rate" in str(err)
    result = err.result
    assert result.diverged.all()
    for r in range(3):  # the weights the error hands back, checked with numpy
        big = max(np.abs(result.w1[r]).max(), np.abs(result.w2[r]).max()) > MAX_ABS_WEIGHT
        finite_w = np.isfinite(result.w1[r]).all() and np.isfinite(result.w2[r]).all()
        assert big or not finite_w or _dead_everywhere(tiny.x_train, result.w1[r])


def test_dead_networks_are_flagged_exactly_when_numpy_sees_them_dead(tiny):
    """η = 10 kills every unit of some replicas (finite, modest weights); mark returns the flags."""
    res = train_replicas(5, 3, epochs=10, seed=1, data=tiny, learning_rate=10.0, progress=False, keep_weights=True,
                         on_divergence="mark")
    dead = [_dead_everywhere(tiny.x_train, res.w1[r]) for r in range(3)]
    assert any(dead)
    for r in range(3):
        if dead[r]:
            assert res.diverged[r] and res.diverged_code[r] in (2, 3)
            np.testing.assert_allclose(res.train_loss[r], math.log(10), rtol=1e-6)  # outputs 0: loss log 10
        elif res.diverged_code is not None:
            assert res.diverged_code[r] != 3
    assert {d["reason"] for d in res.divergence} <= set(DIVERGENCE_REASONS.values())


def test_non_finite_weights_are_flagged_at_the_epoch_they_appear(tiny):
    res = train_replicas(5, 2, epochs=3, seed=1, data=tiny, learning_rate=1e38, progress=False, keep_weights=True,
                         on_divergence="mark")
    assert res.diverged.all()
    assert all(d["epoch"] == 1 for d in res.divergence)
    assert set(res.diverged_code) <= {1, 2}


def test_a_loss_that_rose_is_flagged(tiny, monkeypatch):
    """The rule "final loss > initial + margin": with a margin below -(initial loss) every replica rises."""
    import polyloss.numeric.training as training

    healthy = train_replicas(5, 2, epochs=2, seed=1, data=tiny, progress=False, on_divergence="mark")
    monkeypatch.setattr(training, "LOSS_MARGIN", -1e6)
    res = train_replicas(5, 2, epochs=2, seed=1, data=tiny, progress=False, on_divergence="mark")
    assert list(res.diverged_code) == [4, 4] and [d["epoch"] for d in res.divergence] == [2, 2]
    np.testing.assert_array_equal(res.train_loss, healthy.train_loss)  # the checks do not touch the arithmetic


def test_a_healthy_run_is_not_flagged_and_its_loss_falls(tiny):
    res = train_replicas(5, 3, epochs=5, seed=1, data=tiny, progress=False, keep_weights=True)
    assert not res.diverged.any() and res.divergence == [] and res.diverged_code is None
    w1_0 = np.stack([initial_weights(100, 5, 1, r)[0].numpy() for r in range(3)])
    w2_0 = np.stack([initial_weights(100, 5, 1, r)[1].numpy() for r in range(3)])
    start, _ = evaluate(w1_0, w2_0, tiny.x_train, tiny.y_train)
    assert (res.train_loss < start).all()
    assert "diverged_code" not in res.arrays()


def test_a_diverged_run_saves_no_result_and_mark_saves_the_flags(tiny, tmp_path):
    kw = dict(epochs=2, seed=1, data=tiny, learning_rate=1e6, progress=False)
    with pytest.raises(TrainingDivergedError):
        train_replicas(5, 2, out=tmp_path / "raise", **kw)
    assert not (tmp_path / "raise" / "result.npz").exists()
    marked = train_replicas(5, 2, out=tmp_path / "mark", on_divergence="mark", **kw)
    again = train_replicas(5, 2, out=tmp_path / "mark", on_divergence="mark", **kw)  # read back from the folder
    assert again.divergence == marked.divergence and again.diverged.all()


def test_the_cli_train_reports_divergence_and_exits_2(tmp_path, capsys):
    argv = ["train", "--scale", "smoke", "--lr", "1e6", "--no-index", "--workers", "0", "--quiet",
            "--out", str(tmp_path / "run")]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "diverged" in err and "replica" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv, words", [
    (["--lr", "nan"], "learning_rate"),
    (["--lr", "-1"], "learning_rate"),
    (["--device", "nonsense"], "available here"),
] + ([(["--device", "cuda"], "available here")] if NO_CUDA else []))
def test_the_cli_train_refuses_bad_values_in_one_line(argv, words, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--scale", "smoke", "--workers", "0", "--quiet", "--out", str(tmp_path / "r"), *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2 and words in err and "Traceback" not in err


def test_every_error_is_a_polyloss_error():
    assert issubclass(TrainingDivergedError, PolylossError) and issubclass(TrainingDivergedError, ArithmeticError)
