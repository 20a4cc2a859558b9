"""`polyloss reproduce` at the smoke scale: every stage runs, the report is written, reruns reuse."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from polyloss.errors import InvalidInputError
from polyloss.experiments.reproduce import reproduce, stage_names


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    summary = reproduce(out, scale="smoke", seed=0, progress=False)
    return out, summary


def test_every_stage_writes_its_marker_and_files(report):
    out, summary = report
    for name in stage_names():
        data = json.loads((out / name / "stage.json").read_text())
        assert data["scale"] == "smoke" and data["claims"], name
        for rel in data["files"].values():
            assert (out / rel).exists(), rel
    assert (out / "derivation" / "derivation.pdf").exists()
    assert (out / "complexity" / "complexity_H3.png").exists()
    assert (out / "spinglass" / "spinglass_minima.png").exists()
    assert (out / "networks" / "correlation_table.tex").exists()


def test_summary_lists_every_claim_with_a_verdict(report):
    out, summary = report
    text = summary.read_text()
    claims = [c for name in stage_names() for c in json.loads((out / name / "stage.json").read_text())["claims"]]
    for c in claims:
        assert c["claim"] in text
    # the exact (non-statistical) claims must agree at any scale
    exact = [c for c in claims if "Eq. 1" in c["source"] or "REFERENCE §4" in c["source"]]
    assert exact and all(c["agrees"] is True for c in exact)
    html = (out / "summary.html").read_text()
    assert "<img" in html and "complexity/complexity_H3.png" in html
    assert "paper (Table 1)" in (out / "networks" / "correlation_table.md").read_text()  # beside the paper


def test_rerun_reuses_finished_stages(report, capsys):
    out, _ = report
    before = {n: (out / n / "stage.json").stat().st_mtime_ns for n in stage_names()}
    reproduce(out, scale="smoke", seed=0, progress=True)
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
