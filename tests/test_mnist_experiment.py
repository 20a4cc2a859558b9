"""The MNIST experiment end to end at smoke scale: statistics against scipy, report files, LaTeX, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from polyloss.cli import main
from polyloss.errors import InvalidInputError, ResumeError
from polyloss.experiments.mnist import (
    PAPER_CORRELATION,
    MnistExperimentConfig,
    MnistResult,
    fisher_interval,
    run_mnist_experiment,
    write_report,
)
from polyloss.symbolic.latex import compile_pdf


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    config = MnistExperimentConfig.preset("smoke", widths=(4, 8), replicas=5, index_width=4, index_samples=100)
    return run_mnist_experiment(config, out / "run", progress=False), out / "run"


def test_statistics_match_scipy(smoke):
    result, _ = smoke
    assert set(result.runs) == {4, 8}
    for w, r in result.runs.items():
        assert r["test_loss"].shape == (5,)
        assert result.pearson()[w] == pytest.approx(stats.pearsonr(r["train_loss"], r["test_loss"])[0], abs=1e-12)
        assert result.variance()[w] == pytest.approx(np.var(r["test_loss"], ddof=1))
    idx = result.index[4]
    assert idx.shape == (2,) and ((idx >= 0) & (idx <= 1)).all()  # smoke preset: index_replicas = 2
    assert result.anneal["test_accuracy"].shape == (2,) and int(result.anneal["n_1"]) == 4
    np.testing.assert_array_equal(result.anneal["sgd_test_accuracy"], result.runs[4]["test_accuracy"])
    assert result.paths["rho"].shape == (5,) and ((result.paths["rho"] > 0) & (result.paths["rho"] < 1)).all()
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
    before = (run / "train_n1=4" / "result.npz").read_bytes()
    other = MnistExperimentConfig.preset("smoke", widths=(4, 8), replicas=5, index_width=4, index_samples=100,
                                         epochs=3)
    with pytest.raises(ResumeError, match="epochs"):
        run_mnist_experiment(other, run, progress=False)
    assert (run / "train_n1=4" / "result.npz").read_bytes() == before


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


@pytest.mark.parametrize("changes, match", [
    ({"widths": (25, 0)}, "each width must be an integer >= 1, got 0"),
    ({"widths": ()}, "non-empty"),
    ({"replicas": 1}, "replicas must be an integer >= 2"),
    ({"index_width": 7}, "index_width must be one of the widths"),
])
def test_bad_config_is_refused(changes, match):
    with pytest.raises(InvalidInputError, match=match):
        MnistExperimentConfig.preset("smoke", **changes)


def test_cli_writes_results_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["train", "--scale", "smoke", "--widths", "3", "--replicas", "3", "--epochs", "1",
                 "--out", str(out), "--quiet", "--threads", "1"]) == 0
    printed = capsys.readouterr().out
    assert "| 3 | 3 |" in printed and (out / "report" / "train_vs_test_loss.png").exists()
    assert (out / "report" / "hessian_index.png").exists()  # index width falls back to the smallest width
    for argv, match in [(["--widths", "25,0"], "positive integers"), (["--replicas", "-3"], "positive integer"),
                        (["--data", str(tmp_path / "missing")], "no such folder"),
                        (["--epochs", "2"], "different configuration")]:
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
