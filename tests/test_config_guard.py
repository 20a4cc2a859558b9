"""The configuration guard of run folders: one configuration per folder, checked before anything is
written; a refused or failed run leaves nothing that blocks its corrected rerun; ``--force`` starts a
clashing folder afresh, moving the old files aside (never deleting them); no NaN in JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from polyloss.errors import InvalidInputError, ResumeError
from polyloss.store import RunStore, atomic_write_json

SG = dict(H=3, runs=4, chunk=2, method="gd", steps=30, refine=False, progress=False)
SG_ARGS = ["--runs", "4", "--chunk", "2", "--method", "gd", "--steps", "30", "--no-refine", "--quiet"]


def _strict_json(path):
    def refuse(name):
        raise ValueError(f"{path} holds {name}, which is not JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def _tree(folder):
    """Every file under ``folder`` but lock files (they name the last process that held them)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".polyloss.lock"}


def _cli(argv, capsys):
    from polyloss.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


# ---------------------------------------------------------------------------------- Λ sets
def test_lambda_set_is_part_of_the_spinglass_configuration(tmp_path):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    out = tmp_path / "sg"
    spinglass_minima((6,), out=out, seed=1, **SG)
    before = _tree(out)
    with pytest.raises(ResumeError, match=r"Lambdas: stored \[6\], asked \[6, 8\]"):
        spinglass_minima((6, 8), out=out, seed=1, **SG)
    assert _tree(out) == before  # nothing written
    assert SpinGlassMinimaResult.load(out).Lambdas == (6,)


# ------------------------------------------------------------ refused or failed runs
def test_lr_nan_is_refused_before_the_folder_is_written(tmp_path, capsys):
    out = tmp_path / "sg"
    code, err = _cli(["spinglass", "--Lambda", "6", "--lr", "nan", "--out", str(out), *SG_ARGS], capsys)
    assert code == 2 and "argument --lr:" in err and "'nan'" in err
    assert not (out / "config.json").exists()


def test_a_folder_without_finished_pieces_takes_the_new_configuration(tmp_path):
    """A run refused or failed before its first piece (a size refusal inside a task, a kill) leaves a
    config.json; the corrected rerun is not refused by it."""
    RunStore(tmp_path / "r", {"lr": 1e6})
    store = RunStore(tmp_path / "r", {"lr": 0.1})
    assert json.loads((tmp_path / "r" / "config.json").read_text())["config"] == {"lr": 0.1}
    store.save("k", {"x": np.arange(2)})
    with pytest.raises(ResumeError, match=r"lr: stored 0\.1, asked 1e-05.*--force"):
        RunStore(tmp_path / "r", {"lr": 1e-5})


def test_a_failed_spinglass_task_does_not_block_the_corrected_rerun(tmp_path, monkeypatch):
    from polyloss.errors import TaskError
    from polyloss.experiments import spinglass_minima as sgm

    real = sgm.minima_task

    def refused(config, task):
        raise InvalidInputError("too large (a size refusal)")

    monkeypatch.setattr(sgm, "minima_task", refused)
    out = tmp_path / "sg"
    with pytest.raises(TaskError, match="too large"):
        sgm.spinglass_minima((6,), out=out, seed=1, **SG)
    monkeypatch.setattr(sgm, "minima_task", real)
    result = sgm.spinglass_minima((6,), out=out, seed=2, **SG)  # another configuration: accepted
    assert result.config["seed"] == 2
    assert np.array_equal(result.energies[6], sgm.spinglass_minima((6,), seed=2, **SG).energies[6])


def test_a_diverged_training_does_not_block_the_corrected_rerun(tmp_path):
    from polyloss.errors import PolylossError
    from polyloss.numeric.training import train_replicas

    out = tmp_path / "t"
    kw = dict(epochs=2, seed=0, batch_size=500, progress=False, checkpoint_every=1)
    with pytest.raises(PolylossError, match="diverged"):
        train_replicas(5, 2, out=out, learning_rate=1e6, **kw)
    assert not (out / "checkpoint.npz").exists()  # its blown-up weights are not kept
    good = train_replicas(5, 2, out=out, learning_rate=0.1, **kw)
    assert np.array_equal(good.test_loss, train_replicas(5, 2, learning_rate=0.1, **kw).test_loss)


