"""Where a figure is drawn and how it is written: the caller's Axes or a new Figure; PNG/PDF files.

No function here selects a backend. New figures are :class:`matplotlib.figure.Figure` objects made
directly, not through :mod:`matplotlib.pyplot`: they belong to no pyplot state (nothing to close in a
long run, nothing shown twice in a notebook, where the returned Figure displays itself), and
``Figure.savefig`` chooses the file's renderer from its format.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

__all__ = ["panels", "root_figure", "save", "DPI"]

DPI = 150
"""Resolution of written PNG files (dots per inch)."""


def root_figure(ax):
    """The :class:`~matplotlib.figure.Figure` that holds ``ax`` (through any subfigure)."""
    fig = ax.figure
    root = getattr(fig, "figure", None)  # a SubFigure's .figure is its root; a Figure's is itself
    return root if root is not None else fig


def panels(ax, n: int, figsize, **subplots) -> tuple:
    """``(figure, axes, own)``: ``n`` Axes to draw on.

    ``ax``: None (a new Figure of ``figsize`` inches with a 1 × ``n`` grid, constrained layout, and
    ``own`` True), or the caller's Axes: one Axes when ``n == 1``, else a sequence of ``n`` Axes (in
    the order the figure's docstring gives); the caller's figure's layout is left alone (``own`` False).
    """
    if ax is None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(1, n, squeeze=False, **subplots)[0]
        return fig, list(axes), True
    from matplotlib.axes import Axes

    axes = [ax] if isinstance(ax, Axes) else list(ax.flat if hasattr(ax, "flat") else ax)
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(f"this figure draws {n} panel{'s' if n != 1 else ''}: give ax= "
                         + ("one matplotlib Axes" if n == 1 else f"a sequence of {n} matplotlib Axes")
                         + f", got {ax!r}")
    return root_figure(axes[0]), axes, False


def save(fig, path, *, pdf: bool = False, dpi: int = DPI) -> list:
    """Write ``fig`` to ``path`` (format from its suffix: ``.png``, ``.pdf``, …) and, with ``pdf=True``, the
    same name with ``.pdf``; each file written atomically (:func:`polyloss.store.atomic_write_bytes`).
    Tick labels get the Unicode minus whatever the session's ``axes.unicode_minus``. Returns the paths."""
    import matplotlib

    from ..store import atomic_write_bytes

    path = Path(path)
    targets = [path] + ([path.with_suffix(".pdf")] if pdf and path.suffix.lower() != ".pdf" else [])
    out = []
    with matplotlib.rc_context({"axes.unicode_minus": True}):
        for target in targets:
            buf = BytesIO()
            fmt = target.suffix.lstrip(".").lower() or "png"
            fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")
            out.append(atomic_write_bytes(target, buf.getvalue()))
    return out
