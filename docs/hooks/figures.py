"""mkdocs hook: draw the documentation's figures with polyloss's own figure functions before a build.

The figures land in docs/generated/ (not committed); pages link to them. Only cheap figures are drawn
here (closed-form curves and a small spin-glass run), so a docs build takes seconds.
"""

from __future__ import annotations

from pathlib import Path

GENERATED = Path(__file__).resolve().parents[1] / "generated"


def on_pre_build(config, **kwargs):
    from polyloss.figures.complexity import complexity_curves

    GENERATED.mkdir(exist_ok=True)
    target = GENERATED / "complexity_H3.png"
    if not target.exists():
        complexity_curves(target, H=3, kmax=5)
    target = GENERATED / "spinglass_minima.png"
    if not target.exists():
        from polyloss.experiments.spinglass_minima import spinglass_minima
        from polyloss.figures.spinglass import minima_histogram

        result = spinglass_minima(Lambdas=(10, 20, 40), H=3, runs=24, method="gd", steps=400, seed=0,
                                  progress=False)
        minima_histogram(result, target)
