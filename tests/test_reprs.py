"""Notebook display: ``_repr_latex_`` / ``_repr_markdown_`` and ``to_dataframe()`` of the result objects.

Each repr is checked against the object it shows: its LaTeX holds sympy's own ``latex()`` of the
expressions, its numbers are the object's values (parsed back from the text), and all of its math
compiles with pdflatex. Each DataFrame has the object's rows and columns, and values computed here
independently (Python's ``statistics`` module, by hand). Without pandas, ``to_dataframe()`` raises an
ImportError that says ``pip install pandas``.
"""

from __future__ import annotations

import math
import re
import statistics
import sys

import numpy as np
import pytest
import sympy

from polyloss import display
from polyloss.experiments.mnist import PAPER_CORRELATION, MnistExperimentConfig, MnistResult
from polyloss.experiments.criteria import Verdict
from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult
from polyloss.experiments.stage import Claim, StageResult
from polyloss.numeric.complexity import energy_thresholds
from polyloss.numeric.critical_counts import CriticalCount
from polyloss.numeric.critical_search import CountStatistics, critical_points
from polyloss.numeric.goe import EigenvalueStatistics
from polyloss.numeric.spinglass import SphericalSpinGlass
from polyloss.numeric.training import ReplicaResult, TrainingConfig
from polyloss.symbolic import complexity as symbolic_complexity
from polyloss.symbolic.formula import Formula
from polyloss.symbolic.hamiltonian import derive_hamiltonian
from polyloss.symbolic.paths import path_polynomial

NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"(?<![$\\])\$([^$]+?)\$")


