"""The MNIST experiment end to end at smoke scale: statistics against scipy, pieces against direct calls,
the same bytes whatever runs the tasks, partial folders, report files, LaTeX, CLI; annealing on torch
against a numpy reference implementation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import stats
from scipy.special import logsumexp

from polyloss._random import as_generator, derive_seed
from polyloss.cli import main
from polyloss.errors import DamagedResultError, InvalidInputError, ResumeError
from polyloss.execution import LocalWorkers
from polyloss.experiments.mnist import (
    METRICS,
    PAPER_CORRELATION,
    MnistExperimentConfig,
    MnistResult,
    fisher_interval,
    path_statistics,
    run_mnist_experiment,
    training_subset,
    write_report,
)
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import dense_hessian, hessian_spectrum, loss_and_gradient_norm
from polyloss.numeric.training import anneal_ternary, evaluate, train_replicas
from polyloss.store import RunStore
from polyloss.symbolic.latex import compile_pdf

needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal of a missing GPU")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    config = MnistExperimentConfig.preset("smoke", widths=(4, 8), replicas=5, index_widths=(4,), index_samples=100,
                                          anneal_width=4)
    return run_mnist_experiment(config, out / "run", progress=False), out / "run"


def test_statistics_match_scipy(smoke):
    result, _ = smoke
    assert set(result.runs) == {4, 8}
    for w, r in result.runs.items():
        assert r["test_loss"].shape == (5,)
        assert result.pearson()[w] == pytest.approx(stats.pearsonr(r["train_loss"], r["test_loss"])[0], abs=1e-12)
        assert result.variance()[w] == pytest.approx(np.var(r["test_loss"], ddof=1))
    assert sorted(result.spectra) == [4] and result.spectra[4].networks == 2  # smoke preset: index_replicas = 2
    assert result.spectra[4].n_params == 4 * 110 and result.ceiling(4) == pytest.approx(9 / 110)
    for kind in ("relative", "absolute"):  # never above the structural ceiling, at any threshold of the curves
        t, idx = result.index_curve(4, kind)
        assert idx.shape == (2, len(t)) and ((idx >= 0) & (idx <= result.ceiling(4))).all()
        assert (np.diff(idx, axis=1) <= 0).all()
        summary = result.index_summary(4, **{kind: t})
        np.testing.assert_allclose(summary["mean"], idx.mean(0))
        half = stats.t.ppf(0.975, 1) * idx.std(0, ddof=1) / np.sqrt(2)
        np.testing.assert_allclose(summary["high"], idx.mean(0) + half)
    with pytest.raises(InvalidInputError, match="exactly one threshold"):
        result.normalised_index(4)
    with pytest.raises(InvalidInputError, match="no Hessian spectra of width 8"):
        result.normalised_index(8, relative=1e-4)
    assert "ceiling" in result.index_markdown() and "0.0818" in result.index_markdown()
    t, idx = result.index_curve(4, "absolute")
    assert result.threshold_at(4, "absolute", level=1.0) == t[0] and np.isnan(result.threshold_at(4, level=-1.0))
    crossing = result.threshold_at(4, "absolute", level=0.03)
    k = list(t).index(crossing)
    assert idx.mean(0)[k] <= 0.03 and (k == 0 or idx.mean(0)[k - 1] > 0.03)
    assert result.anneal["test_accuracy"].shape == (2,) and int(result.anneal["n_1"]) == 4
    np.testing.assert_array_equal(result.anneal["sgd_test_accuracy"], result.runs[4]["test_accuracy"])
    rho = result.paths[4]["rho"]
    assert rho.shape == (2,) and ((rho > 0) & (rho < 1)).all()  # on the index networks
    assert "ρ, fraction of active paths" in result.assumptions_markdown()
    assert "SA {-1,0,1}" in result.redundancy_markdown()


def test_fisher_interval_against_scipy_confidence_interval():
    x = np.random.default_rng(4).normal(size=(2, 40))
    x[1] += x[0]
    res = stats.pearsonr(x[0], x[1])
    ci = res.confidence_interval(0.95)  # scipy's Fisher-z interval
    assert fisher_interval(res.statistic, 40) == pytest.approx((ci.low, ci.high), abs=1e-6)


def test_result_reloads_and_resume_guard(smoke, tmp_path):
    result, run = smoke
    again = MnistResult.load(run)
    for w in result.runs:
        np.testing.assert_array_equal(again.runs[w]["test_loss"], result.runs[w]["test_loss"])
    piece = run / "train_n1=4_replicas=0000-0004.npz"
    before = piece.read_bytes()
    other = MnistExperimentConfig.preset("smoke", widths=(4, 8), replicas=5, index_widths=(4,), index_samples=100,
                                         anneal_width=4, epochs=3)
    with pytest.raises(ResumeError, match="epochs"):
        run_mnist_experiment(other, run, progress=False)
    assert piece.read_bytes() == before


# ------------------------------------------------------------------- plans, executors, partial folders
BLOCKS = MnistExperimentConfig.preset("smoke", widths=(3, 4), replicas=18, epochs=1, index_widths=(3, 5),
                                      index_replicas=2, index_samples=60, anneal_width=3, anneal_runs=2,
                                      anneal_steps=60, anneal_samples=60)  # index width 5 is not among the trained widths


def npz_bytes(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.npz"))}


@pytest.fixture(scope="module")
def blocks(tmp_path_factory):
    """BLOCKS (two training blocks per width: 16 + 2 replicas) in this process and in two worker processes."""
    out = tmp_path_factory.mktemp("blocks")
    serial = run_mnist_experiment(BLOCKS, out / "serial", progress=False)
    with LocalWorkers(2) as workers:
        parallel = run_mnist_experiment(BLOCKS, out / "workers", executor=workers, progress=False)
    return serial, parallel, out


def test_worker_processes_write_the_same_bytes_as_this_process(blocks):
    serial, parallel, out = blocks
    pieces = npz_bytes(out / "serial")
    assert "train_n1=3_replicas=0016-0017.npz" in pieces and "index_n1=5_replica=0001.npz" in pieces
    assert len(pieces) == 4 + 4 + 2 + 2 + 1  # training blocks, index (2 widths × 2), annealing, paths, dataset
    assert npz_bytes(out / "workers") == pieces
    for w in BLOCKS.widths:
        for name in serial.runs[w]:
            np.testing.assert_array_equal(parallel.runs[w][name], serial.runs[w][name])
    for w in (3, 5):
        for a, b in zip(parallel.spectra[w].negative, serial.spectra[w].negative):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(parallel.anneal["test_accuracy"], serial.anneal["test_accuracy"])
    assert (out / "serial" / "timing" / "train_n1=3_replicas=0000-0015.json").exists()  # timings apart


def test_pieces_equal_direct_calls(blocks):
    """The assembled blocks equal one train_replicas call of all replicas, bit for bit; the index tasks'
    networks equal train_replicas(w, 1, first_replica=r); their spectra, the annealing and path pieces
    equal the functions called directly on the same data."""
    serial, _, out = blocks
    store = RunStore.open(out / "serial")
    ds = embedded_mnist()
    whole = {w: train_replicas(w, 18, epochs=1, seed=0, keep_weights=True, progress=False) for w in BLOCKS.widths}
    for w in BLOCKS.widths:
        for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            np.testing.assert_array_equal(serial.runs[w][name], getattr(whole[w], name), err_msg=f"{w} {name}")
    for key in ("train_n1=3_replicas=0000-0015", "train_n1=4_replicas=0016-0017"):
        assert sorted(store.load(key)) == sorted(METRICS)  # the training pieces keep no weights
    rows = training_subset(len(ds.y_train), 60, 0)
    x, y = ds.x_train[rows], ds.y_train[rows]
    for w in (3, 5):
        for r in range(2):
            piece = store.load(f"index_n1={w}_replica={r:04d}")
            alone = train_replicas(w, 1, first_replica=r, epochs=1, seed=0, keep_weights=True, progress=False)
            np.testing.assert_array_equal(piece["w1"], alone.w1[0])  # the same network, bit for bit
            np.testing.assert_array_equal(piece["w2"], alone.w2[0])
            assert piece["w1"].dtype == np.float32
            eig = hessian_spectrum(alone.w1[0], alone.w2[0], x, y)
            np.testing.assert_array_equal(piece["negative_eigenvalues"], eig[eig < 0])
            assert float(piece["largest_eigenvalue"]) == eig[-1] and int(piece["n_params"]) == w * 110
            assert (float(piece["train_loss"]), float(piece["gradient_norm"])) == \
                loss_and_gradient_norm(alone.w1[0], alone.w2[0], x, y)
            # the count at a threshold equals a direct eigvalsh count of the dense Hessian
            direct = np.linalg.eigvalsh(dense_hessian(alone.w1[0], alone.w2[0], x, y))
            for t in (1e-6, 1e-4, 1e-3, 1e-2):
                assert serial.normalised_index(w, relative=t)[r] == np.mean(direct < -t * np.abs(direct).max())
                assert serial.normalised_index(w, absolute=t)[r] == np.mean(direct < -t)
            if w == 3:  # the copy in the training sweep: the same seeds, equal up to float32 rounding
                assert serial.runs[3]["train_loss"][r] == pytest.approx(alone.train_loss[0], rel=1e-5)
    for i in range(2):
        sa = anneal_ternary(ds.x_train[rows], ds.y_train[rows], 3, steps=60, t_start=0.1, t_end=1e-4,
                            seed=derive_seed(0, "anneal", i))
        piece = store.load(f"anneal_run={i:03d}")
        np.testing.assert_array_equal(piece["w1"], sa["w1"])
        assert int(piece["accepted"]) == sa["accepted"]
        assert float(piece["test_accuracy"]) == evaluate(sa["w1"][None], sa["w2"][None], ds.x_test, ds.y_test)[1][0]
    for w in (3, 5):
        net = store.load(f"index_n1={w}_replica=0001")
        assert serial.paths[w]["rho"].shape == (2,)
        assert {k: float(v[1]) for k, v in serial.paths[w].items()} == \
            path_statistics(net["w1"], net["w2"], ds.x_test, ds.y_test)
    np.testing.assert_array_equal(serial.anneal["sgd_test_accuracy"], whole[3].test_accuracy)


def test_a_partial_folder_loads_what_is_finished_and_a_rerun_completes_it(blocks, tmp_path):
    _, _, out = blocks
    run = tmp_path / "run"
    shutil.copytree(out / "serial", run)
    (run / "train_n1=4_replicas=0016-0017.json").unlink()  # an unfinished block: width 4 incomplete
    (run / "index_n1=5_replica=0001.json").unlink()  # index width 5 incomplete, its paths not yet computed
    (run / "paths_n1=5.json").unlink()
    (run / "anneal_run=001.npz").unlink()
    partial = MnistResult.load(run)
    assert sorted(partial.runs) == [3] and sorted(partial.spectra) == [3] and partial.anneal == {}
    assert sorted(partial.paths) == [3]
    reference = MnistResult.load(out / "serial")
    np.testing.assert_array_equal(partial.runs[3]["test_loss"], reference.runs[3]["test_loss"])
    np.testing.assert_array_equal(partial.normalised_index(3, relative=[1e-6, 1e-3]),
                                  reference.normalised_index(3, relative=[1e-6, 1e-3]))
    write_report(partial, tmp_path / "partial_report")  # a report of what is there
    rerun = run_mnist_experiment(BLOCKS, run, progress=False)
    assert npz_bytes(run) == npz_bytes(out / "serial")
    np.testing.assert_array_equal(rerun.runs[4]["train_loss"], reference.runs[4]["train_loss"])
    # a damaged piece is named, never used
    (run / "train_n1=3_replicas=0000-0015.npz").write_bytes(b"not a piece")
    with pytest.raises(DamagedResultError, match=r"train_n1=3_replicas=0000-0015\.npz"):
        MnistResult.load(run)


def test_a_folder_of_the_earlier_layout_is_named(tmp_path):
    run = tmp_path / "old"
    run.mkdir()
    now = {k: v for k, v in BLOCKS.__dict__.items() if k not in ("index_widths", "anneal_width")}
    for old in ({k: v for k, v in now.items() if k != "block"}, {**now, "index_width": 3}):  # two earlier layouts
        (run / "config.json").write_text(json.dumps({"config": {"kind": "mnist_experiment", **old}}))
        for call in (lambda: MnistResult.load(run), lambda: run_mnist_experiment(BLOCKS, run, progress=False)):
            with pytest.raises(InvalidInputError, match="earlier version"):
                call()


@needs_no_cuda
def test_a_missing_gpu_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(InvalidInputError, match="cuda"):
        run_mnist_experiment(BLOCKS, tmp_path / "gpu", device="cuda", progress=False)
    assert not (tmp_path / "gpu").exists()
    with pytest.raises(InvalidInputError, match="cuda"):
        anneal_ternary(np.zeros((4, 3)), np.zeros(4, int), 2, steps=2, device="cuda")


def test_report_has_paper_values_and_compiles(smoke, tmp_path, pdflatex):
    result, _ = smoke
    result.runs[25] = result.runs[4]  # a width the paper measured, to see its Table 1 value beside ours
    paths = write_report(result, tmp_path / "report", spinglass_energies={25: -1.6 + 0.02 * np.arange(9.0)})
    md = (tmp_path / "report" / "correlation_table.md").read_text()
    assert f"{PAPER_CORRELATION[25]:.4f}" in md and "| 8 | 5 |" in md
    assert compile_pdf(tmp_path / "report" / "correlation_table.tex").exists()
    for p in paths:
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    summary = json.loads((tmp_path / "report" / "summary.json").read_text())
    assert summary["config"]["replicas"] == 5
    index = summary["index"]["4"]
    assert index["ceiling"] == pytest.approx(9 / 110) and len(index["relative"]["mean"]) == 13
    assert "ceiling" in (tmp_path / "report" / "hessian_index.md").read_text()


@pytest.mark.parametrize("changes, match", [
    ({"widths": (25, 0)}, "each width must be an integer >= 1, got 0"),
    ({"widths": ()}, "non-empty"),
    ({"replicas": 1}, "replicas must be an integer >= 2"),
    ({"anneal_width": 7}, "anneal_width must be one of the widths"),
    ({"index_widths": (5, 5)}, "must not repeat"),
    ({"index_widths": (0,)}, "each index width must be an integer >= 1"),
    ({"index_widths": (250,)}, "index widths up to 210"),
    ({"index_widths": 5}, "index_widths must be a list"),
    ({"block": 24}, "block must be a multiple of 16"),
    ({"block": 0}, "block must be an integer >= 1"),
])
def test_bad_config_is_refused(changes, match):
    with pytest.raises(InvalidInputError, match=match):
        MnistExperimentConfig.preset("smoke", **changes)


def test_cli_writes_results_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["train", "--scale", "smoke", "--widths", "3", "--replicas", "3", "--epochs", "1",
                 "--out", str(out), "--quiet", "--threads", "1", "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "| 3 | 3 |" in printed and (out / "report" / "train_vs_test_loss.png").exists()
    assert (out / "report" / "hessian_index.png").exists()  # the preset's index width 5, not trained in the sweep
    assert "Hessian index, n_1 = 5" in printed and "ceiling n_1(C-1)/N = 0.0818" in printed
    # two worker processes wrote what this process writes for the same configuration (anneal width: the smallest)
    same = MnistExperimentConfig.preset("smoke", widths=(3,), replicas=3, epochs=1, anneal_width=3)
    run_mnist_experiment(same, tmp_path / "here", progress=False)
    assert npz_bytes(out) == npz_bytes(tmp_path / "here") and len(npz_bytes(out)) == 1 + 2 + 2 + 1 + 1  # + dataset
    for argv, match in [(["--widths", "25,0"], "positive integers"), (["--replicas", "-3"], "--replicas"),
                        (["--data", str(tmp_path / "missing")], "no such folder"),
                        (["--epochs", "2"], "different configuration"), (["--block", "10"], "multiple of 16"),
                        (["--index-widths", "5,0"], "positive integers"), (["--anneal-width", "7"], "anneal_width"),
                        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both")]:
        with pytest.raises(SystemExit) as exc:
            main(["train", "--scale", "smoke", "--widths", "3", "--replicas", "3", "--epochs", "1",
                  "--out", str(out), "--quiet"] + argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert match in err and "Traceback" not in err


def test_path_statistics_against_brute_force_path_sums():
    from polyloss.experiments.mnist import path_statistics

    rng = np.random.default_rng(7)
    x, w1, w2 = rng.random((30, 6)), rng.uniform(-1, 1, (6, 4)), rng.uniform(-1, 1, (4, 10))
    y = rng.integers(0, 10, 30)
    x[:, 0] = 0.0  # a constant pixel (as MNIST borders are)
    got = path_statistics(w1, w2, x, y)
    # oracle: enumerate every path (i, j, k) of every sample
    act = np.zeros((30, 6, 4))
    logits, averaged = np.zeros((30, 10)), np.zeros((30, 10))
    for s in range(30):
        for j in range(4):
            a = float(sum(x[s, i] * w1[i, j] for i in range(6)) > 0)
            for i in range(6):
                act[s, i, j] = a
                for k in range(10):
                    logits[s, k] += x[s, i] * a * w1[i, j] * w2[j, k]
    np.testing.assert_allclose(logits, np.maximum(x @ w1, 0) @ w2, atol=1e-12)  # Eq. 1 is exact
    rho = act.mean()
    assert got["rho"] == pytest.approx(rho)
    for s in range(30):
        for i in range(6):
            for j in range(4):
                for k in range(10):
                    averaged[s, k] += x[s, i] * rho * w1[i, j] * w2[j, k]
    assert got["relative_distance"] == pytest.approx(np.linalg.norm(logits - averaged) / np.linalg.norm(logits))
    pooled_x = np.broadcast_to(x[:, :, None], act.shape).ravel()
    assert got["pooled_correlation"] == pytest.approx(np.corrcoef(pooled_x, act.ravel())[0, 1])
    pairs = [abs(np.corrcoef(x[:, i], act[:, 0, j])[0, 1]) for i in range(1, 6) for j in range(4)
             if act[:, 0, j].std() > 0]
    assert got["mean_abs_correlation"] == pytest.approx(np.mean(pairs))
    assert got["averaged_accuracy"] == pytest.approx(np.mean(averaged.argmax(1) == y))


def test_annealing_keeps_ternary_weights_and_its_incremental_energy_is_exact():
    from polyloss.numeric.training import anneal_ternary

    rng = np.random.default_rng(1)
    x, y = rng.random((40, 7)), rng.integers(0, 10, 40)
    run = anneal_ternary(x, y, 3, steps=400, t_start=0.5, t_end=1e-3, seed=3)
    assert set(np.unique(run["w1"])) <= {-1.0, 0.0, 1.0} and set(np.unique(run["w2"])) <= {-1.0, 0.0, 1.0}
    logits = np.maximum(x @ run["w1"], 0) @ run["w2"]
    ce = np.mean(np.log(np.exp(logits).sum(1)) - logits[np.arange(40), y])
    assert run["loss"] == pytest.approx(ce, rel=1e-12)
    again = anneal_ternary(x, y, 3, steps=400, t_start=0.5, t_end=1e-3, seed=3)
    np.testing.assert_array_equal(again["w1"], run["w1"])
    # annealing lowers the energy below the average random ternary network's (seeded, 20 draws)
    randoms = [anneal_ternary(x, y, 3, steps=1, t_start=1e-9, t_end=1e-9, seed=100 + s)["loss"] for s in range(20)]
    assert run["loss"] < np.min(randoms)


def test_training_subsets_cover_every_digit():
    from polyloss.experiments.mnist import training_subset
    from polyloss.numeric.data import embedded_mnist

    rows = training_subset(4000, 500, seed=0)
    assert len(np.unique(rows)) == 500
    assert np.bincount(embedded_mnist().y_train[rows], minlength=10).min() >= 30  # ~50 each, not a sorted prefix
    np.testing.assert_array_equal(rows, training_subset(4000, 500, seed=0))


def numpy_anneal(x, y, n_hidden, *, steps, t_start, t_end, values=(-1.0, 0.0, 1.0), seed=None):
    """Reference: the numpy implementation anneal_ternary had before it moved to torch (same draws, same
    moves), with scipy's logsumexp for the energy."""
    rng = as_generator(seed)
    vals = np.asarray(values, dtype=np.float64)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    n, d = x.shape
    rows = np.arange(n)
    w1 = rng.choice(vals, size=(d, n_hidden))
    w2 = rng.choice(vals, size=(n_hidden, 10))
    z = x @ w1
    h = np.maximum(z, 0)
    logits = h @ w2

    def energy(lg):
        return float(np.mean(logsumexp(lg, axis=1) - lg[rows, y]))

    current = energy(logits)
    temps = t_start * (t_end / t_start) ** (np.arange(steps) / max(steps - 1, 1))
    n1_weights = d * n_hidden
    picks = rng.integers(0, n1_weights + n_hidden * 10, size=steps)
    shifts = rng.integers(1, len(vals), size=steps)
    uniforms = rng.random(steps)
    accepted = 0
    for t in range(steps):
        k = picks[t]
        if k < n1_weights:
            i, j = divmod(k, n_hidden)
            old = w1[i, j]
            new = vals[(np.flatnonzero(vals == old)[0] + shifts[t]) % len(vals)]
            z_j = z[:, j] + (new - old) * x[:, i]
            h_j = np.maximum(z_j, 0)
            trial = logits + np.outer(h_j - h[:, j], w2[j])
        else:
            j, c = divmod(k - n1_weights, 10)
            old = w2[j, c]
            new = vals[(np.flatnonzero(vals == old)[0] + shifts[t]) % len(vals)]
            trial = logits.copy()
            trial[:, c] += (new - old) * h[:, j]
        e = energy(trial)
        if e <= current or uniforms[t] < np.exp(-(e - current) / temps[t]):
            accepted += 1
            current, logits = e, trial
            if k < n1_weights:
                w1[i, j], z[:, j], h[:, j] = new, z_j, h_j
            else:
                w2[j, c] = new
    return {"w1": w1, "w2": w2, "loss": energy(np.maximum(x @ w1, 0) @ w2), "accepted": accepted}


