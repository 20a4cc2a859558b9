"""The figures: drawn into the caller's Axes, returned as Figures, no backend switched, a legend on
every panel, one notation (E_∞, energies per Λ, the minus sign), one colour per Λ and per width.

Every figure is drawn from tiny synthetic inputs (a fake trained-network result with the interface
the figures read, a hand-made spin-glass result, made-up finite-size curves): what is tested is the
drawing, not the numbers, which the experiments' own tests check.
"""

from __future__ import annotations

import importlib
import re
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Text

from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult
from polyloss.figures import complexity as cx
from polyloss.figures import networks as nw
from polyloss.figures import spinglass as sg
from polyloss.numeric.complexity import energy_thresholds, theta

TH = energy_thresholds(3)
E_INF, E_0 = float(TH.E_inf), float(TH.E[0])


class FakeNetworks:
    """What the network figures read of an MnistResult: runs, spectra, config, variance(), pearson(),
    index_curve(), ceiling(); random numbers of the right shapes."""

    def __init__(self, widths=(10, 25), replicas=6, seed=0):
        rng = np.random.default_rng(seed)
        self.config = SimpleNamespace(epochs=2, index_samples=100)
        self.runs = {}
        for w in widths:
            train = rng.normal(0.3, 0.02, replicas)
            self.runs[w] = {"train_loss": train, "test_loss": train + rng.normal(0.05, 0.01, replicas)}
        self.spectra = {w: None for w in widths}
        self._index = {w: np.sort(rng.uniform(0.0, 0.02, (4, 5)), axis=1)[:, ::-1] for w in widths}

    def variance(self):
        return {w: float(np.var(r["test_loss"], ddof=1)) for w, r in self.runs.items()}

    def pearson(self):
        return {w: float(np.corrcoef(r["train_loss"], r["test_loss"])[0, 1]) for w, r in self.runs.items()}

    def index_curve(self, width, kind="relative"):
        return np.logspace(-5, -1, 5), self._index[width]

    def ceiling(self, width):
        return 0.08


def spin_glass(lambdas=(25, 50), runs=30, seed=0) -> SpinGlassMinimaResult:
    rng = np.random.default_rng(seed)
    energies = {lam: rng.normal(-E_INF - 0.01, 0.3 / np.sqrt(lam), runs) for lam in lambdas}
    return SpinGlassMinimaResult(
        H=3, energies=energies, indices={lam: np.zeros(runs, int) for lam in lambdas},
        refined_energies={lam: e - 1e-3 for lam, e in energies.items()},
        grad_norms={lam: np.zeros(runs) for lam in lambdas}, converged={lam: np.ones(runs, bool) for lam in lambdas},
        config={"method": "sgd"}, E_0=E_0, E_inf=E_INF)


def finite_size(sizes=(10, 25)) -> dict:
    u = np.linspace(-1.75, -1.62, 9)
    curves = {(None, n): (u, theta(u, 3) - np.log(n) / n, np.zeros_like(u)) for n in sizes}
    curves.update({(0, n): (u, theta(u, 3, 0) - np.log(n) / n, np.full_like(u, 0.01)) for n in sizes})
    return curves


# name: (number of panels, draw(ax=...))
FIGURES = {
    "complexity_curves": (2, lambda ax=None: cx.complexity_curves(3, 2, ax=ax)),
    "finite_size_convergence": (2, lambda ax=None: cx.finite_size_convergence(finite_size(), ax=ax)),
    "minima_histogram": (1, lambda ax=None: sg.minima_histogram(spin_glass(), bins=10, ax=ax)),
    "minima_histogram_refined": (1, lambda ax=None: sg.minima_histogram(spin_glass(), refined=True, ax=ax)),
    "test_loss_distributions": (1, lambda ax=None: nw.test_loss_distributions(FakeNetworks(), ax=ax)),
    "test_loss_distributions_with_spin_glass": (
        2, lambda ax=None: nw.test_loss_distributions(FakeNetworks(), spin_glass().energies, ax=ax)),
    "variance_vs_width": (1, lambda ax=None: nw.variance_vs_width(FakeNetworks(), ax=ax)),
    "train_test_scatter": (2, lambda ax=None: nw.train_test_scatter(FakeNetworks(), ax=ax)),
    "index_curves": (2, lambda ax=None: nw.index_curves(FakeNetworks(), ax=ax)),
}
PUBLIC = {"complexity_curves", "finite_size_convergence", "minima_histogram", "test_loss_distributions",
          "variance_vs_width", "train_test_scatter", "index_curves"}


