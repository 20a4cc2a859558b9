"""One stage of ``polyloss reproduce``: what it runs with, what it reports, and its two halves.

A stage (:class:`Stage`) is a pair of functions,

* ``compute(results, run, progress, execution) -> None``: runs its sweeps into ``<results>/<stage>/``;
* ``report(results, out, run) -> StageResult``: reads them back and writes ``<out>/<stage>/``,

given the :class:`Run` the results folder was computed with (scale, seed, data) and the
:class:`Execution` its sweeps run on (which changes no number). A report is a :class:`StageResult`:
the files it wrote, its tables and notes, and its :class:`Claim` s, each the paper's statement, the
paper's number, ours, and the verdict of a rule of :mod:`polyloss.experiments.criteria`.

These types are shared by the driver (:mod:`polyloss.experiments.reproduce`) and the stages
(:mod:`polyloss.experiments.reproduce_stages`), and depend on neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DamagedResultError
from ..store import read_json
from .criteria import Verdict

__all__ = ["Claim", "Execution", "Run", "Stage", "StageResult"]


@dataclass
class Claim:
    """One claim of the paper: what the paper reports, what we measured, and the verdict with its rule."""

    claim: str
    paper: str
    measured: str
    verdict: Verdict
    source: str = ""

    @property
    def agrees(self) -> bool | None:
        return self.verdict.agrees


@dataclass
class StageResult:
    """What a stage's report wrote: its claims, files, tables and notes, and how long the stage took."""

    claims: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # caption -> path relative to the report folder
    tables: dict = field(default_factory=dict)  # title -> Markdown table
    notes: list = field(default_factory=list)  # what was run, on what data, at what scale (Markdown)
    seconds: float = 0.0

    #: the columns of :meth:`to_dataframe`, one row per claim
    DATAFRAME_COLUMNS = ("claim", "paper", "measured", "verdict", "criterion", "detail", "source")

    def _repr_markdown_(self) -> str:
        """Jupyter: the claims (the paper's value, the measured one, the verdict and its rule), then the
        notes and the tables, as the report writes them."""
        from ..display import markdown_escape, markdown_table

        parts = []
        if self.claims:
            rows = [[c.claim, c.paper, c.measured, f"**{c.verdict.word}** ({c.verdict.criterion}"
                     + (f"; {c.verdict.detail})" if c.verdict.detail else ")"), c.source] for c in self.claims]
            parts.append(markdown_table(["claim", "the paper", "measured", "verdict (rule)", "source"], rows))
        parts += list(self.notes)
        for title, table in self.tables.items():
            parts += [f"**{markdown_escape(title)}**", table.strip()]
        parts.append(f"{len(self.files)} files written; {self.seconds:.1f} s.")
        return "\n\n".join(parts) + "\n"

    def to_dataframe(self):
        """The claims as a pandas DataFrame, one row per claim: columns ``claim``, ``paper``, ``measured``,
        ``verdict`` (the word), ``criterion``, ``detail``, ``source``. Needs pandas (``pip install pandas``)."""
        from ..display import dataframe

        rows = [[c.claim, c.paper, c.measured, c.verdict.word, c.verdict.criterion, c.verdict.detail, c.source]
                for c in self.claims]
        return dataframe(rows, self.DATAFRAME_COLUMNS)


@dataclass(frozen=True)
class Execution:
    """Where the stages' sweeps run: ``executor`` (see :mod:`polyloss.execution`), torch ``threads``
    per task, torch ``device``. None of it changes a number; it is recorded beside each stage."""

    executor: object = None
    threads: int = 1
    device: str = "cpu"

    def describe(self) -> str:
        from ..execution import describe_executor

        where = describe_executor(self.executor)
        where = "in this process" if where == "this process" else f"on {where}"
        return f"{where}, {self.threads} thread{'s' if self.threads > 1 else ''} per task, device {self.device}"


@dataclass(frozen=True)
class Run:
    """What a results folder was computed with: the scale, the seed, and the data of the networks."""

    scale: str
    seed: int
    data: str = "embedded"


@dataclass(frozen=True)
class Stage:
    """A stage: its name (its folder), its title, and its two halves (``compute`` may be None)."""

    name: str
    title: str
    compute: object  # callable(results: Path, run: Run, progress: bool, execution: Execution) -> None, or None
    report: object  # callable(results: Path, out: Path, run: Run) -> StageResult


def read_marker(path, *, quiet: bool = False) -> dict | None:
    """A stage's ``stage.json``, or None when it is missing or damaged (a damaged one is reported by
    name, unless ``quiet``, and its stage counts as not reported: it is never used)."""
    import warnings

    path = Path(path)
    if not path.exists():
        return None
    try:
        return read_json(path, "stage report", ("format", "scale", "seed", "claims"))
    except DamagedResultError as exc:
        if not quiet:
            warnings.warn(f"{exc}; the stage counts as not reported", stacklevel=2)
        return None