@pytest.mark.parametrize("seed, n_hidden, steps, t_start, values", [
    (0, 3, 500, 0.5, (-1.0, 0.0, 1.0)),
    (1, 5, 800, 0.1, (-1.0, 0.0, 1.0)),
    (2, 4, 600, 2.0, (-1.0, 0.0, 1.0)),   # hot: many uphill moves accepted
    (3, 2, 400, 0.3, (-1.0, -0.5, 0.5, 1.0)),
])
def test_torch_annealing_makes_the_moves_of_the_numpy_reference(seed, n_hidden, steps, t_start, values):
    ds = embedded_mnist()
    rows = training_subset(len(ds.y_train), 150, seed)
    x, y = ds.x_train[rows], ds.y_train[rows]
    kw = dict(steps=steps, t_start=t_start, t_end=1e-4, values=values, seed=derive_seed(seed, "anneal-test"))
    ours, ref = anneal_ternary(x, y, n_hidden, **kw), numpy_anneal(x, y, n_hidden, **kw)
    assert 0 < ours["accepted"] < steps
    assert ours["accepted"] == ref["accepted"]
    np.testing.assert_array_equal(ours["w1"], ref["w1"])
    np.testing.assert_array_equal(ours["w2"], ref["w2"])
    assert ours["loss"] == pytest.approx(ref["loss"], rel=1e-13)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_annealing_makes_the_moves_of_the_numpy_reference():
    ds = embedded_mnist()
    rows = training_subset(len(ds.y_train), 300, 0)
    for seed in range(3):
        kw = dict(steps=1000, t_start=0.3, t_end=1e-4, seed=derive_seed(seed, "anneal-test"))
        ours, ref = anneal_ternary(ds.x_train[rows], ds.y_train[rows], 6, device="cuda", **kw), \
            numpy_anneal(ds.x_train[rows], ds.y_train[rows], 6, **kw)
        assert ours["accepted"] == ref["accepted"]
        np.testing.assert_array_equal(ours["w1"], ref["w1"])
        assert ours["loss"] == pytest.approx(ref["loss"], rel=1e-12)