def test_every_public_figure_function_is_tested():
    """The figure functions the modules export (those taking ax=) are exactly the ones drawn here."""
    import inspect

    exported = {name for module in (cx, sg, nw) for name in module.__all__
                if callable(getattr(module, name)) and "ax" in inspect.signature(getattr(module, name)).parameters}
    assert exported == PUBLIC
    assert {name.removesuffix("_refined").removesuffix("_with_spin_glass") for name in FIGURES} == PUBLIC


@pytest.mark.parametrize("name", FIGURES)
def test_draws_into_the_given_axes_and_returns_their_figure(name):
    n, draw = FIGURES[name]
    fig = Figure()
    axes = fig.subplots(1, n, squeeze=False)[0]
    returned = draw(ax=axes[0] if n == 1 else list(axes))
    assert returned is fig
    assert len(fig.axes) == n  # nothing added beside the caller's Axes
    assert all(ax.has_data() for ax in axes)


@pytest.mark.parametrize("name", FIGURES)
def test_without_ax_a_new_figure_with_a_legend_on_every_panel(name):
    n, draw = FIGURES[name]
    fig = draw()
    assert isinstance(fig, Figure) and len(fig.axes) == n
    for ax in fig.axes:  # no colourbars in these figures: every panel is an Axes of data
        assert ax.get_legend() is not None, f"{name}: panel {ax.get_title()!r} has no legend"
        assert ax.get_legend().get_texts(), f"{name}: empty legend"


def test_wrong_number_of_axes_is_refused():
    fig = Figure()
    a, b = fig.subplots(1, 2)
    with pytest.raises(ValueError, match="2 matplotlib Axes"):
        cx.complexity_curves(3, 2, ax=a)
    with pytest.raises(ValueError, match="one matplotlib Axes"):
        sg.minima_histogram(spin_glass(), ax=[a, b])


@pytest.fixture
def other_backend():
    """A backend that is not Agg (the one the figures used to force), restored afterwards."""
    before = matplotlib.get_backend()
    matplotlib.use("template", force=True)
    yield "template"
    matplotlib.use(before, force=True)


def test_backend_is_unchanged_by_import_and_by_drawing(other_backend):
    import polyloss.figures
    import polyloss.figures.canvas
    import polyloss.figures.style

    for module in (polyloss.figures.style, polyloss.figures.canvas, polyloss.figures, cx, sg, nw):
        importlib.reload(module)
    assert matplotlib.get_backend() == other_backend
    for _, draw in FIGURES.values():
        draw()
    assert matplotlib.get_backend() == other_backend


_MATH = re.compile(r"(?<!\\)\$.*?(?<!\\)\$")
# a hyphen used as a minus: at the start or after a space, bracket, "=" …, before something (not a hyphen
# joining words, as in "index-$k$", nor a dash between spaces); mathtext is left out (it sets "-" as "−")
_HYPHEN_MINUS = re.compile(r"(?:^|(?<=[\s(\[=,;:/±]))-(?=[^\s-])")


def _texts(fig) -> list[str]:
    with matplotlib.rc_context({"axes.unicode_minus": True}):  # matplotlib's default, as save() uses
        fig.draw_without_rendering()  # fills in the tick labels
        return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_the_minus_rule_catches_what_it_should():
    """The checks below are only as good as these patterns: they flag ASCII minus signs in text, not in math."""
    flagged = ["-1.63", "u = -1.6", "in [-1, 1]", "(-E_0)", "−E∞ = -1.6"]
    passed = ["−1.63", "index-$k$ points", "$-E_\\infty = -1.63$", "a - b", "train-test", "$[-1.7, -1.6]$"]
    assert all(_HYPHEN_MINUS.search(_MATH.sub("", s)) for s in flagged)
    assert not any(_HYPHEN_MINUS.search(_MATH.sub("", s)) for s in passed)


@pytest.mark.parametrize("name", FIGURES)
def test_one_notation_in_every_text(name):
    texts = _texts(FIGURES[name][1]())
    assert texts
    for text in texts:
        assert "E_inf" not in text and "E∞" not in text and "E₀" not in text, text  # mathtext E_\infty, E_0
        assert "per weight" not in text.lower(), text
        assert not _HYPHEN_MINUS.search(_MATH.sub("", text)), f"ASCII hyphen as a minus in {text!r}"
        assert "E_" not in _MATH.sub("", text), f"E_ outside mathtext (a literal underscore) in {text!r}"


