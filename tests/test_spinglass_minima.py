"""The spin-glass experiment: saved results, resume per chunk, summary statistics, figure, command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from polyloss.cli import main
from polyloss.errors import InvalidInputError, ResumeError
from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

SMALL = dict(H=3, runs=6, method="gd", steps=150, lr=0.1, chunk=3, seed=5, progress=False)
# REFERENCE §4 (H = 3), independent of polyloss.numeric.complexity
E_0, E_INF = 1.65699836, 1.63299316


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sg") / "run"
    result = spinglass_minima((8, 12), out=out, **SMALL)
    return out, result


def test_result_shapes_and_thresholds(run_folder):
    _, result = run_folder
    assert result.Lambdas == (8, 12)
    for lam in (8, 12):
        assert result.energies[lam].shape == result.indices[lam].shape == (6,)
        assert result.indices[lam].dtype == np.int64
    assert result.E_0 == pytest.approx(E_0, abs=1e-8) and result.E_inf == pytest.approx(E_INF, abs=1e-8)


def test_energies_are_those_of_the_shared_instance(run_folder):
    """Every refined point is a critical point (‖P∇L‖ < 1e-10) of the one instance of its Λ, its energy
    and index recomputed from the model rebuilt from the recorded seed."""
    from polyloss._random import derive_seed
    from polyloss.numeric.optimisers import descend, refine
    from polyloss.numeric.spinglass import SphericalSpinGlass

    _, result = run_folder
    model = SphericalSpinGlass(12, 3, seed=derive_seed(5, "couplings", 12))
    w0 = model.random_points(3, seed=derive_seed(5, "starts", 12, "chunk", 1))
    d = descend(model, w0, "gd", steps=150, lr=0.1, seed=derive_seed(5, "descend", 12, "chunk", 1), progress=False)
    np.testing.assert_allclose(result.energies[12][3:], d.energy.numpy(), rtol=1e-12)
    r = refine(model, d.w)
    assert (model.gradient(r.w).norm(dim=1) < 1e-10).all()
    np.testing.assert_array_equal(result.indices[12][3:], np.where(r.converged, r.index, -1))
    neg = (torch.linalg.eigvalsh(model.hessian(r.w)) < 0).sum(1).numpy()  # index recomputed directly
    np.testing.assert_array_equal(result.indices[12][3:][r.converged.numpy()], neg[r.converged.numpy()])


def test_summary_matches_a_direct_count(run_folder):
    _, result = run_folder
    for row in result.summary():
        u = result.energies[row["Lambda"]]
        assert row["mean"] == pytest.approx(u.mean()) and row["std"] == pytest.approx(u.std())
        assert row["band_fraction"] == pytest.approx(np.mean((-E_0 <= u) & (u <= -E_INF)))
        assert row["minima_fraction"] == pytest.approx(np.mean(result.indices[row["Lambda"]] == 0))
    assert "Lambda" in str(result) and "in band" in str(result)


def test_load_round_trip_and_in_memory_run_agree(run_folder):
    out, result = run_folder
    loaded = SpinGlassMinimaResult.load(out)
    memory = spinglass_minima((8, 12), out=None, **SMALL)
    for lam in (8, 12):
        np.testing.assert_array_equal(loaded.energies[lam], result.energies[lam])
        np.testing.assert_array_equal(memory.energies[lam], result.energies[lam])
        np.testing.assert_array_equal(memory.indices[lam], result.indices[lam])
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["config"]["seed"] == 5 and "polyloss_version" in cfg
    assert json.loads((out / "summary.json").read_text())[0]["Lambda"] == 8


def test_interrupted_run_resumes_the_missing_chunk_only(run_folder, tmp_path):
    out, result = run_folder
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "Lambda=12_chunk=0001.json").unlink()  # as if interrupted before this chunk finished
    kept = (copy / "Lambda=8_chunk=0000.npz").stat().st_mtime_ns
    again = spinglass_minima((8, 12), out=copy, **SMALL)
    assert (copy / "Lambda=8_chunk=0000.npz").stat().st_mtime_ns == kept
    np.testing.assert_array_equal(again.energies[12], result.energies[12])
    with pytest.raises(ResumeError, match="steps"):
        spinglass_minima((8,), out=copy, **{**SMALL, "steps": 99})


def test_redraw_gives_each_run_its_own_couplings():
    a = spinglass_minima((6,), runs=3, chunk=3, method="gd", steps=50, seed=1, redraw=True, refine=False,
                         progress=False)
    b = spinglass_minima((6,), runs=3, chunk=3, method="gd", steps=50, seed=1, redraw=False, refine=False,
                         progress=False)
    assert a.energies[6].shape == (3,) and not np.allclose(a.energies[6], b.energies[6])
    assert (a.indices[6] == -1).all()


def test_figure_is_written(run_folder, tmp_path):
    from polyloss.figures.spinglass import minima_histogram

    out, _ = run_folder
    fig, path = minima_histogram(out, tmp_path / "h.png")
    assert path.stat().st_size > 10_000
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("E₀" in t for t in labels) and any("E∞" in t for t in labels)


def test_command_line(tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["spinglass", "--Lambda", "6,8", "--runs", "4", "--chunk", "2", "--method", "gd", "--steps", "60",
                 "--out", str(out), "--quiet"])
    assert code == 0
    assert (out / "spinglass_minima.png").exists() and (out / "Lambda=8_chunk=0001.npz").exists()
    assert "in band" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["spinglass", "--Lambda", "6", "--runs", "0", "--out", str(tmp_path / "bad"), "--quiet"])
    assert exc.value.code == 2
    assert "runs must be an integer >= 1, got 0" in capsys.readouterr().err


def test_bad_input():
    with pytest.raises(InvalidInputError, match="each Lambda must be an integer >= 2, got 1"):
        spinglass_minima((1,), runs=2, progress=False)
    with pytest.raises(InvalidInputError, match="method must be one of"):
        spinglass_minima((5,), runs=2, method="newton", progress=False)
