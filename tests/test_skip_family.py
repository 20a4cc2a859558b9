"""The skip-family experiment: its plan and resumption, its mixtures (against path counts made here by
walking the layers), its thresholds, its minima recomputed from the saved points on models rebuilt from
their seeds, its statistics (against scipy's Student t), its figure and its command line."""

from __future__ import annotations

import argparse
import re
from fractions import Fraction

import numpy as np
import pytest
import torch

from polyloss._random import derive_seed
from polyloss.errors import InvalidInputError, ResumeError
from polyloss.execution import Plan
from polyloss.experiments import skip_family as sf
from polyloss.experiments.skip_family import SkipFamilyConfig, SkipFamilyResult, skip_family, skip_family_plan

SMALL = SkipFamilyConfig(widths=(2, 2, 2, 1), C=0.5, Lambda=8, seeds=3, replicas=4, chunk=2, steps=80, lr=0.1,
                         seed=7, kmax=1)
# E_0 and E_∞ of the pure 3-spin glass (Auffinger, Ben Arous and Černý 2013), independent of polyloss
E_0_PURE3, E_INF_PURE3 = 1.65699836, 1.63299316


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("skips") / "run"
    return out, skip_family(SMALL, out=out)


def piece_bytes(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.npz"))}


# ------------------------------------------------------------------------------------------ plan
def test_the_default_family_grows_from_the_chain_to_the_dense_network():
    family = sf.growing_skips(3)
    assert family[0] == () and len(family) == 4
    assert all(set(a) < set(b) for a, b in zip(family, family[1:]))  # one skip more each time
    assert set(family[-1]) == {(0, 2), (1, 3), (0, 3)}  # every pair two or more layers apart
    assert len(sf.growing_skips(4)[-1]) == 6 and len(sf.growing_skips(4)) == 7


def test_plan_keys_arguments_and_shapes():
    plan = skip_family_plan(SMALL)
    assert [t.key for t in plan.tasks] == [f"arch={a:02d}_chunk={c:03d}" for a in range(4) for c in range(2)]
    last = plan.tasks[-1]
    assert last.args == {"architecture": 3, "skips": "0:2,0:3,1:3", "chunk": 1, "first_seed": 2, "seeds": 1}
    assert last.expect["points"] == (1, 4, 8) and last.expect["energies"] == (1, 4)
    assert sum(t.args["seeds"] for t in plan.tasks) == 4 * SMALL.seeds


def test_an_interrupted_run_resumes_with_the_same_pieces(run, tmp_path):
    """Two tasks run first (as if the run were killed after them), then the whole experiment: the first
    two pieces are not computed again and every piece equals that of an uninterrupted run, byte for byte."""
    full, _ = run
    partial = tmp_path / "partial"
    plan = skip_family_plan(SMALL, partial)
    Plan(plan.name, plan.function, plan.config, plan.tasks[:2], folder=partial, options=plan.options).run()
    first = {t.key: (partial / f"{t.key}.npz").stat().st_mtime_ns for t in plan.tasks[:2]}
    assert len(list(partial.glob("*.npz"))) == 2
    skip_family(SMALL, out=partial)
    assert {k: (partial / f"{k}.npz").stat().st_mtime_ns for k in first} == first
    assert piece_bytes(partial) == piece_bytes(full)
    with pytest.raises(ResumeError, match="steps"):
        skip_family(SMALL.scaled(steps=81), out=partial)


def test_in_memory_and_loaded_results_agree(run):
    out, result = run
    memory = skip_family(SMALL)
    loaded = SkipFamilyResult.load(out)
    for a in range(4):
        np.testing.assert_array_equal(memory.energies[a], result.energies[a])
        np.testing.assert_array_equal(loaded.points[a], result.points[a])
        np.testing.assert_array_equal(loaded.indices[a], result.indices[a])
    assert (out / "summary.md").read_text().count("\n| ") == 1 + 4  # header and one row per architecture


# ------------------------------------------------------------------------------------ the theory
def paths_by_walking(widths, skips) -> dict:
    """``{m: Ψ_m}`` by walking every sequence of layers 0 = l_0 < … < l_m = H joined by W or a skip,
    each contributing the product of the widths it passes through (input units included)."""
    H = len(widths) - 1
    edges = {(k, k + 1) for k in range(H)} | set(skips)
    counts: dict = {}

    def walk(layer, length, product):
        if layer == H:
            counts[length] = counts.get(length, 0) + product
            return
        for a, b in edges:
            if a == layer:
                walk(b, length + 1, product * widths[b])

    walk(0, 0, widths[0])
    return counts


def test_the_mixtures_are_those_of_the_networks(run):
    from polyloss.symbolic.hamiltonian import network_mixture
    from polyloss.symbolic.network import ReLUNetwork

    _, result = run
    rows = result.rows()
    for a, skips in enumerate(result.architectures):
        net = ReLUNetwork(SMALL.widths, skips=skips)
        assert result.mixtures[a] == network_mixture(net, C=SMALL.C)
        psi = paths_by_walking(SMALL.widths, skips)
        assert rows[a]["paths"] == psi
        total = sum(Fraction(SMALL.C) ** m * n for m, n in psi.items())
        expected = {m: float(Fraction(SMALL.C) ** m * n / total) for m, n in psi.items()}
        assert result.mixtures[a].as_dict() == pytest.approx(expected, rel=1e-12)
        assert rows[a]["xi1"] == pytest.approx(sum(m * w for m, w in expected.items()), rel=1e-12)
        assert rows[a]["alpha2"] == pytest.approx(
            sum(m * m * w for m, w in expected.items()) - rows[a]["xi1"] ** 2, abs=1e-12)
    assert result.mixtures[0].is_pure and result.mixtures[0].degree == 3
    assert result.mixtures[-1].degrees == (1, 2, 3)  # the dense network adds paths of lengths 2 and 1


def test_the_band_is_that_of_the_thresholds_of_each_mixture(run):
    from polyloss.numeric.complexity import energy_thresholds

    _, result = run
    for a, row in enumerate(result.rows()):
        th = energy_thresholds(result.mixtures[a], SMALL.kmax)
        assert (row["E_0"], row["E_1"], row["E_inf"]) == (float(th.E[0]), float(th.E[1]), float(th.E_inf))
        assert (row["E_inf_prime"], row["scenario"], row["criterion"]) == (
            float(th.E_inf_prime), str(th.scenario), float(th.criterion))
        assert result.band(a) == (-row["E_0"], -row["E_inf"])
    chain = result.rows()[0]
    assert chain["E_0"] == pytest.approx(E_0_PURE3, abs=1e-8) and chain["E_inf"] == pytest.approx(E_INF_PURE3, abs=1e-8)
    assert chain["E_inf_prime"] == pytest.approx(E_INF_PURE3, abs=1e-8)  # E'_∞ = E_∞ for a pure model


# ---------------------------------------------------------------------------------- the minima
def test_the_minima_are_critical_points_of_the_models_rebuilt_from_their_seeds(run):
    """Each saved point, on the model rebuilt here from its seed: the saved energy, a vanishing gradient where
    Newton converged, and the index counted from the eigenvalues of its tangent Hessian."""
    from polyloss.numeric.spinglass import SphericalSpinGlass
    from polyloss.symbolic.hamiltonian import network_mixture
    from polyloss.symbolic.network import ReLUNetwork

    _, result = run
    for a in (0, 3):
        mixture = network_mixture(ReLUNetwork(SMALL.widths, skips=result.architectures[a]), C=SMALL.C)
        for s in range(SMALL.seeds):
            model = SphericalSpinGlass(SMALL.Lambda, mixture, seed=derive_seed(SMALL.seed, "couplings", s))
            w = torch.as_tensor(result.points[a][s])
            np.testing.assert_allclose((w * w).sum(1).numpy(), SMALL.Lambda, rtol=1e-12)
            np.testing.assert_allclose(model.energy(w).numpy(), result.energies[a][s], rtol=1e-10, atol=1e-12)
            ok = result.converged[a][s]
            assert ok.sum() >= 2
            assert (model.gradient(w).norm(dim=1).numpy()[ok] < 1e-9).all()
            negative = (torch.linalg.eigvalsh(model.hessian(w)) < 0).sum(1).numpy()
            np.testing.assert_array_equal(result.indices[a][s][ok], negative[ok])
            assert (result.indices[a][s][~ok] == -1).all()


def test_the_statistics_of_the_table(run):
    from scipy import stats

    _, result = run
    for a, row in enumerate(result.rows()):
        u, ok = result.energies[a], result.converged[a]
        means = np.array([u[s][ok[s]].mean() for s in range(SMALL.seeds)])
        low, high = stats.t.interval(0.95, len(means) - 1, loc=means.mean(), scale=stats.sem(means))
        assert (row["mean"], row["low"], row["high"]) == pytest.approx((means.mean(), low, high), rel=1e-12)
        lo, hi = -row["E_0"], -row["E_inf"]
        assert row["band_fraction"] == pytest.approx(((u >= lo) & (u <= hi) & ok).sum() / ok.sum())
        assert row["minima_fraction"] == pytest.approx(np.mean(ok & (result.indices[a] == 0)))
        assert row["points"] == ok.sum()
    text = str(result)
    assert "scenario" in text and all(r["architecture"] in text for r in result.rows())
    frame = result.to_dataframe()
    assert list(frame.index) == [r["architecture"] for r in result.rows()]
    np.testing.assert_array_equal(frame["mean"].to_numpy(), [r["mean"] for r in result.rows()])
    assert frame.loc["none", "paths"] == "3: 8" and frame.loc["none", "xi"] == "3"
    assert result._repr_markdown_().count("\n| ") == 1 + len(result.rows())


def test_bad_configurations_are_refused():
    for bad in (dict(widths=(2, 2, 0, 1)), dict(widths=(2, 2, 2)), dict(architectures=[[(0, 1)]]),
                dict(architectures=[[(0, 2)], [(0, 2)]]), dict(architectures=[]), dict(Lambda=1), dict(seeds=0),
                dict(C=0.0), dict(C=float("nan")), dict(lr=-1.0), dict(replicas=0), dict(steps=-1)):
        with pytest.raises(InvalidInputError):
            SkipFamilyConfig(**bad)
    with pytest.raises(InvalidInputError, match="0-2"):
        sf.parse_architectures("none;0-2", (2, 2, 2, 1))
    assert sf.parse_architectures("none; 1:3,0:2", (2, 2, 2, 1)) == ((), ((0, 2), (1, 3)))


# ----------------------------------------------------------------------------- figure and CLI
_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$")
_HYPHEN_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,;:/±]))-(?=[^\s-])")


