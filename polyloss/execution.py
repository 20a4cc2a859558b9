"""Sweeps as plans of seeded tasks, run by any executor: this process, local worker processes, any
``concurrent.futures.Executor``, or a ``dask.distributed`` cluster.

Every experiment of the paper is a sweep of independent pieces of work. Each becomes a :class:`Plan`:
a task function, the configuration, and the list of :class:`Task` (a key, the task's arguments, an
estimated cost). The plan prints what it will do; :meth:`Plan.run` runs it::

    plan = Plan("spinglass_minima", minima_task, config, tasks, folder="runs/sg")
    print(plan)                           # every task with its cost and whether it is done
    pieces = plan.run(executor=2)         # {key: arrays}, the same whatever runs it

**Tasks are pure.** ``function(config, task)`` rebuilds what it needs from seeds derived from
``(config, task.key)`` and returns a dict of arrays; it reads no global state and no other task's
result (a task that needs one gets it in ``task.inputs``). The worker that ran it writes the piece
atomically into the run folder (:class:`~polyloss.store.RunStore`), so a task run twice, or by two
workers, writes the same bytes, and finished pieces are skipped when a plan is run again. A worker
that cannot see the folder (a cluster without a shared file system) returns the arrays and this
process writes them.

**Executors** (``executor=``):

* ``None``: in this process, one task after another;
* an int n ≥ 1: n local worker processes (spawned), one torch thread each; a worker killed mid-task
  (out of memory, a signal) is replaced and its unfinished tasks run again, up to
  :data:`MAX_RESTARTS` times per run. :class:`LocalWorkers` keeps such processes for several plans;
* a ``concurrent.futures.Executor`` of your own (a broken pool stops the run; finished pieces are kept);
* a ``dask.distributed.Client``, or the address of a running Dask scheduler (``"tcp://host:8786"``):
  Dask reschedules the tasks of a worker that dies. Needs the ``[distributed]`` extra.

**Threads.** Each task runs with ``threads`` torch threads (default 1) whatever the executor, so
that workers never oversubscribe the cores and the numbers do not depend on where a task ran.

**Faults.** A task that raises stops the run with :class:`~polyloss.errors.TaskError` naming its
key and error; tasks already running finish and every finished piece is kept, so a rerun resumes.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import socket
import sys
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ._device import blas_threads, set_torch_threads, start_worker, torch_threads
from ._validate import integer
from .errors import InvalidInputError, TaskError
from .store import RunStore, folder_lock

__all__ = ["Task", "Plan", "LocalWorkers", "MAX_RESTARTS", "describe_executor", "cached", "clear_cache", "DISTRIBUTED_HINT"]

MAX_RESTARTS = 3
#: most local worker processes and threads per task (a machine with more cores than this is a cluster: use Dask)
MAX_LOCAL_WORKERS = 1024
"""How many times a pool of local worker processes is replaced after a worker died, in one run."""

DISTRIBUTED_HINT = "install the extra: pip install 'polyloss[distributed]' (dask and distributed)"


@dataclass(frozen=True)
class Task:
    """One unit of a sweep.

    ``key``: its name in the run folder (letters, digits, ``_.=-``); ``args``: the task's own
    parameters (JSON-able; saved beside its result); ``cost``: an estimate (in the plan's
    ``cost_unit``) used to start the longest tasks first; ``inputs``: arrays it needs from earlier
    results (not saved with it); ``expect``: ``{array name: shape}`` its piece must have (``None``
    for any length), checked when a saved piece is read back, so that a piece of another size (a chunk
    with fewer rows) is recomputed, never used.
    """

    key: str
    args: dict = field(default_factory=dict)
    cost: float = 1.0
    inputs: dict = field(default_factory=dict, repr=False, compare=False)
    expect: dict = field(default_factory=dict, repr=False, compare=False)


class Plan:
    """A sweep: ``function(config, task) -> {name: array}`` applied to every task.

    Args:
        name: what the sweep is (shown in progress and errors).
        function: a module-level function (so that worker processes can import it).
        config: the configuration every task shares (JSON-able); the run folder's identity.
        tasks: the :class:`Task` list (keys unique).
        folder: run folder for the pieces (None: results kept in memory only).
        threads: torch threads per task (default 1; None leaves torch's setting).
        cost_unit: what ``Task.cost`` counts (for the printed plan).
        options: settings the task function also receives in its config dict but that are not part
            of the run folder's identity (where the arithmetic runs: ``{"device": "cuda"}``), so a
            run started on one device may be resumed on another. Each task's device is recorded in
            ``timing/<key>.json``.
    """

    def __init__(self, name: str, function, config: dict, tasks, *, folder=None, threads: int | None = 1,
                 cost_unit: str = "flop", options: dict | None = None, force: bool = False):
        self.name = name
        self.function = function
        self.config = dict(config)
        self.options = dict(options or {})
        clash = set(self.options) & set(self.config)
        if clash:
            raise InvalidInputError(f"plan {name}: options {sorted(clash)} are also in the configuration")
        self.tasks = list(tasks)
        keys = [t.key for t in self.tasks]
        if len(set(keys)) != len(keys):
            raise InvalidInputError(f"plan {name}: task keys must be unique")
        self.threads = None if threads is None else integer("threads", threads, minimum=1)
        self.cost_unit = cost_unit
        # absolute: a Dask worker resolves a relative path against its own working folder
        self.store = None if folder is None else RunStore(Path(folder).resolve(), self.config, force=force)

    @property
    def folder(self) -> Path | None:
        return None if self.store is None else self.store.directory

    def done(self, task: Task) -> bool:
        """Whether ``task``'s piece is saved (not yet verified: :meth:`pending` verifies)."""
        return self.store is not None and self.store.has(task.key)

    def pending(self, *, warn: bool = True) -> list[Task]:
        """Tasks still to run. A saved piece that fails its check (checksum, key, configuration, the
        task's arguments and expected shapes) is reported by file name, removed and run again."""
        todo = []
        for task in self.tasks:
            if self.done(task):
                problem = self.store.problem(task.key, task.expect or None, meta=task.args)
                if problem is None:
                    continue
                if warn:
                    warnings.warn(f"{problem}; it is removed and computed again", stacklevel=3)
                self.store.discard(task.key)
            todo.append(task)
        return todo

    @property
    def total_cost(self) -> float:
        return float(sum(t.cost for t in self.tasks))

    def __str__(self) -> str:
        done = sum(self.done(t) for t in self.tasks)
        where = f" in {self.folder}" if self.folder is not None else " (in memory)"
        lines = [f"plan {self.name}{where}: {len(self.tasks)} tasks, {done} done, estimated cost "
                 f"{self.total_cost:.3g} {self.cost_unit}"]
        width = max([len(t.key) for t in self.tasks] + [3])
        lines.append(f"  {'key':<{width}}  {'cost':>10}  status")
        for t in self.tasks:
            lines.append(f"  {t.key:<{width}}  {t.cost:>10.3g}  {'done' if self.done(t) else 'to run'}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Plan({self.name!r}, {len(self.tasks)} tasks, folder={self.folder})"

    # ------------------------------------------------------------------------------------ running
    def run(self, executor=None, *, progress: bool = False) -> dict:
        """Run the pending tasks on ``executor`` (module docstring) and return ``{key: arrays}`` for all.

        Results are assembled by key, never by completion order, so they are the same bit for bit
        whatever the executor, the number of workers and the order in which tasks finish. The run
        folder is locked for the whole run (:func:`polyloss.store.folder_lock`): a second process
        running into it gets :class:`~polyloss.errors.FolderInUseError`.
        """
        with folder_lock(self.folder):
            return self._run(executor, progress)

    def _run(self, executor, progress):
        todo = sorted(self.pending(), key=lambda t: -t.cost)  # longest first: better load balance
        self._token = uuid.uuid4().hex  # this run: workers drop what they cached for an earlier one
        if self.store is not None:
            _remove_stale_temporaries(self.store.directory)
        if executor is not None and todo:
            _check_importable(self.function)
        results = {}
        bar = _bar(len(self.tasks), len(self.tasks) - len(todo), progress, self.name)
        runner = _runner(executor, self.threads)
        restore = torch_threads(self.threads if todo else None)  # tasks run here set it; put it back after
        restore.__enter__()
        try:
            for task, arrays in runner.run(self, todo):
                if self.store is not None and not self.store.has(task.key):
                    self.store.save(task.key, arrays, meta=task.args)  # the worker could not write it
                results[task.key] = arrays
                if bar is not None:
                    bar.set_postfix_str(task.key, refresh=False)
                    bar.update(1)
        except _BrokenPool as broken:
            kept = "" if self.store is None else f"; finished results are kept in {self.folder} and a rerun resumes"
            raise TaskError(f"{self.name}: a worker process of {describe_executor(executor)} died while "
                            f"{broken.task.key} or another task ran (out of memory?), which broke the executor"
                            f"{kept}", key=broken.task.key) from broken.__cause__
        finally:
            if bar is not None:
                bar.close()
            runner.close()
            restore.__exit__(None, None, None)
            if executor is None:
                clear_cache()
        if self.store is not None:
            for task in self.tasks:
                if task.key not in results:
                    results[task.key] = self.store.load(task.key, task.expect or None)
        return {t.key: results[t.key] for t in self.tasks}


def _execute(plan: Plan, task: Task):
    return execute(plan.function, plan.config, task, plan.folder, plan.threads, plan.options, plan._token)


def execute(function, config: dict, task: Task, folder, threads, options=None, token=None):
    """Run one task where it is (a worker or this process); write its piece when ``folder`` is visible.

    torch's thread count is set to ``threads`` and left so: worker processes serve one plan at a time,
    and in the process that runs the plan :meth:`Plan.run` restores the old setting at the end (tasks
    in a thread pool of that process all set the same value, so they cannot undo each other).
    """
    global _CACHE_TOKEN
    set_torch_threads(threads)
    if token != _CACHE_TOKEN:  # a new plan run: free what an earlier one cached here
        clear_cache()
        _CACHE_TOKEN = token
    start = time.perf_counter()
    with blas_threads(threads):  # numpy's BLAS too, whatever the process and executor
        arrays = function({**config, **(options or {})}, task)
    seconds = time.perf_counter() - start
    arrays = {str(k): v for k, v in arrays.items()}
    if folder is not None and (Path(folder) / "config.json").exists():
        store = RunStore(folder, config, create=False)  # the process that runs the plan holds the folder's lock
        store.save(task.key, arrays, meta=task.args)
        store.record_seconds(task.key, seconds, host=socket.gethostname(), pid=os.getpid(), threads=threads,
                             **(options or {}))
    return arrays


# ------------------------------------------------------------------------------------- executors
def describe_executor(executor) -> str:
    """A short description of ``executor`` (for messages and reports)."""
    if executor is None:
        return "this process"
    if isinstance(executor, LocalWorkers):
        executor = executor.n
    if _is_int(executor):
        return f"{int(executor)} local worker process{'es' if int(executor) != 1 else ''}"
    if isinstance(executor, str):
        return f"Dask scheduler {executor}"
    if _is_dask_client(executor):
        return f"Dask cluster ({executor.scheduler.address})"
    return type(executor).__name__


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_dask_client(x) -> bool:
    return type(x).__module__.split(".")[0] == "distributed" and hasattr(x, "submit") and hasattr(x, "scheduler")


def _runner(executor, threads):
    if executor is None:
        return _Serial()
    if _is_int(executor):
        workers = LocalWorkers(integer("executor (number of worker processes)", executor, minimum=1,
                                   maximum=MAX_LOCAL_WORKERS),
                               threads=threads or 1)
        return _Temporary(workers, workers.close)
    if isinstance(executor, LocalWorkers):
        return _Temporary(executor, lambda: None)
    if isinstance(executor, str):
        client = _connect(executor)
        return _Temporary(_Dask(client), client.close)
    if _is_dask_client(executor):
        return _Temporary(_Dask(executor), lambda: None)
    if isinstance(executor, cf.Executor):
        return _Futures(executor)
    raise InvalidInputError("executor must be None, a number of worker processes, a concurrent.futures.Executor, "
                            f"a dask.distributed Client or a scheduler address; got {executor!r}")


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise InvalidInputError(f"a Dask scheduler ({address}) was asked for, but dask.distributed is not "
                                f"installed: {DISTRIBUTED_HINT}") from None
    try:
        return Client(address, timeout=30)
    except Exception as exc:  # distributed raises OSError, TimeoutError or ValueError for a bad address
        raise InvalidInputError(f"cannot reach the Dask scheduler at {address!r}: {type(exc).__name__}: {exc}") from None


def _failure(plan: Plan, task: Task, exc: BaseException) -> TaskError:
    kept = "" if plan.store is None else f"; finished results are kept in {plan.folder} and a rerun resumes"
    err = TaskError(f"task {task.key} of {plan.name} failed: {type(exc).__name__}: {exc}{kept}", key=task.key)
    err.__cause__ = exc
    return err


class _Serial:
    def run(self, plan: Plan, tasks):
        for task in tasks:
            try:
                arrays = _execute(plan, task)
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:
                raise _failure(plan, task, exc) from exc
            yield task, arrays

    def close(self):
        pass


class _Futures:
    """Any ``concurrent.futures.Executor``: submit everything, collect as they finish."""

    def __init__(self, executor):
        self.executor = executor

    def run(self, plan: Plan, tasks):
        futures = {}
        try:
            for t in tasks:
                futures[self.executor.submit(execute, plan.function, plan.config, t, plan.folder, plan.threads,
                                             plan.options, plan._token)] = t
        except cf.BrokenExecutor as exc:  # broken while submitting
            for fut in futures:
                fut.cancel()
            raise _BrokenPool(t) from exc
        try:
            for fut in cf.as_completed(futures):
                task = futures[fut]
                exc = fut.exception()
                if isinstance(exc, cf.BrokenExecutor):
                    raise _BrokenPool(task) from exc
                if exc is not None:
                    raise _failure(plan, task, exc) from exc
                yield task, fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self):
        pass


class _BrokenPool(Exception):
    def __init__(self, task):
        super().__init__(task.key)
        self.task = task


class LocalWorkers:
    """n local worker processes (spawned, one torch thread each), reusable across plans.

    ``executor=n`` makes one for the run and closes it after; ``with LocalWorkers(n) as ex:`` keeps
    the processes (and what they cached) for several plans. When a worker dies mid-task (out of
    memory, a signal) the pool is replaced and the unfinished tasks run again, at most
    :data:`MAX_RESTARTS` times per plan run.
    """

    def __init__(self, n: int, *, threads: int = 1):
        self.n = integer("workers", n, minimum=1, maximum=MAX_LOCAL_WORKERS)
        self.threads = integer("threads", threads, minimum=1, maximum=MAX_LOCAL_WORKERS)
        self.pool = None

    def __repr__(self):
        return f"LocalWorkers({self.n})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ensure_pool(self):
        if self.pool is None:
            import multiprocessing as mp

            # the initializer lives in polyloss._device, which imports neither numpy nor torch: the thread
            # variables are set before either loads in the new process
            self.pool = cf.ProcessPoolExecutor(self.n, mp_context=mp.get_context("spawn"), initializer=start_worker,
                                               initargs=(self.threads, self.n))
        return self.pool

    def run(self, plan: Plan, tasks):
        remaining = list(tasks)
        restarts = 0
        while remaining:
            finished = set()
            try:
                for task, arrays in _Futures(self._ensure_pool()).run(plan, remaining):
                    finished.add(task.key)
                    yield task, arrays
                remaining = []
            except _BrokenPool as broken:
                remaining = [t for t in remaining if t.key not in finished and not plan.done(t)]
                restarts += 1
                self._discard(kill=True)
                if restarts > MAX_RESTARTS:
                    kept = "" if plan.store is None else f"; finished results are kept in {plan.folder}"
                    raise TaskError(f"{plan.name}: a worker process died {restarts} times (last while "
                                    f"{broken.task.key} or another task ran; out of memory?){kept}",
                                    key=broken.task.key) from broken.__cause__
                print(f"polyloss: a worker process of {plan.name} died; restarting the workers and rerunning "
                      f"{len(remaining)} unfinished task(s)", file=sys.stderr, flush=True)
            except TaskError:
                # the tasks still running finish (and save their pieces) before the error is raised
                self._discard(kill=False)
                raise
            except BaseException:  # interrupted (Ctrl-C) or abandoned: stop the workers now
                self._discard(kill=True)
                raise

    def _discard(self, kill: bool):
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if not kill:
            try:
                pool.shutdown(wait=True, cancel_futures=True)  # the running tasks finish and save their pieces
                return
            except KeyboardInterrupt:  # Ctrl-C while waiting: stop them now
                _terminate(pool)
                raise
        _terminate(pool)

    def close(self):
        self._discard(kill=False)


def _terminate(pool) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


class _Temporary:
    """A runner made for one plan run and closed after it (``executor=n``, a scheduler address)."""

    def __init__(self, runner, close):
        self.runner, self._close = runner, close

    def run(self, plan, tasks):
        return self.runner.run(plan, tasks)

    def close(self):
        self._close()


class _Dask:
    """A ``dask.distributed`` Client: tasks go to its workers; Dask reruns those of a dead worker."""

    def __init__(self, client):
        self.client = client

    def run(self, plan: Plan, tasks):
        from distributed import as_completed

        from .store import config_hash

        tag = f"{config_hash(plan.config)}-{uuid.uuid4().hex[:8]}"  # unique per run: no stale futures reused
        futures = {}
        for task in tasks:
            fut = self.client.submit(execute, plan.function, plan.config, task, plan.folder, plan.threads,
                                     plan.options, plan._token, key=f"polyloss-{plan.name}-{tag}-{task.key}", pure=False,
                                     priority=_priority(task.cost))
            futures[fut] = task
        try:
            for fut in as_completed(list(futures)):
                task = futures[fut]
                if fut.status == "error":
                    raise _failure(plan, task, fut.exception())
                if fut.status == "cancelled":
                    raise TaskError(f"task {task.key} of {plan.name} was cancelled on the Dask cluster",
                                    key=task.key)
                arrays = fut.result()
                fut.release()
                yield task, arrays
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending)


