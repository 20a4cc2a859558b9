"""`polyloss reproduce` at the smoke scale: every stage runs, the report is written, reruns reuse, and
`--from` rebuilds the report from the saved results alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from polyloss.errors import InvalidInputError, ResumeError
from polyloss.experiments.criteria import WORDS
from polyloss.experiments.reproduce import read_run, reproduce, stage_names


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    base = tmp_path_factory.mktemp("reproduce")
    summary = reproduce(base / "report", results=base / "results", scale="smoke", seed=0, progress=False)
    return base, summary


def claims_of(out):
    return [c for name in stage_names() for c in json.loads((out / name / "stage.json").read_text())["claims"]]


def test_every_stage_writes_its_marker_and_files(report):
    base, summary = report
    out = base / "report"
    for name in stage_names():
        data = json.loads((out / name / "stage.json").read_text())
        assert data["scale"] == "smoke" and data["claims"], name
        for rel in data["files"].values():
            assert (out / rel).exists(), rel
    assert (out / "derivation" / "derivation.pdf").exists()
    # both losses the paper reduces are derived in the report, each in its own document
    hinge = (out / "derivation" / "derivation_hinge.tex").read_text()
    assert "hinge" in hinge and "hinge" not in (out / "derivation" / "derivation.tex").read_text().lower()
    assert (out / "complexity" / "complexity_H3.png").exists()
    assert (out / "spinglass" / "spinglass_minima.png").exists()
    assert (out / "networks" / "correlation_table.tex").exists()
    # results and report apart: the run folders are in the results folder only
    assert (base / "results" / "spinglass" / "run" / "config.json").exists()
    assert (base / "results" / "networks" / "run" / "config.json").exists()
    assert not (out / "spinglass" / "run").exists()
    assert read_run(base / "results").scale == "smoke"


def test_every_claim_has_the_papers_value_a_verdict_and_its_rule(report):
    base, summary = report
    text = summary.read_text()
    plain = text.replace("\\|", "|")  # the table escapes the pipes inside its cells
    claims = claims_of(base / "report")
    for c in claims:
        assert c["claim"] in plain and c["paper"] and c["verdict"]["word"] in WORDS
        assert c["verdict"]["criterion"] in plain
    # the exact claims must agree at any scale; the statistical ones are not judged at the smoke scale
    exact = [c for c in claims if c["verdict"]["criterion"].startswith("exact:")]
    assert len(exact) >= 9 and all(c["verdict"]["word"] == "agrees" for c in exact)
    statistical = [c for c in claims if not c["verdict"]["criterion"].startswith("exact:")
                   and "Θ" not in c["verdict"]["criterion"] and "E Crt" not in c["verdict"]["criterion"]]
    assert statistical and all(c["verdict"]["word"] == "not judged" for c in statistical)
    assert "| claim | the paper | measured | verdict (rule) | source |" in text
    # every row of the claims table has its five cells: pipes inside a cell (|x|, max|λ|) are escaped
    import re

    table = text.split("## Claims")[1].split("\n## ")[0]
    rows = [ln for ln in table.splitlines() if ln.startswith("| ")]
    assert len(rows) == len(claims) + 1
    assert all(len(re.split(r"(?<!\\)\|", ln.strip().strip("|"))) == 5 for ln in rows)
    assert any("\\|" in ln for ln in rows)
    assert "smoke scale" in text and "embedded 5,000-image" in text
    html = (base / "report" / "summary.html").read_text()
    assert "<img" in html and "complexity/complexity_H3.png" in html
    assert "paper (Table 1)" in (base / "report" / "networks" / "correlation_table.md").read_text()
    # what was tried beyond the protocol on the Hessian index: declared variants, each in its own run folder
    assert "What was tried on the Hessian index" in text and "5× the epochs" in text
    assert (base / "results" / "networks" / "followups" / "longer" / "config.json").exists()


def test_the_report_is_rebuilt_from_the_saved_results_alone(report, tmp_path, monkeypatch):
    base, _ = report
    results = tmp_path / "kept"
    shutil.copytree(base / "results", results)
    import polyloss.execution as execution

    def no_computing(*args, **kwargs):
        raise AssertionError("--from must not compute")

    monkeypatch.setattr(execution.Plan, "run", no_computing)
    summary = reproduce(results / "report", from_results=results, progress=False)
    rebuilt, original = claims_of(results / "report"), claims_of(base / "report")
    assert [c["measured"] for c in rebuilt] == [c["measured"] for c in original]
    assert [c["verdict"] for c in rebuilt] == [c["verdict"] for c in original]
    assert "rebuilt from saved results" in summary.read_text()
    with pytest.raises(InvalidInputError, match="not a results folder"):
        reproduce(tmp_path / "r", from_results=tmp_path / "nothing", progress=False)
    with pytest.raises(InvalidInputError, match="does not match"):
        reproduce(tmp_path / "r", from_results=results, scale="paper", progress=False)


def test_a_results_folder_keeps_its_scale_and_seed(report, tmp_path):
    base, _ = report
    with pytest.raises(ResumeError, match="seed 0"):
        reproduce(tmp_path / "other", results=base / "results", scale="smoke", seed=1, only="derivation",
                  progress=False)


def test_rerun_reuses_finished_stages(report, capsys):
    base, _ = report
    out = base / "report"
    before = {n: (out / n / "stage.json").stat().st_mtime_ns for n in stage_names()}
    reproduce(out, results=base / "results", scale="smoke", seed=0, progress=True)
    assert "reused" in capsys.readouterr().err
    assert before == {n: (out / n / "stage.json").stat().st_mtime_ns for n in stage_names()}


def test_only_runs_one_stage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative report folder, as the command line's default "report"
    reproduce("report", scale="smoke", only="derivation", progress=False)
    tmp_path = tmp_path / "report"
    assert (tmp_path / "derivation" / "stage.json").exists()
    assert not (tmp_path / "spinglass").exists()
    assert "Not run yet" in (tmp_path / "summary.md").read_text()


def test_bad_stage_and_scale_are_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="derivation"):
        reproduce(tmp_path, only="nope")
    with pytest.raises(InvalidInputError, match="scale"):
        reproduce(tmp_path, scale="huge")
    out = subprocess.run([sys.executable, "-m", "polyloss", "reproduce", "--only", "nope", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "--only" in out.stderr
    out = subprocess.run([sys.executable, "-m", "polyloss", "reproduce", "--seed", "-1", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "argument --seed:" in out.stderr and "'-1'" in out.stderr


_ROOT = Path(__file__).resolve().parents[1]
paper_results = pytest.mark.skipif(  # in a git checkout a missing results/paper fails; in an sdist it is not there
    not (_ROOT / "results" / "paper").exists() and not (_ROOT / ".git").exists(),
    reason="results/paper (the committed paper-scale run) is kept in the git repository, not in the sdist")


@paper_results
def test_the_committed_paper_scale_results_still_rebuild_their_report(tmp_path):
    """The spin-glass results kept in results/paper (checksummed pieces) are read by this version and
    give the committed report's claims again; a damaged or stale piece would fail here."""
    from pathlib import Path

    results = Path(__file__).resolve().parents[1] / "results" / "paper"
    committed = json.loads((results / "report" / "spinglass" / "stage.json").read_text())
    assert read_run(results).scale == "paper"
    reproduce(tmp_path, from_results=results, only="spinglass", progress=False)
    rebuilt = json.loads((tmp_path / "spinglass" / "stage.json").read_text())
    assert rebuilt["claims"] == committed["claims"]
    assert rebuilt["tables"] == committed["tables"]


