"""``polyloss reproduce``: the whole paper in one command, written to one report folder.

Stages run in order; each writes into ``<out>/<stage>/`` and finishes by writing
``<out>/<stage>/stage.json`` (its claims and files) atomically. A rerun skips finished stages
(``force=True`` redoes them), and stages whose experiments are long resume inside through their
own run folders. ``only=`` runs one stage; the summary page is rewritten from whatever stages are
finished.

Scales: ``"default"`` finishes in a few minutes on a 2-core laptop; ``"paper"`` uses the paper's
sizes (Λ up to 500 with 1000 runs each; 1000 networks per width, 200 epochs).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .._validate import integer
from ..errors import InvalidInputError
from ..store import atomic_write_json

SCALES = ("default", "paper", "smoke")


@dataclass
class Claim:
    """One claim of the paper, what was measured, and whether it agrees."""

    claim: str
    measured: str
    agrees: bool | None  # None: not comparable at this scale
    source: str = ""


@dataclass
class StageResult:
    claims: list = field(default_factory=list)
    files: dict = field(default_factory=dict)  # caption -> path relative to the report folder
    tables: dict = field(default_factory=dict)  # title -> Markdown table
    seconds: float = 0.0


@dataclass(frozen=True)
class Execution:
    """Where the stages' sweeps run: ``executor`` (see :mod:`polyloss.execution`), torch ``threads``
    per task, torch ``device``. None of it changes a number; it is recorded beside each stage."""

    executor: object = None
    threads: int = 1
    device: str = "cpu"

    def describe(self) -> str:
        from ..execution import describe_executor

        return f"{describe_executor(self.executor)}, {self.threads} torch thread(s) per task, device {self.device}"


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    run: object  # callable(out_dir: Path, scale: str, seed: int, progress: bool, execution: Execution) -> StageResult


def _stages():
    from . import reproduce_stages as s

    return (
        Stage("derivation", "From network to spin glass", s.derivation),
        Stage("complexity", "Complexity of the loss surface", s.complexity),
        Stage("spinglass", "Spin-glass minima", s.spinglass),
        Stage("networks", "Trained networks", s.networks),
    )


def stage_names() -> tuple:
    return tuple(st.name for st in _stages())


def reproduce(out="report", *, scale: str = "default", only: str | None = None, seed: int = 0,
              force: bool = False, progress: bool = True, executor=None, threads: int = 1,
              device: str = "cpu") -> Path:
    """Run the paper's stages into ``out`` and write the summary page; return the summary path.

    ``executor``, ``threads``, ``device``: where the sweeps of the stages run (this process by default;
    see :mod:`polyloss.execution`). The results do not depend on them.
    """
    from .._device import as_device

    if scale not in SCALES:
        raise InvalidInputError(f"scale must be one of {SCALES}, got {scale!r}")
    seed = integer("seed", seed, minimum=0)
    threads = integer("threads", threads, minimum=1)
    execution = Execution(executor, threads, str(as_device(device)))
    stages = _stages()
    names = [st.name for st in stages]
    if only is not None and only not in names:
        raise InvalidInputError(f"--only must be one of {', '.join(names)}; got {only!r}")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    todo = [st for st in stages if only is None or st.name == only]
    for n, st in enumerate(todo, start=1):
        marker = out / st.name / "stage.json"
        if marker.exists() and not force:
            stored = json.loads(marker.read_text())
            if stored.get("scale") == scale and stored.get("seed") == seed:
                _say(progress, f"[{n}/{len(todo)}] {st.name}: done earlier, reused ({marker})")
                continue
        _say(progress, f"[{n}/{len(todo)}] {st.name}: {st.title} ...")
        t0 = time.perf_counter()
        result = st.run(out, scale, seed, progress, execution)
        result.seconds = time.perf_counter() - t0
        atomic_write_json(marker, {"scale": scale, "seed": seed, "title": st.title, "executed_on": execution.describe(),
                                   **asdict(result)})
        _say(progress, f"[{n}/{len(todo)}] {st.name}: finished in {result.seconds:.1f} s")
    from .summary import write_summary

    return write_summary(out, stages)


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)
