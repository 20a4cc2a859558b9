"""``polyloss reproduce``: the whole paper in one command: results in one folder, the report in another.

Each stage has two halves:

* **compute** runs its sweeps into the results folder (``<results>/<stage>/``: run folders whose
  pieces are saved atomically, verified when read, and resumed after an interruption);
* **report** reads those results, runs no sweep (exact quantities, such as the symbolic derivation
  and the thresholds, are recomputed: they take seconds and are the same everywhere), and writes the
  stage's figures, tables and claims into the report folder (``<out>/<stage>/``, ending with
  ``stage.json``).

``reproduce(out)`` does both, with the results beside the report (``results=out``) unless told
otherwise. ``reproduce(out, from_results=DIR)`` (``polyloss reproduce --from DIR``) only reports: it
rebuilds the report from the saved results of a finished run, computing nothing, so a report can be
regenerated, restyled or checked from the arrays kept in a repository.

A rerun skips stages whose report is already there for the same scale and seed (``force=True``
redoes them); ``only=`` runs one stage; the summary page is rewritten from whatever stages are
finished. The results folder remembers its scale and seed (``reproduce.json``) and refuses another.

Every claim is judged by a rule of :mod:`polyloss.experiments.criteria`, written before any result
was seen; the report prints the rule beside the verdict and the paper's own number beside ours.
The types a stage is made of (``Stage``, ``Run``, ``Execution``, ``Claim``, ``StageResult``) are in
:mod:`polyloss.experiments.stage`; the stages themselves in :mod:`polyloss.experiments.reproduce_stages`.

Scales: ``"smoke"`` (seconds; tests), ``"default"`` (a few minutes on a 2-core laptop), ``"paper"``
(the paper's sizes: Λ up to 500 with 1000 runs each; 1000 networks per width, 200 epochs).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from .._validate import integer
from ..errors import DamagedResultError, InvalidInputError, ResumeError, StageError
from ..store import atomic_write_json, read_config, read_json
from .stage import Claim, Execution, Run, Stage, StageResult, read_marker  # noqa: F401  (Claim, StageResult, read_marker: public here too)

SCALES = ("default", "paper", "smoke")
REPORT_FORMAT = 2
"""Version of the layout of ``stage.json``: a report written in another is computed again, never reused."""


def _stages():
    # imported when the stages run, not when the command line is built (they bring sympy)
    from . import reproduce_stages as s

    return (
        Stage("derivation", "From network to spin glass", None, s.derivation_report),
        Stage("complexity", "Complexity of the loss surface", s.complexity_compute, s.complexity_report),
        Stage("spinglass", "Spin-glass minima", s.spinglass_compute, s.spinglass_report),
        Stage("networks", "Trained networks", s.networks_compute, s.networks_report),
    )


def stage_names() -> tuple:
    return tuple(st.name for st in _stages())


def reproduce(out="report", *, results=None, from_results=None, **options) -> Path:
    """Compute the paper's stages into ``results`` (default: ``out``) and report them into ``out``
    (:func:`_reproduce` has the options). The results and report folders are locked while it runs
    (:func:`polyloss.store.folder_lock`): a second process using either is refused with
    :class:`~polyloss.errors.FolderInUseError`, before anything is written."""
    import contextlib

    from ..store import folder_lock

    refused = (options.get("scale") not in (None, *SCALES) or options.get("only") not in (None, *stage_names())
               or (from_results is not None and not (Path(from_results) / RUN_FILE).is_file()))
    if refused:  # _reproduce says why, and no folder is made for a run that cannot start
        return _reproduce(out, results=results, from_results=from_results, **options)
    folders = {Path(out).resolve()}
    if from_results is None:
        folders.add(Path(out if results is None else results).resolve())
    with contextlib.ExitStack() as stack:
        for folder in sorted(folders):
            stack.enter_context(folder_lock(folder))
        return _reproduce(out, results=results, from_results=from_results, **options)


def _reproduce(out="report", *, results=None, from_results=None, scale: str | None = None, only: str | None = None,
               seed: int = 0, data: str = "embedded", force: bool = False, progress: bool = True, executor=None,
               threads: int = 1, device: str = "cpu") -> Path:
    """Compute the paper's stages into ``results`` (default: ``out``) and report them into ``out``.

    ``scale``: "smoke", "default" (the default) or "paper".
    ``from_results``: a results folder of an earlier run; nothing is computed, the report is rebuilt
    from it (its scale, seed and data are read from it). ``data``: "embedded" or a folder of MNIST IDX
    files, for the trained networks. ``executor``, ``threads``, ``device``: where the sweeps run (this
    process by default; see :mod:`polyloss.execution`); the results do not depend on them.
    Returns the path of the summary page (``<out>/summary.md``, beside ``summary.html``).

    **Guard.** Before any stage runs, the results folder and every stage already reported in ``out``
    are checked against this run (scale, seed, data): a clash anywhere is refused
    (:class:`~polyloss.errors.ResumeError`, listing every clash) before anything is written, so a
    report never mixes two runs. ``force=True`` (``--force``) starts a clashing folder afresh: its old
    files are moved into ``<folder>/superseded-<UTC time>/`` (nothing is deleted), then every stage
    runs again. Without a clash, ``force`` redoes finished stages.
    """
    from .._device import as_device

    stages = _stages()
    names = [st.name for st in stages]
    if only is not None and only not in names:
        raise InvalidInputError(f"--only must be one of {', '.join(names)}; got {only!r}")
    if from_results is not None:
        results = Path(from_results).resolve()
        run = read_run(results)
        if scale not in (None, run.scale):
            raise InvalidInputError(f"{results} holds a {run.scale!r} run; scale {scale!r} does not match")
    else:
        scale = "default" if scale is None else scale
        if scale not in SCALES:
            raise InvalidInputError(f"scale must be one of {SCALES}, got {scale!r}")
        run = Run(scale, integer("seed", seed, minimum=0), _data_name(data))
        results = Path(out if results is None else results).resolve()
    threads = integer("threads", threads, minimum=1)
    execution = Execution(executor, threads, str(as_device(device)))
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    todo_names = [st.name for st in stages if only is None or st.name == only]
    _check_folders(results, out, run, stages, todo_names, force=force, claim=from_results is None, progress=progress)
    if from_results is None:
        _claim_results_folder(results, run)
    todo = [st for st in stages if only is None or st.name == only]
    failed = {}  # stage name -> {"why", "fix"}: stages that could not run
    for n, st in enumerate(todo, start=1):
        marker = out / st.name / "stage.json"
        if from_results is None and marker.exists() and not force:
            stored = read_marker(marker) or {}  # a damaged marker: the stage is reported again
            same = (stored.get("format") == REPORT_FORMAT and stored.get("scale") == run.scale
                    and stored.get("seed") == run.seed and stored.get("data") == run.data
                    and stored.get("results") == str(results))
            if same:
                (out / st.name / FAILED_FILE).unlink(missing_ok=True)  # an attempt failed since: the report stands
                _say(progress, f"[{n}/{len(todo)}] {st.name}: done earlier, reused ({marker})")
                continue
        t0 = time.perf_counter()
        try:  # a stage that cannot run is recorded (why, how to fix) and the others still run
            if st.compute is not None and from_results is None:
                _say(progress, f"[{n}/{len(todo)}] {st.name}: {st.title}: computing into {results / st.name} ...")
                st.compute(results, run, progress, execution)
            _say(progress, f"[{n}/{len(todo)}] {st.name}: reporting into {out / st.name} ...")
            result = st.report(results, out, run)
        except Exception as exc:  # noqa: BLE001 (any error: recorded, re-raised as StageError at the end)
            failed[st.name] = record_failure(out, st, run, exc)
            _say(True, f"[{n}/{len(todo)}] {st.name}: NOT RUN: {failed[st.name]['why']}; "
                       f"fix: {failed[st.name]['fix']}")
            continue
        result.seconds = time.perf_counter() - t0
        atomic_write_json(marker, {"format": REPORT_FORMAT, "scale": run.scale, "seed": run.seed, "data": run.data,
                                   "title": st.title,
                                   "results": str(results), "rebuilt_from_results": from_results is not None,
                                   "executed_on": None if from_results is not None else execution.describe(),
                                   "task_seconds": task_seconds(results / st.name),
                                   **asdict(result)})
        (out / st.name / FAILED_FILE).unlink(missing_ok=True)
        _say(progress, f"[{n}/{len(todo)}] {st.name}: finished in {result.seconds:.1f} s")
    from .summary import write_summary

    summary = write_summary(out, stages)
    if failed:
        raise StageError(f"{len(failed)} of {len(todo)} stages did not run: "
                         + "; ".join(f"{name} ({f['why']}; fix: {f['fix']})" for name, f in failed.items())
                         + f". The other stages ran; the summary says which did not: {summary}",
                         summary=summary, failed=failed)
    return summary


def _data_name(data) -> str:
    if data in (None, "embedded"):
        return "embedded"
    path = Path(data)
    if not path.is_dir():
        raise InvalidInputError(f"data must be 'embedded' or a folder with the four MNIST IDX files; {data!r} is not "
                                "a folder")
    return str(path.resolve())


RUN_FILE = "reproduce.json"


def task_seconds(folder) -> float:
    """The seconds the saved tasks under ``folder`` took, summed over their ``timing/*.json`` records
    (written by :mod:`polyloss.execution` beside each finished piece); 0 when there are none."""
    total = 0.0
    for path in sorted(Path(folder).glob("**/timing/*.json")):
        try:
            total += float(json.loads(path.read_text()).get("seconds", 0.0))
        except (OSError, ValueError, AttributeError):
            continue  # a timing record is informative only; a damaged one is not a damaged result
    return total


def read_run(results) -> Run:
    """The scale, seed and data a results folder was computed with (from its ``reproduce.json``)."""
    path = Path(results) / RUN_FILE
    if not path.exists():
        raise InvalidInputError(f"{results} is not a results folder of polyloss reproduce (no {RUN_FILE})")
    stored = read_json(path, "reproduce run", ("scale", "seed"))
    if stored["scale"] not in SCALES or not isinstance(stored["seed"], int) or isinstance(stored["seed"], bool) \
            or not isinstance(stored.get("data", "embedded"), str):
        raise DamagedResultError(f"{path}: not a polyloss reproduce run file (scale {stored['scale']!r}, seed "
                                 f"{stored['seed']!r}, data {stored.get('data')!r})")
    return Run(stored["scale"], int(stored["seed"]), stored.get("data", "embedded"))


def _check_folders(results: Path, out: Path, run: Run, stages, todo: list, *, force: bool, claim: bool,
                   progress: bool) -> None:
    """Refuse (or, with ``force``, move aside) every clash with ``run`` before any stage is written:
    the results folder's ``reproduce.json`` (or, without one, the seed of the run folders under it) and
    the scale, seed and data of every stage already reported in ``out``."""
    from ..store import move_aside

    clashes, moves = [], []
    if claim:
        stored = None
        if (results / RUN_FILE).exists():
            try:
                stored = read_run(results)
            except DamagedResultError as exc:
                clashes.append(str(exc))
                moves.append(results)
            if stored is not None and stored != run:
                clashes.append(f"results folder {results} holds a run with scale {stored.scale!r}, seed {stored.seed}, "
                               f"data {stored.data!r}")
                moves.append(results)
        else:
            for st in stages:
                for cfg in sorted((results / st.name).glob("**/config.json")):
                    try:
                        seed = read_config(cfg.parent).get("seed", run.seed)
                    except DamagedResultError:
                        continue  # the stage's own run folder reports it when it is opened
                    if seed != run.seed:
                        clashes.append(f"{cfg.parent} holds results of seed {seed}")
                        moves.append(results)
    for st in stages:
        marker = out / st.name / "stage.json"
        if not marker.exists():
            continue
        stored = read_marker(marker, quiet=True)
        if stored is None:
            continue  # damaged: reported again when its stage runs (or listed as not run)
        if (stored.get("scale"), stored.get("seed"), stored.get("data", "embedded")) != (run.scale, run.seed, run.data):
            clashes.append(f"the report of stage {st.name} in {out / st.name} is of scale {stored.get('scale')!r}, seed "
                           f"{stored.get('seed')}, data {stored.get('data', 'embedded')!r}")
            moves.append(out)
    if not clashes:
        return
    if not force:
        raise ResumeError(f"asked scale {run.scale!r}, seed {run.seed}, data {run.data!r}, but " + "; ".join(clashes)
                          + ". Nothing was written: use other --out/--results folders, or --force to start them "
                          "afresh (their old files are moved into superseded-<time>/ inside them; nothing is deleted).")
    for folder in dict.fromkeys(moves):
        moved = move_aside(folder)
        if moved is not None:
            _say(progress, f"--force: the files of the earlier run in {folder} were moved into {moved}")


