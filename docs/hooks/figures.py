"""mkdocs hook: draw the documentation's figures with polyloss's own figure functions before a build.

The figures land in docs/generated/ (not committed); pages link to them. Only cheap figures are drawn
here (closed-form curves and a small spin-glass run), so a docs build takes seconds. A figure is drawn
again when it is missing or older than the figure code (so that ``mkdocs serve``, which rebuilds on
every change under docs/, does not redraw in a loop).
"""

from __future__ import annotations

from pathlib import Path

GENERATED = Path(__file__).resolve().parents[1] / "generated"
FIGURE_CODE = Path(__file__).resolve().parents[2] / "polyloss" / "figures"


def _stale(target: Path) -> bool:
    """True when ``target`` is missing or older than a module of polyloss/figures."""
    if not target.exists():
        return True
    newest = max((p.stat().st_mtime for p in FIGURE_CODE.glob("*.py")), default=0.0)
    return target.stat().st_mtime < newest


def on_pre_build(config, **kwargs):
    from polyloss.figures.complexity import save_complexity_curves

    GENERATED.mkdir(exist_ok=True)
    target = GENERATED / "complexity_H3.png"
    if _stale(target):
        save_complexity_curves(target, H=3, kmax=5)
    target = GENERATED / "spinglass_minima.png"
    if _stale(target):
        from polyloss.experiments.spinglass_minima import spinglass_minima
        from polyloss.figures.spinglass import save_minima_histogram

        result = spinglass_minima(Lambdas=(10, 20, 40), H=3, runs=24, method="gd", steps=400, seed=0,
                                  progress=False)
        save_minima_histogram(target, result)