def _priority(cost: float) -> int:
    return int(math.log10(cost + 1.0) * 100) if cost > 0 else 0


def _check_importable(function) -> None:
    """Worker processes import the task function by name: one defined in an interactive session cannot be."""
    module = sys.modules.get(getattr(function, "__module__", None) or "")
    if function.__module__ == "__main__" and not getattr(module, "__file__", None):
        raise InvalidInputError(f"the task function {function.__qualname__} is defined interactively (in __main__), "
                                "so worker processes cannot import it: define it in a module, or run with executor=None")


def _remove_stale_temporaries(folder: Path, age: float = 600.0) -> None:
    """Half-written files (``.*.tmp``) left by a worker killed mid-write, older than ``age`` seconds."""
    now = time.time()
    for tmp in folder.rglob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > age:
                tmp.unlink()
        except OSError:
            pass


# ----------------------------------------------------------------------------------- worker cache
_CACHE: dict = {}
_CACHE_TOKEN = None
_CACHE_LOCK = threading.Lock()


def cached(key: tuple, build):
    """``build()`` once per process for ``key``; the last value is kept (one entry: models are large).

    For the expensive, pure part of a task (a spin-glass instance rebuilt from its seed), so that a
    worker running several tasks of the same instance builds it once. ``key`` must hold everything
    the value depends on. The entry is dropped when the worker starts a task of another plan run.
    """
    with _CACHE_LOCK:  # tasks in a thread pool: one build at a time, none dropped while in use
        if key not in _CACHE:
            _CACHE.clear()
            _CACHE[key] = build()
        return _CACHE[key]


def clear_cache() -> None:
    """Drop the cached value of this process (after an in-process run)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _bar(total: int, initial: int, progress: bool, name: str):
    if not progress or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=f"{name} (tasks)", file=sys.stderr, mininterval=1.0,
                unit="task")