def _claim_results_folder(results: Path, run: Run) -> None:
    from .. import __version__

    path = results / RUN_FILE
    if path.exists():
        stored = read_run(results)
        if stored != run:
            raise ResumeError(f"results folder {results} holds a run with scale {stored.scale!r}, seed {stored.seed}, "
                              f"data {stored.data!r}; asked scale {run.scale!r}, seed {run.seed}, data {run.data!r}. "
                              "Nothing was overwritten: use another --results (or --out) folder.")
        return
    results.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, {**asdict(run), "polyloss_version": __version__})


FAILED_FILE = "failed.json"
"""Beside a stage's report (``<out>/<stage>/failed.json``): why its last attempt did not run and how to
fix it; removed when the stage finishes. The summary lists such a stage as not run, with both."""


def record_failure(out: Path, stage: Stage, run: Run, exc: BaseException) -> dict:
    """Record that ``stage`` could not run because of ``exc``: why, how to fix it, and (for an error that
    polyloss did not raise on purpose) the traceback, in ``<out>/<stage>/failed.json``. Returns
    ``{"why", "fix"}``."""
    import traceback

    from ..errors import PolylossError

    why, fix = _explain(exc, stage)
    record = {"format": REPORT_FORMAT, "stage": stage.name, "title": stage.title, "scale": run.scale,
              "seed": run.seed, "data": run.data, "why": why, "fix": fix, "error": str(exc),
              "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if not isinstance(exc, PolylossError):
        record["traceback"] = "".join(traceback.format_exception(exc))
    try:
        atomic_write_json(out / stage.name / FAILED_FILE, record)
    except OSError:
        pass  # the report folder itself is unusable: the StageError at the end still says why
    return {"why": why, "fix": fix}


def _explain(exc: BaseException, stage: Stage) -> tuple[str, str]:
    """Why ``exc`` stopped the stage and how to fix it, from the first error in its chain that says (a
    missing optional package names its install command); otherwise its first line, and: rerun the
    stage once the cause is fixed."""
    seen = set()
    e = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if getattr(e, "fix", None):
            return f"{type(e).__name__}: {getattr(e, 'reason', None) or _first_line(e)}", str(e.fix)
        if isinstance(e, ModuleNotFoundError) and e.name:
            return (f"{type(e).__name__}: {_first_line(e)}",
                    f"pip install {e.name.split('.')[0]} (the package that provides it)")
        e = e.__cause__ or e.__context__
    return (f"{type(exc).__name__}: {_first_line(exc)}",
            f"remove the cause, then run the same command again (or with --only {stage.name}): finished "
            "stages are reused and saved results resume")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "(no message)"


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)
