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


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One torch thread: on a shared 2-core machine, busy-waiting OpenMP threads are far slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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