def test_a_negative_correlation_is_written_with_the_minus_sign():
    result = FakeNetworks((10,))
    r = result.runs[10]
    r["test_loss"] = 1.0 - r["train_loss"]  # r = −1 exactly, by construction
    (entry,) = [t.get_text() for t in nw.train_test_scatter(result).axes[0].get_legend().get_texts()]
    assert entry.endswith("r = −1.000")


def test_negative_ticks_carry_the_unicode_minus():
    ticks = [t for t in _texts(cx.complexity_curves(3, 2)) if re.fullmatch(r"[−\d.]+", t)]
    assert any(t.startswith("−") for t in ticks)  # the energies u < 0 on the x axes


def _colours(fig, pattern: str) -> dict:
    """``{label: rgb}`` of the legend entries whose label matches ``pattern`` (group 1: the value)."""
    out = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            m = re.match(pattern, label)
            if not m:
                continue
            if hasattr(handle, "lines"):  # an errorbar container
                handle = handle.lines[0]
            if hasattr(handle, "get_color") and not hasattr(handle, "get_facecolor"):
                colour = handle.get_color()
            elif hasattr(handle, "get_offsets"):  # a scatter
                colour = handle.get_facecolor()[0]
            else:  # a histogram's patch
                colour = handle.get_edgecolor()
            out.setdefault(int(m.group(1)), set()).add(tuple(np.round(to_rgb(colour), 6)))
    return out


LAMBDA = r"Λ = (\d+)"
WIDTH = r"\$n_1\$ = (\d+)"


def test_the_same_Lambda_has_the_same_colour_in_every_figure():
    lams = (10, 25, 37)  # 37: a size of no preset, coloured by the fallback
    histogram = _colours(sg.minima_histogram(spin_glass(lams)), LAMBDA)
    convergence = _colours(cx.finite_size_convergence(finite_size(lams)), LAMBDA)
    beside = _colours(nw.test_loss_distributions(FakeNetworks(), spin_glass(lams).energies), LAMBDA)
    assert set(histogram) == set(convergence) == set(beside) == set(lams)
    for lam in lams:
        assert len(histogram[lam] | convergence[lam] | beside[lam]) == 1, lam
    assert len({next(iter(histogram[lam])) for lam in lams}) == len(lams)  # different Λ, different colours


def test_the_same_width_has_the_same_colour_in_every_figure():
    widths = (10, 25, 60)  # 60: no preset's width
    result = FakeNetworks(widths)
    found = [_colours(nw.test_loss_distributions(result), WIDTH), _colours(nw.variance_vs_width(result), WIDTH),
             _colours(nw.index_curves(result), WIDTH)]
    scatter = nw.train_test_scatter(result)  # one panel per width, titled with it
    found.append({int(re.search(r"= (\d+)", ax.get_title()).group(1)):
                  {tuple(np.round(to_rgb(ax.collections[0].get_facecolor()[0]), 6))} for ax in scatter.axes})
    for f in found:
        assert set(f) == set(widths)
    for w in widths:
        assert len(set().union(*(f[w] for f in found))) == 1, w
    assert len({next(iter(found[0][w])) for w in widths}) == len(widths)  # different widths, different colours


def test_Lambda_and_width_colours_do_not_depend_on_the_other_values_drawn():
    from polyloss.figures import lambda_colour, width_colour

    alone = _colours(sg.minima_histogram(spin_glass((50,))), LAMBDA)[50]
    among = _colours(sg.minima_histogram(spin_glass((10, 20, 50, 500))), LAMBDA)[50]
    assert alone == among == {tuple(np.round(to_rgb(lambda_colour(50)), 6))}
    assert to_rgb(width_colour(100)) != to_rgb(width_colour(250))
    with pytest.raises(ValueError):
        lambda_colour(0)


def test_shading_is_explained_in_the_legend():
    """Every figure that shades an area says what it is: a legend entry beginning "shaded:"."""
    for name in ("complexity_curves", "finite_size_convergence", "minima_histogram", "index_curves",
                 "test_loss_distributions_with_spin_glass"):
        fig = FIGURES[name][1]()
        entries = [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
        assert any(e.startswith("shaded:") for e in entries), name


def test_save_writes_png_and_pdf_atomically(tmp_path):
    paths = cx.save_complexity_curves(tmp_path / "sub" / "c.png", 3, 2, pdf=True)
    assert [p.name for p in paths] == ["c.png", "c.pdf"]
    assert paths[0].read_bytes()[:4] == b"\x89PNG" and paths[1].read_bytes()[:4] == b"%PDF"
    (only,) = sg.save_minima_histogram(tmp_path / "h.pdf", spin_glass())
    assert only.read_bytes()[:4] == b"%PDF"
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["c.pdf", "c.png"]  # no temporary left