def display_blocks(text: str) -> list[str]:
    return [m.strip() for m in DISPLAY.findall(text)]


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the first Markdown table in ``markdown`` (cells stripped; header and rule dropped)."""
    lines = []
    for ln in markdown.splitlines():
        if ln.startswith("|"):
            lines.append(ln)
        elif lines:
            break
    return [[c.strip() for c in re.split(r"(?<!\\)\|", ln.strip("|"))] for ln in lines[2:]]


# --- objects ------------------------------------------------------------------------------------

x, y = sympy.symbols("x y", real=True)


@pytest.fixture(scope="module")
def derivation():
    return derive_hamiltonian((2, 2, 1))


@pytest.fixture(scope="module")
def thresholds():
    return energy_thresholds(3, 2, dps=12)


@pytest.fixture(scope="module")
def points():
    return critical_points(SphericalSpinGlass(3, 3, seed=1), seed=0)


@pytest.fixture
def count_statistics():
    # 3 instances, levels u = -1 and +inf, Λ = 2: counts[instance, level, k], written out by hand
    counts = np.array([[[1, 0], [3, 3]],
                       [[0, 0], [2, 2]],
                       [[2, 1], [4, 5]]])
    return CountStatistics(Lambda=2, H=3, seed=7, levels=np.array([-1.0, math.inf]), counts=counts)


@pytest.fixture
def minima():
    energies = {5: np.array([-1.64, -1.60, -1.645, -1.50]), 8: np.array([-1.65, -1.634, -1.70])}
    indices = {5: np.array([0, 1, 0, -1]), 8: np.array([0, 0, 2])}
    like = {k: {lam: np.zeros_like(v, dtype=float) for lam, v in energies.items()} for k in ("r", "g")}
    return SpinGlassMinimaResult(H=3, energies=energies, indices=indices, refined_energies=like["r"],
                                 grad_norms=like["g"], converged={lam: v >= 0 for lam, v in indices.items()},
                                 config={"method": "gd", "precision": "float64"}, E_0=1.657, E_inf=1.633,
                                 seconds={5: 1.5, 8: 2.25})


@pytest.fixture
def mnist():
    rng = np.random.default_rng(3)
    runs = {w: {m: rng.random(6) for m in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")}
            for w in (25, 40)}  # 40: a width the paper's Table 1 does not have
    return MnistResult(MnistExperimentConfig(widths=(25, 40), replicas=6), runs)


# --- display helpers ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, tex", [(1.5, "1.5"), (-2.5e-12, r"-2.5 \times 10^{-12}"), (math.inf, r"\infty"),
                                        (-math.inf, r"-\infty"), (math.nan, r"\mathrm{NaN}"),
                                        ("1.250000e+30", r"1.250000 \times 10^{30}"), ("3.00", "3.00")])
def test_latex_number(value, tex):
    assert display.latex_number(value) == tex


def test_markdown_table_escapes_pipes_and_aligns_numbers():
    table = display.markdown_table(["a", "b"], [[1.5, "x|y"], [2, "z"]])
    assert table.splitlines()[1] == "|---:|---|"
    assert table_rows(table) == [["1.5", r"x\|y"], ["2", "z"]]


# --- LaTeX reprs ----------------------------------------------------------------------------------

def test_formula_latex_is_sympys():
    f = Formula("f", x**2 / 2 + sympy.sin(y), (x, y), lhs="f(x, y)")
    out = f._repr_latex_()
    assert out == f"$$ f(x, y) = {sympy.latex(x**2 / 2 + sympy.sin(y))} $$"


def test_library_formula_latex():
    f = symbolic_complexity.e_infinity_formula()
    out = f._repr_latex_()
    assert out.startswith("$$ ") and out.endswith(" $$")
    assert sympy.latex(f.expr) in out and out.count("$$") == 2


def test_path_polynomial_latex_lists_every_path(derivation):
    pp = path_polynomial((2, 2, 1), q=3)
    out = pp._repr_latex_()
    assert out.startswith(r"$$ Y = 3 \Bigl(") and out.endswith(r"\Bigr) $$")
    # every path, as the product of sympy's LaTeX of its factors, in the stable order
    monomials = [" ".join(sympy.latex(s) for s in (p.input, p.activation, *p.weights)) for p in pp.paths]
    assert len(monomials) == 2 * 2 * 1
    positions = [out.index(m) for m in monomials]
    assert positions == sorted(positions)
    assert out.count(" + ") == len(monomials) - 1


def test_derivation_markdown_shows_every_step(derivation):
    out = derivation._repr_markdown_()
    blocks = display_blocks(out)
    assert len(blocks) == len(derivation.steps)
    for step, block in zip(derivation.steps, blocks):
        assert block == f"{step.lhs} = {sympy.latex(step.after)}"
        assert f"**{derivation.steps.index(step) + 1}. {step.name}**" in out
        for a in step.assumptions:
            assert a.key in out
    assert r"$\Lambda = 2$" in out and "$H = 2$" in out


def test_derivation_markdown_names_long_expressions(derivation, monkeypatch):
    monkeypatch.setattr(type(derivation), "MAX_DISPLAY_LATEX", 10)
    out = derivation._repr_markdown_()
    assert display_blocks(out) == []
    last = derivation.steps[-1]
    assert f"{len(sympy.latex(last.after))} characters of LaTeX" in out


def test_energy_thresholds_latex_numbers(thresholds):
    out = thresholds._repr_latex_()
    assert out.startswith("$$ H = 3:") and out.endswith(" $$")
    shown = dict(re.findall(rf"(E_\\infty|E_{{\d+}}) = ({NUMBER})", out))
    expected = {r"E_\infty": thresholds.E_inf, **{f"E_{{{k}}}": e for k, e in enumerate(thresholds.E)}}
    assert shown.keys() == expected.keys()
    for name, value in expected.items():
        assert float(shown[name]) == pytest.approx(float(value), rel=1e-11)
        assert len(shown[name].replace(".", "").lstrip("0")) == thresholds.dps  # dps significant digits


def test_critical_count_latex():
    c = CriticalCount(value=12.5, stderr=0.25, method="montecarlo", N=5, p=3, k=1, u=-1.2,
                      log_value=math.log(12.5), samples=2000)
    out = c._repr_latex_()
    assert out.startswith(r"$$ \mathbb{E}\,\mathrm{Crt}_{5,1}\bigl((-\infty, -1.2]\bigr) = 12.5 \pm 0.25")
    assert r"p = 3" in out and r"\text{montecarlo}" in out and "2000" in out and out.endswith(" $$")


def test_critical_count_latex_total_and_overflow():
    c = CriticalCount(value=math.inf, stderr=0.0, method="density", N=5000, p=3, k=None, u=math.inf,
                      log_value=1738.25)
    out = c._repr_latex_()
    assert r"\mathrm{Crt}_{5000}\bigl((-\infty, \infty)\bigr) = e^{1738.25}" in out
    assert r"\pm" not in out


def test_eigenvalue_statistics_latex():
    s = EigenvalueStatistics(N=5, k=0, samples=2000, mean=-1.0324312, std=0.3125931, stderr=0.0069898)
    out = s._repr_latex_()
    mean, err, std = re.search(rf"= ({NUMBER}) \\pm ({NUMBER}),.*?= ({NUMBER})", out).groups()
    assert (float(mean), float(err), float(std)) == (-1.03243, 0.007, 0.312593)
    assert "N = 5" in out and "2000" in out and out.startswith("$$") and out.endswith("$$")


# --- Markdown reprs and DataFrames ----------------------------------------------------------------

def test_critical_points_markdown_and_dataframe(points):
    out = points._repr_markdown_()
    rows = table_rows(out)
    assert [int(r[0]) for r in rows] == list(range(points.Lambda))
    for k, row in enumerate(rows):
        mine = points.energies[points.indices == k]
        assert int(row[1]) == mine.size
        assert float(row[2]) == pytest.approx(min(mine), abs=1e-6)
        assert float(row[3]) == pytest.approx(max(mine), abs=1e-6)
    assert f"{len(points)} critical points" in out

    df = points.to_dataframe()
    assert list(df.columns) == ["u", "index", "w_1", "w_2", "w_3"] and len(df) == len(points)
    assert df["u"].tolist() == points.energies.tolist()
    assert df["index"].tolist() == points.indices.tolist()
    assert df[["w_1", "w_2", "w_3"]].to_numpy().tolist() == points.points.tolist()


def test_count_statistics_dataframe_by_hand(count_statistics):
    df = count_statistics.to_dataframe()
    assert df.index.name == "u" and df.index.tolist() == [-1.0, math.inf]
    assert list(df.columns) == ["mean_0", "stderr_0", "mean_1", "stderr_1", "total_mean", "total_stderr"]
    by_hand = {  # (level, k) -> the three instances' counts
        (0, 0): [1, 0, 2], (0, 1): [0, 0, 1], (1, 0): [3, 2, 4], (1, 1): [3, 2, 5]}
    for (level, k), values in by_hand.items():
        assert df.iloc[level][f"mean_{k}"] == pytest.approx(statistics.fmean(values))
        assert df.iloc[level][f"stderr_{k}"] == pytest.approx(statistics.stdev(values) / math.sqrt(3))
    totals = {0: [1, 0, 3], 1: [6, 4, 9]}
    for level, values in totals.items():
        assert df.iloc[level]["total_mean"] == pytest.approx(statistics.fmean(values))
        assert df.iloc[level]["total_stderr"] == pytest.approx(statistics.stdev(values) / math.sqrt(3))


def test_count_statistics_markdown(count_statistics):
    out = count_statistics._repr_markdown_()
    rows = table_rows(out)
    assert [r[0] for r in rows] == ["-1", "inf"]
    mean, err = re.fullmatch(rf"({NUMBER}) ± ({NUMBER})", rows[1][3]).groups()  # level inf, all k
    assert float(mean) == float(f"{statistics.fmean([6, 4, 9]):.4g}")  # 4 significant digits
    assert float(err) == float(f"{statistics.stdev([6, 4, 9]) / math.sqrt(3):.2g}")  # 2 for the error
    assert "3 random instances" in out and r"$\Lambda = 2$" in out


def test_spinglass_minima_dataframe_by_hand(minima):
    df = minima.to_dataframe()
    assert df.index.name == "Lambda" and df.index.tolist() == [5, 8]
    assert list(df.columns) == ["runs", "mean", "std", "min", "max", "band_fraction", "minima_fraction",
                                "seconds"]
    u5 = [-1.64, -1.60, -1.645, -1.50]
    assert df.loc[5, "runs"] == 4
    assert df.loc[5, "mean"] == pytest.approx(statistics.fmean(u5))
    assert df.loc[5, "std"] == pytest.approx(statistics.pstdev(u5))
    assert (df.loc[5, "min"], df.loc[5, "max"]) == (-1.645, -1.50)
    assert df.loc[5, "band_fraction"] == pytest.approx(2 / 4)  # -1.64, -1.645 lie in [-1.657, -1.633]
    assert df.loc[8, "band_fraction"] == pytest.approx(2 / 3)  # -1.65, -1.634
    assert df.loc[5, "minima_fraction"] == pytest.approx(2 / 4) and df.loc[8, "minima_fraction"] == pytest.approx(2 / 3)
    assert df["seconds"].tolist() == [1.5, 2.25]


def test_spinglass_minima_markdown(minima):
    out = minima._repr_markdown_()
    rows = table_rows(out)
    assert [int(r[0]) for r in rows] == [5, 8]
    assert float(rows[0][2]) == pytest.approx(statistics.fmean([-1.64, -1.60, -1.645, -1.50]), abs=1e-5)
    assert float(rows[1][6]) == pytest.approx(2 / 3, abs=1e-3)
    assert "[-1.65700, -1.63300]" in out


def test_mnist_dataframe_by_hand(mnist):
    df = mnist.to_dataframe()
    assert df.index.name == "n_1" and df.index.tolist() == [25, 40]
    assert list(df.columns) == list(MnistResult.DATAFRAME_COLUMNS[1:])
    for w in (25, 40):
        r = mnist.runs[w]
        assert df.loc[w, "networks"] == 6
        assert df.loc[w, "pearson_r"] == pytest.approx(statistics.correlation(list(r["train_loss"]),
                                                                               list(r["test_loss"])))
        z, half = math.atanh(df.loc[w, "pearson_r"]), 1.959964 / math.sqrt(6 - 3)
        assert (df.loc[w, "ci_low"], df.loc[w, "ci_high"]) == pytest.approx((math.tanh(z - half), math.tanh(z + half)))
        assert df.loc[w, "mean_test_loss"] == pytest.approx(statistics.fmean(r["test_loss"]))
        assert df.loc[w, "test_loss_variance"] == pytest.approx(statistics.variance(r["test_loss"]))
    assert df.loc[25, "paper_r"] == PAPER_CORRELATION[25] and math.isnan(df.loc[40, "paper_r"])


def test_mnist_markdown(mnist):
    out = mnist._repr_markdown_()
    rows = table_rows(out)
    assert [int(r[0]) for r in rows] == [25, 40]
    r = mnist.runs[40]
    assert float(rows[1][2]) == pytest.approx(statistics.correlation(list(r["train_loss"]), list(r["test_loss"])),
                                              abs=1e-4)
    assert "6 networks per width" in out


@pytest.fixture
def replicas():
    losses = {"train_loss": [0.5, 0.25, 0.75], "test_loss": [0.6, 0.3, 0.9], "train_accuracy": [0.8, 0.9, 0.7],
              "test_accuracy": [0.75, 0.85, 0.65]}
    config = TrainingConfig(n_hidden=10, replicas=3, epochs=2, seed=0, first_replica=16)
    return ReplicaResult(**{k: np.array(v, dtype=np.float32) for k, v in losses.items()}, config=config), losses


def test_replica_result_dataframe_and_markdown(replicas):
    result, losses = replicas
    df = result.to_dataframe()
    assert df.index.name == "replica" and df.index.tolist() == [16, 17, 18]
    assert list(df.columns) == list(losses)
    for name, values in losses.items():
        assert df[name].tolist() == pytest.approx(values)
    rows = table_rows(result._repr_markdown_())
    assert [r[0] for r in rows] == ["train loss", "test loss", "train accuracy", "test accuracy"]
    for row, values in zip(rows, losses.values()):
        assert [float(c) for c in row[1:]] == pytest.approx(
            [statistics.fmean(values), statistics.stdev(values), min(values), max(values)], abs=1e-4)


@pytest.fixture
def stage():
    claims = [Claim("normalised index", "about 0.01 or less", "0.004", Verdict("agrees", "mean <= 0.01"), "Sec. x"),
              Claim("correlation falls with width", "0.76 -> 0.41", "0.5 -> 0.6",
                    Verdict("disagrees", "slope < 0", "slope +0.1"))]
    return StageResult(claims=claims, files={"figure": "a.png"}, tables={"Table": "| a |\n|---|\n| 1 |"},
                       notes=["Ran at the smoke scale."], seconds=2.5)


def test_stage_result_dataframe_and_markdown(stage):
    df = stage.to_dataframe()
    assert list(df.columns) == ["claim", "paper", "measured", "verdict", "criterion", "detail", "source"]
    assert df.values.tolist() == [
        ["normalised index", "about 0.01 or less", "0.004", "agrees", "mean <= 0.01", "", "Sec. x"],
        ["correlation falls with width", "0.76 -> 0.41", "0.5 -> 0.6", "disagrees", "slope < 0", "slope +0.1", ""]]
    out = stage._repr_markdown_()
    rows = table_rows(out)
    assert [r[3] for r in rows] == ["**agrees** (mean <= 0.01)", "**disagrees** (slope < 0; slope +0.1)"]
    assert "Ran at the smoke scale." in out and "**Table**" in out and "2.5 s" in out


def test_energy_thresholds_dataframe(thresholds):
    df = thresholds.to_dataframe()
    assert df.index.name == "threshold" and list(df.columns) == ["value"]
    assert df.index.tolist() == ["E_inf", "E_0", "E_1", "E_2"]
    assert df["value"].tolist() == [float(thresholds.E_inf), *map(float, thresholds.E)]
    assert df["value"].is_monotonic_increasing is False and df["value"].iloc[1:].is_monotonic_decreasing


# --- without pandas -----------------------------------------------------------------------------

def test_to_dataframe_without_pandas(monkeypatch, thresholds, points, count_statistics, minima, mnist, replicas,
                                    stage):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    for obj in (thresholds, points, count_statistics, minima, mnist, replicas[0], stage):
        with pytest.raises(ImportError, match=r"pip install pandas"):
            obj.to_dataframe()
        # the reprs do not need pandas
        assert (getattr(obj, "_repr_markdown_", None) or obj._repr_latex_)()


# --- all of the math compiles ---------------------------------------------------------------------

def test_all_repr_math_compiles(pdflatex, tmp_path, derivation, thresholds, points, count_statistics, minima, mnist,
                                replicas):
    """Every formula the reprs write, display or inline, typesets with pdflatex (amsmath, amssymb)."""
    from polyloss.symbolic.latex import PREAMBLE, compile_pdf

    count = CriticalCount(value=math.inf, stderr=0.5, method="planted", N=50, p=3, k=0, u=-1.65,
                          log_value=800.0, samples=100)
    latex_reprs = [symbolic_complexity.e_infinity_formula()._repr_latex_(),
                   path_polynomial((2, 2, 1))._repr_latex_(), thresholds._repr_latex_(), count._repr_latex_()]
    latex_reprs.append(EigenvalueStatistics(N=5, k=1, samples=100, mean=-0.5, std=0.25, stderr=0.025)._repr_latex_())
    markdown = [derivation._repr_markdown_(), points._repr_markdown_(), count_statistics._repr_markdown_(),
                minima._repr_markdown_(), mnist._repr_markdown_(), replicas[0]._repr_markdown_()]
    formulas = [r"\[ " + b + r" \]" for text in latex_reprs + markdown for b in display_blocks(text)]
    formulas += [f"${m}$" for text in markdown for m in INLINE.findall(DISPLAY.sub("", text))]
    assert len(formulas) > 30
    tex = tmp_path / "reprs.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\n" + "\n\n".join(formulas) + "\n\\end{document}\n")
    assert compile_pdf(tex, runs=1).exists()