def test_the_figure_draws_into_the_given_axes(run):
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from polyloss.figures.skips import skip_family_figure

    _, result = run
    backend = matplotlib.get_backend()
    fig = Figure()
    ax = fig.subplots()
    assert skip_family_figure(result, ax=ax) is fig and fig.axes == [ax] and ax.has_data()
    own = skip_family_figure(result)
    assert own is not fig and own.axes[0].get_legend() is not None
    assert matplotlib.get_backend() == backend
    entries = [t.get_text() for t in own.axes[0].get_legend().get_texts()]
    assert any(e.startswith("shaded:") for e in entries) and "$-E_0$" in entries
    assert [t.get_text().split("\n")[0] for t in own.axes[0].get_xticklabels()] == \
        [r["architecture"].replace(":", "→").replace(",", ", ") for r in result.rows()]
    with matplotlib.rc_context({"axes.unicode_minus": True}):
        own.draw_without_rendering()
        texts = [t.get_text() for t in own.findobj(Text) if t.get_text()]
    for text in texts:
        assert "E_" not in _MATH.sub("", text) and not _HYPHEN_MINUS.search(_MATH.sub("", text)), text


def test_the_command_writes_its_table_and_figure(tmp_path, capsys):
    from polyloss.commands import skips

    parser = argparse.ArgumentParser(prog="polyloss skips")
    skips.configure(parser)
    out = tmp_path / "cli"
    args = parser.parse_args(["--width", "2", "--Lambda", "8", "--seeds", "3", "--replicas", "4", "--chunk", "2",
                              "--steps", "80", "--seed", "7", "--architectures", "none;0:2,1:3,0:3",
                              "--out", str(out), "--workers", "0", "--quiet"])
    assert skips.run(args) == 0
    summary = (out / "summary.md").read_text()
    assert (out / "skip_family.png").read_bytes()[:4] == b"\x89PNG"
    assert summary.count("\n| ") == 3 and "| none |" in summary and "| 0:2,0:3,1:3 |" in summary
    assert "scenario" in capsys.readouterr().out
    direct = skip_family(SMALL.scaled(architectures=[(), [(0, 2), (1, 3), (0, 3)]]))
    loaded = SkipFamilyResult.load(out)
    for a in range(2):
        np.testing.assert_array_equal(loaded.energies[a], direct.energies[a])


def test_a_trivial_mixture_has_no_band_and_is_drawn_without_one():
    """C small enough makes the dense network's paths of length 1 dominate: ξ''(1) ≤ ξ'(1), the trivial
    scenario (no thresholds); its row has no band and the figure marks it instead of drawing one."""
    from polyloss.figures.skips import skip_family_figure

    config = SMALL.scaled(C=0.05, architectures=[(), [(0, 2), (1, 3), (0, 3)]], Lambda=6, seeds=2, replicas=2,
                          chunk=2, steps=30)
    result = skip_family(config)
    chain, dense = result.rows()
    assert result.mixtures[1].xi2 <= result.mixtures[1].xi1
    assert dense["scenario"] == "trivial" and np.isnan(dense["E_0"]) and np.isnan(dense["band_fraction"])
    assert chain["scenario"] == "pure-like" and np.isfinite(chain["band_fraction"])
    ticks = [t.get_text() for t in skip_family_figure(result).axes[0].get_xticklabels()]
    assert ticks[1].endswith("trivial (no band)") and ticks[0].endswith("pure-like")