# ------------------------------------------------------------------------------ --force
def test_force_starts_a_clashing_spinglass_folder_afresh_and_keeps_the_old_files(tmp_path, capsys):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    out = tmp_path / "sg"
    assert _cli(["spinglass", "--Lambda", "6", "--seed", "0", "--out", str(out), *SG_ARGS], capsys)[0] == 0
    old = {k: v for k, v in _tree(out).items() if not k.startswith(".")}
    code, err = _cli(["spinglass", "--Lambda", "6", "--seed", "1", "--out", str(out), *SG_ARGS], capsys)
    assert code == 2 and "seed: stored 0, asked 1" in err and "--force" in err
    assert _cli(["spinglass", "--Lambda", "6", "--seed", "1", "--force", "--out", str(out), *SG_ARGS],
                capsys)[0] == 0
    (moved,) = out.glob("superseded-*")
    assert _tree(moved) == old  # every old file kept, byte for byte
    result = SpinGlassMinimaResult.load(out)
    assert result.config["seed"] == 1
    assert np.array_equal(result.energies[6], spinglass_minima((6,), seed=1, **SG).energies[6])


# ---------------------------------------------------------------------------- reproduce
def _toy_stages(calls):
    from polyloss.experiments.stage import Stage, StageResult

    def compute(results, run, progress, execution):
        calls.append(("compute", run.seed))
        atomic_write_json(results / "toy" / "run" / "config.json", {"config": {"seed": run.seed}})

    def report(results, out, run):
        calls.append(("report", run.seed))
        return StageResult(notes=[f"seed {run.seed}"])

    return (Stage("first", "First", None, report), Stage("toy", "Toy", compute, report),
            Stage("third", "Third", None, report))


def test_reproduce_into_a_report_of_another_seed_is_refused_before_any_stage(tmp_path, monkeypatch):
    from polyloss.experiments import reproduce as rep

    calls = []
    monkeypatch.setattr(rep, "_stages", lambda: _toy_stages(calls))
    report = tmp_path / "report"
    rep.reproduce(report, results=tmp_path / "r0", scale="smoke", seed=0, progress=False)
    assert [c for c in calls if c[0] == "report"] == [("report", 0)] * 3
    before, calls[:] = _tree(report), []
    # a fresh results folder, but the report holds seed 0: refused, every clash named, nothing written
    with pytest.raises(ResumeError) as exc:
        rep.reproduce(report, results=tmp_path / "r1", scale="smoke", seed=1, progress=False)
    assert all(f"stage {name}" in str(exc.value) for name in ("first", "toy", "third"))
    assert calls == [] and _tree(report) == before and not (tmp_path / "r1" / "reproduce.json").exists()
    # the results folder of seed 0 under --results: refused too
    with pytest.raises(ResumeError, match="seed 0"):
        rep.reproduce(tmp_path / "report1", results=tmp_path / "r0", scale="smoke", seed=1, progress=False)
    assert calls == []
    # --force: the old report moved aside, every stage of seed 1
    rep.reproduce(report, results=tmp_path / "r1", scale="smoke", seed=1, force=True, progress=False)
    assert [c for c in calls if c[0] == "report"] == [("report", 1)] * 3
    (moved,) = report.glob("superseded-*")
    assert {k: v for k, v in _tree(moved).items()} == {k: v for k, v in before.items() if not k.startswith(".")}
    seeds = {json.loads((report / s / "stage.json").read_text())["seed"] for s in ("first", "toy", "third")}
    assert seeds == {1}


def test_reproduce_refuses_run_folders_of_another_seed_without_a_run_file(tmp_path, monkeypatch):
    from polyloss.experiments import reproduce as rep

    calls = []
    monkeypatch.setattr(rep, "_stages", lambda: _toy_stages(calls))
    atomic_write_json(tmp_path / "res" / "toy" / "run" / "config.json", {"config": {"seed": 0}})
    with pytest.raises(ResumeError, match="holds results of seed 0"):
        rep.reproduce(tmp_path / "out", results=tmp_path / "res", scale="smoke", seed=1, progress=False)
    assert calls == []


# ------------------------------------------------------------------------------- no NaN
def test_json_never_holds_nan(tmp_path):
    path = atomic_write_json(tmp_path / "x.json", {"a": math.nan, "b": [1.0, -math.inf], "c": np.float64("nan"),
                                                   "d": np.array([np.nan, 2.0])})
    assert _strict_json(path) == {"a": None, "b": [1.0, None], "c": None, "d": [None, 2.0]}


def test_spinglass_summary_of_h2_is_valid_json(tmp_path):
    from polyloss.experiments.spinglass_minima import spinglass_minima

    result = spinglass_minima((6,), out=tmp_path / "sg", **{**SG, "H": 2})
    assert math.isnan(result.summary()[0]["band_fraction"])  # H = 2 has no band
    assert _strict_json(tmp_path / "sg" / "summary.json")[0]["band_fraction"] is None
