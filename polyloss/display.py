"""Notebook display: what the ``_repr_latex_``, ``_repr_markdown_`` and ``to_dataframe`` methods share.

Jupyter shows an object through its ``_repr_markdown_`` (a Markdown string; ``$…$`` and ``$$…$$`` in it
are typeset) or ``_repr_latex_`` (a LaTeX math string wrapped in ``$…$`` or ``$$…$$``). The LaTeX of
expressions comes from the project's one writer, :func:`polyloss.symbolic.latex.latex_expr`
(sympy's printer). pandas is optional: :func:`dataframe` imports it only when called and says how to
install it when it is missing.
"""

from __future__ import annotations

import math
import re

__all__ = ["display_math", "inline_math", "latex_number", "markdown_escape", "markdown_table", "dataframe"]

PANDAS_MISSING = "to_dataframe() needs pandas, which polyloss does not require: pip install pandas"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def display_math(tex: str) -> str:
    """``tex`` as displayed math, ``$$ tex $$`` (what ``_repr_latex_`` returns for a formula)."""
    return f"$$ {tex} $$"


def inline_math(tex: str) -> str:
    """``tex`` as inline math, ``$tex$``."""
    return f"${tex}$"


def latex_number(x, digits: int = 10) -> str:
    """A real number in LaTeX with ``digits`` significant digits: ``1.5``, ``-2.3 \\times 10^{-12}``,
    ``\\infty``, ``\\mathrm{NaN}``. A string is taken as the number already printed (e.g. by
    ``mpmath.nstr``) and only its exponent is rewritten."""
    if isinstance(x, str):
        text = x.strip()
    else:
        x = float(x)
        if math.isnan(x):
            return r"\mathrm{NaN}"
        if math.isinf(x):
            return r"\infty" if x > 0 else r"-\infty"
        text = f"{x:.{digits}g}"
    mantissa, _, exponent = text.lower().partition("e")
    if not exponent:
        return mantissa
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def markdown_escape(text) -> str:
    """Plain text for a Markdown paragraph or table cell: the characters Markdown would read escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def markdown_table(header, rows) -> str:
    """A Markdown table: ``header`` (cells as given: they may hold ``$…$``) and ``rows`` of cells.

    A column whose cells in the first row read as a number is right-aligned, others left-aligned;
    a ``|`` in a cell is escaped.
    """
    rows = [list(r) for r in rows]
    first = rows[0] if rows else [""] * len(header)
    align = ["---:" if _is_number(c) else "---" for c in first]

    def cell(c) -> str:
        return str(c).replace("|", r"\|")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(map(cell, r)) + " |" for r in rows]
    return "\n".join(lines)


def _is_number(cell) -> bool:
    if isinstance(cell, bool):
        return False
    try:
        float(str(cell))
    except ValueError:
        return False
    return True


def dataframe(rows, columns, *, index=None):
    """``pandas.DataFrame(rows, columns=columns)`` (with ``index`` set as its index when given).

    Raises:
        ImportError: pandas is not installed (the message says ``pip install pandas``).
    """
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(PANDAS_MISSING) from exc
    frame = pandas.DataFrame(list(rows), columns=list(columns))
    return frame.set_index(index) if index is not None else frame
