"""The paper's spin-glass experiment (Choromanska et al. 2015, experiments section [section and figure numbers unverified]).

For each Λ: one instance of the spherical H-spin glass (couplings drawn once and shared by all runs,
as in the paper; ``redraw=True`` draws new couplings per run), ``runs`` random starts on the sphere,
a descent (default: the authors' SGD, :func:`polyloss.numeric.optimisers.descend`), then Riemannian
Newton refinement of each end point to a critical point and its index. The energies per Λ,
``u = L/Λ``, concentrate in the band ``[-E_0, -E_∞]`` of Auffinger, Ben Arous and Černý (2013) as
Λ grows (the paper's Sec. 4).

**A sweep of tasks.** The work is a :class:`~polyloss.execution.Plan` of tasks ``(Λ, chunk)``, keys
``Lambda={Λ}_chunk={c:04d}``, each ``chunk`` runs of one Λ (:func:`minima_task`); any executor runs
them (``executor=``: this process, local worker processes, a ``concurrent.futures`` executor or a
Dask cluster) and the numbers are the same bit for bit whichever does. Each task rebuilds its
instance from the seeds ``derive_seed(seed, "couplings", Λ)`` and ``derive_seed(seed, "pieces", Λ)``
(:func:`polyloss.execution.cached`: a worker that runs several chunks of one Λ builds it once), and
draws its starts and SGD noise from ``derive_seed(seed, "starts" | "descend", Λ, "chunk", c)``. With
``out=`` every finished task is one verified piece of the run folder (:mod:`polyloss.store`), so an
interrupted run resumes at the missing chunks; the folder's configuration includes the list of Λ,
so a rerun with other Λ (or any other option) is refused with
:class:`~polyloss.errors.ResumeError`. Each worker process keeps the instance of the Λ it works on
(couplings and the P SGD pieces, below), so memory grows with the number of workers.

Only the start and the end of each descent are recorded (``record_every=None``): the trajectory is
not used, and recording every 10 steps cost about 10% more gradient products.

**Precision** (``precision=``, part of the configuration):

* ``"float64"`` (default): everything in float64.
* ``"float32"``: couplings, pieces, descent and refinement in float32 (half the memory; refinement
  cannot reach ‖P∇L‖ < 1e-10 in float32, so most indices are -1, "not converged").
* ``"mixed"``: the float64 instance is drawn from the seed, its SGD pieces are computed from it in
  float64 and rounded to float32; the descent runs on float32 copies of the couplings and pieces,
  then the end points are evaluated (``energies``, ``grad_norms``), refined and indexed on the
  float64 instance, so refinement reaches 1e-10 as with float64. Memory held: the float64 couplings
  plus float32 copies of the couplings and pieces (at Λ = 500, P = 10: 478 MiB + 11 × 239 MiB ≈
  3.0 GiB, against 11 × 478 MiB ≈ 5.3 GiB in float64); while the pieces are made the peak is that
  of float64 (they are computed in float64, then rounded one at a time).

  Measured effect, float64 against mixed (Λ = 100, H = 3, 100 runs, SGD with the default protocol:
  P = 10, 5000 + 1000 steps, refinement on, seed 0, one torch thread, in this process, on a 2-core
  machine shared with other jobs)::

      OMP_NUM_THREADS=1 python -c "from polyloss.experiments.spinglass_minima import _compare_precisions as c; c(100, 100)"

  - same refined critical point (both converged, |Δu| < 1e-9, same index): 97 of the 100 runs; the
    other 3 converged in neither precision (index -1 in both); index 0 for 96 runs in both;
  - refined energies (the 97 runs): max |Δu| = 1.8e-15, mean 5.5e-16;
  - descent end energies (the float32 end point evaluated on the float64 instance): max |Δu| =
    2.3e-6, mean 1.8e-7;
  - time, building the instance included: mixed 9.0 s, float64 22.6 s, ratio 0.40 (a first
    measurement: 8.7 s / 18.2 s = 0.48).

**Device** (``device=``, checked with :func:`polyloss._device.as_device`, so a device this machine
lacks is refused up front; not part of the run folder's identity, so a run may move between devices,
and each task's device is recorded in ``timing/<key>.json``): couplings, pieces, replicas and every tensor
of the descent, refinement and index stay on it; random numbers (couplings, pieces, starts, noise)
are drawn on the CPU in float64 and moved there, so a seed gives the same instance and starts on
every device, and the results agree with the CPU's up to the rounding of the arithmetic.

Measured cost (2-core machine shared with other jobs, float64, SGD with P = 10, i.e. 5000 + 1000
steps, refinement on, one torch thread, before the change to start-and-end recording):

* small default of the command line, Λ ∈ {25, 50, 100}, 100 runs each: 77 s in all (3.4 s, 11.9 s,
  58.1 s); measured under heavier load than the precision figures above, where the same Λ = 100
  part took 18-23 s.
* paper scale, 1000 runs per Λ, chunks of 200: one step of 200 replicas took 0.19 s at Λ = 250 and
  1.1 s at Λ = 500, one Newton iteration (+ index) 0.06 s and 0.6 s per replica, so about 1.6 h for
  Λ = 250 and 9-10 h for Λ = 500, about 12 h in all; extrapolated from those measurements, not run.
  Memory at Λ = 500: couplings and the 10 SGD pieces, 11 × 478 MiB ≈ 5.3 GiB per process holding the
  instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._device import as_device
from .._random import derive_seed
from .._validate import choice, integer, real
from ..errors import DamagedResultError, InvalidInputError
from ..execution import Plan, Task, cached
from ..mixture import Mixture, as_mixture
from ..store import RunStore, atomic_write_json, folder_lock, read_config

__all__ = ["spinglass_minima", "SpinGlassMinimaResult", "minima_plan", "minima_task", "task_flops", "PRECISIONS"]

EXPERIMENT = "spinglass_minima"
PRECISIONS = ("float64", "float32", "mixed")
_ARRAYS = ("energies", "indices", "refined_energies", "grad_norms", "converged")
NEWTON_ITERATIONS = 3
"""Newton iterations per run assumed by the task cost estimate (after the default protocols most end
points need 0 to 3; a run that does not converge takes ``refine``'s ``max_iter``)."""


def _thresholds(H):
    """(E_0, E_∞) per Λ (Auffinger, Ben Arous and Černý 2013; the paper's Sec. 4) from
    polyloss.numeric.complexity; None for H = 2 (no band). ``H``: an int, or a mixture (its thresholds
    of Auffinger and Ben Arous 2013 where :func:`~polyloss.numeric.complexity.energy_thresholds` gives
    them for it, else None: no band is drawn)."""
    mixture = as_mixture(H, name="H")
    if mixture.is_pure and mixture.degree < 3:  # H = 2 has no band: exactly 2 critical points of each index
        return None, None
    from ..numeric.complexity import energy_thresholds

    if mixture.is_pure:
        t = energy_thresholds(mixture.degree)
    else:
        try:
            t = energy_thresholds(mixture)
        except InvalidInputError:  # thresholds not given for this mixture: no band
            return None, None
    return float(t.E[0]), float(t.E_inf)


def _setting_text(H) -> str:
    """``H = 3``, or ``xi = 2:0.5,3:0.5`` for a mixture (plain text)."""
    return f"H = {H}" if not isinstance(H, Mixture) else f"xi = {H}"


@dataclass
class SpinGlassMinimaResult:
    """Energies per Λ (``u = L/Λ``) and indices of the end points, per Λ.

    ``energies[Λ]``: energy per Λ where each descent ended (runs,); ``indices[Λ]``: index of the
    critical point that Newton refinement reached from it (-1 where it did not converge or refinement
    was off); ``refined_energies[Λ]``, ``grad_norms[Λ]`` (‖P∇L‖ at the descent's end), ``converged[Λ]``.
    ``H``: the int degree of a pure model, or the :class:`~polyloss.mixture.Mixture` of a mixed one.
    ``E_0``, ``E_inf``: thresholds per Λ (Auffinger, Ben Arous and Černý 2013; None where there is no
    band); ``config``;
    ``seconds[Λ]``: time its tasks took, summed (from the run folder's timing records; NaN for a run
    kept in memory); ``folder`` (or None).
    """

    H: int | Mixture
    energies: dict
    indices: dict
    refined_energies: dict
    grad_norms: dict
    converged: dict
    config: dict
    E_0: float | None
    E_inf: float | None
    seconds: dict = field(default_factory=dict)
    folder: Path | None = None

    @property
    def Lambdas(self) -> tuple:
        return tuple(sorted(self.energies))

    def summary(self) -> list[dict]:
        """Per Λ: runs, mean, std, min, max of u; fraction in the band [-E_0, -E_∞]; fraction of index 0."""
        rows = []
        for lam in self.Lambdas:
            u = self.energies[lam]
            band = (np.mean((u >= -self.E_0) & (u <= -self.E_inf)) if self.E_0 is not None
                    else float("nan"))
            rows.append({"Lambda": lam, "runs": int(u.size), "mean": float(u.mean()), "std": float(u.std()),
                         "min": float(u.min()), "max": float(u.max()), "band_fraction": float(band),
                         "minima_fraction": float(np.mean(self.indices[lam] == 0)),
                         "seconds": float(self.seconds.get(lam, float("nan")))})
        return rows

    def __str__(self) -> str:
        head = (f"spin-glass minima, {_setting_text(self.H)}, method {self.config.get('method')}, precision "
                f"{self.config.get('precision', 'float64')}; energies per Lambda u = L/Lambda; band "
                f"[-E_0, -E_inf] = [{-(self.E_0 or float('nan')):.5f}, {-(self.E_inf or float('nan')):.5f}]")
        lines = [head, f"{'Lambda':>7} {'runs':>5} {'mean':>9} {'std':>8} {'min':>9} {'max':>9} "
                       f"{'in band':>8} {'index 0':>8} {'seconds':>8}"]
        for r in self.summary():
            lines.append(f"{r['Lambda']:>7} {r['runs']:>5} {r['mean']:>9.5f} {r['std']:>8.5f} {r['min']:>9.5f} "
                         f"{r['max']:>9.5f} {r['band_fraction']:>8.3f} {r['minima_fraction']:>8.3f} "
                         f"{r['seconds']:>8.1f}")
        return "\n".join(lines)

    #: (key of :meth:`summary`, Markdown column header, format) of the notebook table
    _COLUMNS = (("Lambda", r"$\Lambda$", "d"), ("runs", "runs", "d"), ("mean", "mean $u$", ".5f"),
                ("std", "std", ".5f"), ("min", "min", ".5f"), ("max", "max", ".5f"),
                ("band_fraction", r"in $[-E_0, -E_\infty]$", ".3f"), ("minima_fraction", "index 0", ".3f"),
                ("seconds", "seconds", ".1f"))

    def _repr_markdown_(self) -> str:
        """Jupyter: the setting, then :meth:`summary` as a table (one row per Λ)."""
        from ..display import markdown_escape, markdown_table

        band = (rf"$[-E_0, -E_\infty] = [{-self.E_0:.5f}, {-self.E_inf:.5f}]$" if self.E_0 is not None
                else "no band (H = 2)" if not isinstance(self.H, Mixture) else "no band given for this mixture")
        setting = f"$H = {self.H}$" if not isinstance(self.H, Mixture) else f"$\\xi(x) = {self.H.latex()}$"
        head = (f"Spin-glass minima, {setting}, method {markdown_escape(self.config.get('method'))}, "
                f"precision {markdown_escape(self.config.get('precision', 'float64'))}; energies per "
                rf"$\Lambda$, $u = L/\Lambda$; band {band} (Auffinger, Ben Arous and Černý 2013).")
        rows = [[format(r[key], fmt) for key, _, fmt in self._COLUMNS] for r in self.summary()]
        return head + "\n\n" + markdown_table([h for _, h, _ in self._COLUMNS], rows) + "\n"

    def to_dataframe(self):
        """:meth:`summary` as a pandas DataFrame: index ``Lambda``, columns ``runs``, ``mean``, ``std``,
        ``min``, ``max``, ``band_fraction``, ``minima_fraction``, ``seconds``. Needs pandas
        (``pip install pandas``)."""
        from ..display import dataframe

        rows = self.summary()
        return dataframe([[r[key] for key, _, _ in self._COLUMNS] for r in rows],
                         [key for key, _, _ in self._COLUMNS], index="Lambda")

    @classmethod
    def load(cls, run_folder) -> "SpinGlassMinimaResult":
        """Read every finished Λ (all of its chunks present) of the folder's list of Λ.

        Only the pieces of the stored Λ list are read; per-Λ seconds come from the timing records.
        """
        folder = Path(run_folder)
        config = read_config(folder, what="spinglass_minima run")
        if config.get("experiment") != EXPERIMENT:
            raise InvalidInputError(f"{folder} holds a {config.get('experiment')!r} run, not {EXPERIMENT!r}")
        try:
            lambdas, runs, chunk = list(config["Lambdas"]), int(config["runs"]), int(config["chunk"])
            H = _given(Mixture.from_config(config["H"]))
        except (KeyError, TypeError, ValueError, InvalidInputError) as exc:
            raise DamagedResultError(f"{folder / 'config.json'}: not a spinglass_minima configuration "
                                     f"({type(exc).__name__}: {exc})") from None
        store = RunStore(folder, config, create=False)
        n_chunks = -(-runs // chunk)
        parts = {name: {} for name in _ARRAYS}
        seconds = {}
        for lam in lambdas:
            keys = [_key(lam, c) for c in range(n_chunks)]
            if not all(store.has(k) for k in keys):
                continue
            loaded = [store.load(k, _expect(min(chunk, runs - c * chunk))) for c, k in enumerate(keys)]
            for name in parts:
                parts[name][lam] = np.concatenate([d[name] for d in loaded])
            seconds[lam] = sum(store.seconds(k) for k in keys)
        E_0, E_inf = _thresholds(H)
        return cls(H=H, config=config, E_0=E_0, E_inf=E_inf, seconds=seconds, folder=folder, **parts)


def _given(mixture: Mixture):
    """What a result holds as ``H``: the int degree of a pure model, the Mixture otherwise."""
    return mixture.degree if mixture.is_pure else mixture


def _key(lam: int, chunk: int) -> str:
    return f"Lambda={lam}_chunk={chunk:04d}"


def _expect(n: int) -> dict:
    """The shapes of the arrays of a piece of ``n`` runs: one number per run each."""
    return {name: (n,) for name in _ARRAYS}


def spinglass_minima(Lambdas=(25, 50, 100, 250, 500), H=3, runs=1000, method="sgd", *, seed=0, out=None,
                     progress=True, chunk=200, redraw=False, refine=True, steps=None, lr=None, P=10,
                     full_steps=None, temperature=1.5, precision="float64", device="cpu", threads=1,
                     executor=None, force=False) -> SpinGlassMinimaResult:
    """Energies per Λ of the minima reached from ``runs`` random starts, for each Λ (the paper's spin-glass experiment).

    Paper scale (the defaults): Λ ∈ {25, 50, 100, 250, 500}, H = 3, 1000 runs, SGD. ``H`` may also be a
    mixture ``{p: a_p²}`` (or a :class:`~polyloss.mixture.Mixture`): the mixed spherical spin glass of
    Auffinger and Ben Arous (2013); the configuration then stores ``{"p": a_p², ...}`` under "H". The paper's
    scale takes hours on 2 CPU cores (the Λ = 500 matrix products dominate); ``Lambdas=(25, 50, 100), runs=200`` runs in
    minutes. ``method``/``steps``/``lr``/``P``/``full_steps``/``temperature`` go to
    :func:`~polyloss.numeric.optimisers.descend`; ``refine`` polishes each end point with Newton and
    computes its index (disable to save the Λ³ per run). ``out``: run folder (resumable; None keeps
    results in memory only). ``chunk``: runs per task (the unit of work and of resumption).
    ``redraw``: new couplings per run. ``precision``: "float64", "float32" or "mixed" (module
    docstring). ``device``: torch device of the couplings and replicas ("cpu", "cuda", ...; refused
    when absent). ``threads``: torch threads per task (default 1, whatever the executor; the numbers
    do not depend on it). ``executor``: what runs the tasks (None: this process; an int n: n local
    worker processes; a :class:`~polyloss.execution.LocalWorkers`, a ``concurrent.futures.Executor``,
    a ``dask.distributed.Client`` or a scheduler address). ``progress``: a bar of finished tasks.
    ``force``: a run folder ``out`` of another configuration is started afresh, its old files moved
    into ``<out>/superseded-<time>/`` (nothing is deleted); without it such a folder is refused.
    The folder is locked while the run writes it (:func:`polyloss.store.folder_lock`): a second
    process running into it is refused with :class:`~polyloss.errors.FolderInUseError`.
    """
    if isinstance(Lambdas, (int, np.integer)):
        Lambdas = (Lambdas,)
    Lambdas = tuple(integer("each Lambda", lam, minimum=2) for lam in Lambdas)
    if not Lambdas:
        raise InvalidInputError("Lambdas must list at least one dimension, got ()")
    Lambdas = tuple(sorted(set(Lambdas)))
    mixture = as_mixture(H, name="H")
    H = _given(mixture)
    runs = integer("runs", runs, minimum=1)
    chunk = min(integer("chunk", chunk, minimum=1), runs)
    choice("method", method, ("gd", "sgd", "anneal"))
    P = integer("P", P, minimum=1)
    choice("precision", precision, PRECISIONS)
    if lr is not None:  # checked here, before the run folder exists, not inside every task
        lr = real("lr", lr, minimum=0.0, open_minimum=True)
    temperature = real("temperature", temperature, minimum=0.0)
    if steps is not None:
        steps = integer("steps", steps, minimum=0)
    if full_steps is not None:
        full_steps = integer("full_steps", full_steps, minimum=0)
    device = str(as_device(device))
    _refuse_what_cannot_fit(Lambdas, H, precision, device)
    if out is not None and seed is None and (Path(out) / "config.json").exists():
        seed = read_config(out).get("seed")  # resume a seedless run
    seed = derive_seed(None) if seed is None else integer("seed", seed, minimum=0)

    config = {"experiment": EXPERIMENT, "Lambdas": list(Lambdas), "H": mixture.to_config(), "runs": runs,
              "method": method,
              "seed": seed, "chunk": chunk, "redraw": bool(redraw), "refine": bool(refine), "steps": steps,
              "lr": lr, "P": P, "full_steps": full_steps, "temperature": temperature, "precision": precision,
              "energy_convention": ("per_lambda: u = L/Lambda, L = Lambda^{-(H-1)/2} sum_ordered X w^H"
                                    if mixture.is_pure else
                                    "per_lambda: u = L/Lambda, L = sum_p a_p L_p, L_p = Lambda^{-(p-1)/2} "
                                    "sum_ordered X_p w^p")}
    if out is not None:
        with folder_lock(out):  # from the configuration check to the summary: one writer
            minima_plan(config, out, threads=threads, device=device, force=force).run(executor, progress=progress)
            result = SpinGlassMinimaResult.load(out)
            atomic_write_json(Path(out) / "summary.json", result.summary())
        return result
    pieces = minima_plan(config, None, threads=threads, device=device).run(executor, progress=progress)
    parts = {name: {} for name in _ARRAYS}
    n_chunks = -(-runs // chunk)
    for lam in Lambdas:
        chunks = [pieces[_key(lam, c)] for c in range(n_chunks)]
        for name in parts:
            parts[name][lam] = np.concatenate([a[name] for a in chunks])
    E_0, E_inf = _thresholds(H)
    return SpinGlassMinimaResult(H=H, config=config, E_0=E_0, E_inf=E_inf,
                                 seconds={lam: float("nan") for lam in Lambdas}, **parts)


def _refuse_what_cannot_fit(Lambdas, H, precision: str, device: str) -> None:
    """Refuse, before any folder or task exists, a Λ whose packed couplings alone exceed the device's
    available memory (in float32 when the precision allows it: a bound no run can beat). The tasks keep
    their own, tighter check of everything they allocate."""
    import torch

    from .._device import available_memory_bytes
    from ..errors import SizeLimitError
    from ..numeric.spinglass import coupling_bytes

    dtype = torch.float64 if precision == "float64" else torch.float32
    available = available_memory_bytes(device)
    for lam in Lambdas:
        need = coupling_bytes(lam, H, dtype)
        if need > available:
            raise SizeLimitError(f"Lambda = {lam} ({_setting_text(H)}) needs {need / 2**30:.3g} GiB for its packed "
                                 f"couplings "
                                 f"alone ({dtype}), more than the {available / 2**30:.2f} GiB available on "
                                 f"{device}; use a smaller Lambda")


def minima_plan(config: dict, out=None, *, threads: int | None = 1, device: str = "cpu", force: bool = False) -> Plan:
    """The :class:`~polyloss.execution.Plan` of a configuration made by :func:`spinglass_minima`:
    one task per (Λ, chunk), args ``Lambda, chunk, first_run, runs``, cost in flops (estimated).
    ``device`` is an option of the plan, not part of the run folder's identity: a run started on a
    GPU may be finished on the CPU (each task's device is recorded in ``timing/<key>.json``)."""
    runs, chunk = config["runs"], config["chunk"]
    tasks = []
    for lam in config["Lambdas"]:
        for c in range(-(-runs // chunk)):
            n = min(chunk, runs - c * chunk)
            tasks.append(Task(_key(lam, c), {"Lambda": lam, "chunk": c, "first_run": c * chunk, "runs": n},
                              cost=task_flops(config, lam, n), expect=_expect(n)))
    return Plan(EXPERIMENT, minima_task, config, tasks, folder=out, threads=threads,
                options={"device": str(as_device(device))}, force=force)


def task_flops(config: dict, Lambda: int, runs: int) -> float:
    """Estimated floating-point operations of one task (``runs`` runs at ``Lambda``).

    Descent: ``(steps + 2) · 2 C(Λ+H-2, H-1) Λ`` per run (one packed gradient product per step, plus
    the start and end records; a mixture sums the products of its degrees). Refinement (when on), per run: :data:`NEWTON_ITERATIONS` iterations of
    a Hessian (``2 Λ² C(Λ+H-3, H-2)``), ``A²`` (``2Λ³``), a Cholesky factorisation (``Λ³/3``) and two
    gradients, then the index (a Hessian and a symmetric eigenvalue problem, about ``9Λ³``). Building
    the instance is not counted.
    """
    from ..numeric.optimisers import descent_steps

    degrees, lam = Mixture.from_config(config["H"]).degrees, Lambda
    grad = sum(2.0 * math.comb(lam + p - 2, p - 1) * lam for p in degrees)
    steps = descent_steps(config["method"], steps=config["steps"], P=config["P"], full_steps=config["full_steps"])
    flops = (steps + 2) * grad
    if config["refine"]:
        hessian = sum(2.0 * lam * lam * math.comb(lam + p - 3, p - 2) for p in degrees if p >= 2)
        newton = hessian + 2.0 * lam**3 + lam**3 / 3 + 2 * grad
        flops += NEWTON_ITERATIONS * newton + hessian + 9.0 * lam**3
    return float(runs * flops)


# ------------------------------------------------------------------------------------------ task
def minima_task(config: dict, task: Task) -> dict:
    """Descend + refine the runs ``first_run .. first_run + runs - 1`` of one Λ; the arrays of the piece.

    Pure: the instance (and its SGD pieces) is rebuilt from ``derive_seed(seed, "couplings", Λ)`` and
    ``derive_seed(seed, "pieces", Λ)`` (cached per process), the starts and the descent's noise come
    from ``derive_seed(seed, "starts" | "descend", Λ, "chunk", c)``; with ``redraw`` each run ``j``
    of the chunk has its own instance from ``(seed, "couplings" | "pieces", Λ, "run", c·10⁶ + j)``.
    """
    lam, c, n = task.args["Lambda"], task.args["chunk"], task.args["runs"]
    ident = (EXPERIMENT, config["seed"], lam, str(Mixture.from_config(config["H"])), config["method"], config["P"],
             config["redraw"],
             config["precision"], config["device"])
    model, pieces, fast = cached(ident, lambda: _instance(config, lam))
    if config["redraw"]:  # each run its own couplings (and pieces): a batch of one per run
        outs = []
        for j in range(n):
            run = c * 10**6 + j
            m = model.resample(derive_seed(config["seed"], "couplings", lam, "run", run))
            p = (m.split(config["P"], seed=derive_seed(config["seed"], "pieces", lam, "run", run),
                         dtype=_descent_dtype(config)) if config["method"] == "sgd" else None)
            outs.append(_descend_refine(config, m, p, _fast(config, m), 1, lam, ("run", run)))
        return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}
    return _descend_refine(config, model, pieces, fast, n, lam, ("chunk", c))


def _descent_dtype(config):
    import torch

    return torch.float64 if config["precision"] == "float64" else torch.float32


def _fast(config, model):
    """The model the descent runs on: a float32 copy for "mixed", the model itself otherwise."""
    return model.astype(_descent_dtype(config)) if config["precision"] == "mixed" else model


def _instance(config, lam):
    """(model for refinement, SGD pieces or None, model for the descent) of Λ, from the seeds."""
    import torch

    from ..numeric.spinglass import SphericalSpinGlass

    seed = config["seed"]
    dtype = torch.float32 if config["precision"] == "float32" else torch.float64
    model = SphericalSpinGlass(lam, Mixture.from_config(config["H"]), seed=derive_seed(seed, "couplings", lam),
                               dtype=dtype,
                               device=config["device"])
    pieces = None
    if config["method"] == "sgd" and not config["redraw"]:
        pieces = model.split(config["P"], seed=derive_seed(seed, "pieces", lam), dtype=_descent_dtype(config))
    return model, pieces, _fast(config, model)


def _descend_refine(config, model, pieces, fast, n, lam, tag):
    from ..numeric.optimisers import descend
    from ..numeric.optimisers import refine as newton

    seed, method = config["seed"], config["method"]
    w0 = fast.random_points(n, seed=derive_seed(seed, "starts", lam, *tag))
    kw = {k: config[k] for k in ("steps", "lr", "P", "full_steps", "temperature") if config[k] is not None}
    if method == "gd":
        kw = {k: kw[k] for k in ("steps", "lr") if k in kw}
    elif method == "sgd":
        kw.pop("temperature", None)
        kw["pieces"] = pieces
    d = descend(fast, w0, method, seed=derive_seed(seed, "descend", lam, *tag), progress=False,
                record_every=None, **kw)
    if fast is model:
        energies, grad_norms = d.energy, d.grad_norms[-1]
    else:  # mixed: the float32 end points, evaluated on the float64 instance
        energies, rgrad = model.energy_and_gradient(d.w)
        grad_norms = rgrad.norm(dim=1)
    energies = energies.double().cpu().numpy()
    grad_norms = grad_norms.double().cpu().numpy()
    if config["refine"]:
        r = newton(model, d.w)
        converged = r.converged.cpu().numpy()
        indices = np.where(converged, r.index.cpu().numpy(), -1)
        refined = r.energy.double().cpu().numpy()
    else:
        converged = np.zeros(n, dtype=bool)
        indices = np.full(n, -1)
        refined = np.full(n, np.nan)
    return {"energies": energies, "indices": indices.astype(np.int64), "refined_energies": refined,
            "grad_norms": grad_norms, "converged": converged}


# ------------------------------------------------------------------------- precision measurement
def _compare_precisions(Lambda=100, runs=100, *, H=3, seed=0, precisions=("float64", "mixed")) -> dict:
    """float64 against another precision on the same seed (the figures of the module docstring).

    Runs :func:`spinglass_minima` in this process with one thread, SGD with the default protocol, and
    prints: the fraction of runs whose refined critical point is the same (both converged,
    |Δu| < 1e-9 and the same index), max and mean |Δu| of the descent end energies and of the
    refined energies, and the time ratio.
    """
    import time

    results, seconds = {}, {}
    for precision in precisions:
        t0 = time.perf_counter()
        results[precision] = spinglass_minima((Lambda,), H=H, runs=runs, chunk=runs, method="sgd", seed=seed,
                                              precision=precision, progress=False)
        seconds[precision] = time.perf_counter() - t0
    a, b = (results[p] for p in precisions)
    du_end = np.abs(a.energies[Lambda] - b.energies[Lambda])
    both = a.converged[Lambda] & b.converged[Lambda]
    du_ref = np.abs(a.refined_energies[Lambda] - b.refined_energies[Lambda])
    same = both & (du_ref < 1e-9) & (a.indices[Lambda] == b.indices[Lambda])
    figures = {"same_critical_point": float(same.mean()), "both_converged": float(both.mean()),
               "converged": {p: float(results[p].converged[Lambda].mean()) for p in precisions},
               "same_index_among_both_converged": float((a.indices[Lambda] == b.indices[Lambda])[both].mean()),
               "index_0": {p: float((results[p].indices[Lambda] == 0).mean()) for p in precisions},
               "end_du_max": float(du_end.max()), "end_du_mean": float(du_end.mean()),
               "refined_du_max": float(du_ref[both].max()) if both.any() else float("nan"),
               "refined_du_mean": float(du_ref[both].mean()) if both.any() else float("nan"),
               "seconds": seconds, "time_ratio": seconds[precisions[1]] / seconds[precisions[0]]}
    print(figures)
    return figures