@paper_results
def test_the_power_law_note_matches_an_independent_fit_of_the_committed_means(tmp_path):
    """The spin-glass note's |mean u + E_∞| ≈ a·Λ^b: refitted here with scipy's linregress on the
    committed means and E_∞ = 2√(2/3) (the H = 3 threshold in closed form)."""
    import math
    import re
    from pathlib import Path

    import numpy as np
    from scipy.stats import linregress

    results = Path(__file__).resolve().parents[1] / "results" / "paper"
    reproduce(tmp_path, from_results=results, only="spinglass", progress=False)
    data = json.loads((tmp_path / "spinglass" / "stage.json").read_text())
    table = next(iter(data["tables"].values()))
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    lams = [float(r[0]) for r in rows]
    gaps = [abs(float(r[2]) + 2 * math.sqrt(2 / 3)) for r in rows]
    fit = linregress(np.log(lams), np.log(gaps))
    note = next(n for n in data["notes"] if "power law" in n)
    a, b = map(float, re.search(r"≈ ([0-9.]+)·Λ\^\((-?[0-9.]+)\)", note).groups())
    assert a == pytest.approx(math.exp(fit.intercept), rel=0.02)  # the means are printed to 4 decimals
    assert b == pytest.approx(fit.slope, abs=0.01)


def test_task_seconds_sums_the_timing_records_and_skips_damaged_ones(tmp_path):
    from polyloss.experiments.reproduce import task_seconds
    from polyloss.experiments.summary import _duration

    for rel, text in {"run/timing/a.json": '{"seconds": 1.5}', "run/timing/b.json": '{"seconds": 40}',
                      "followups/x/timing/c.json": '{"seconds": 0.25}', "run/timing/bad.json": "{not json",
                      "run/other.json": '{"seconds": 1000}'}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert task_seconds(tmp_path) == 41.75
    assert task_seconds(tmp_path / "missing") == 0.0
    assert (_duration(41.75), _duration(600), _duration(6.7 * 3600)) == ("42 task-seconds", "10 task-minutes",
                                                                         "6.7 task-hours")
