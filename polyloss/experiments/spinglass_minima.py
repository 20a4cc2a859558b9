"""The paper's spin-glass experiment (REFERENCE §6, Choromanska et al. 2015, Fig. 2 left).

For each Λ: one instance of the spherical H-spin glass (couplings drawn once and shared by all runs,
as in the paper; ``redraw=True`` draws new couplings per run), ``runs`` random starts on the sphere,
a descent (default: the authors' SGD, :func:`polyloss.numeric.optimisers.descend`), then Riemannian
Newton refinement of each end point to a critical point and its index. The energies per Λ,
``u = L/Λ``, concentrate in the band ``[-E_0, -E_∞]`` as Λ grows.

Results go to a run folder (:class:`~polyloss.store.RunStore`): one ``npz`` + ``json``
pair per chunk of runs per Λ, written atomically; an interrupted run resumes at the first missing
chunk. Seeds: couplings, starts and SGD noise of (Λ, chunk) are derived from ``seed`` with
:func:`~polyloss._random.derive_seed`, so every chunk is reproducible on its own.

Measured cost (2-core machine shared with other jobs, float64, SGD with P = 10, i.e. 5000 + 1000
steps, refinement on, ``threads=1``):

* small default of the command line, Λ ∈ {25, 50, 100}, 100 runs each: 77 s in all (3.4 s, 11.9 s,
  58.1 s); measured.
* paper scale, 1000 runs per Λ, chunks of 200: one step of 200 replicas took 0.19 s at Λ = 250 and
  1.1 s at Λ = 500, one Newton iteration (+ index) 0.06 s and 0.6 s per replica, so about 1.6 h for
  Λ = 250 and 9-10 h for Λ = 500, about 12 h in all; extrapolated from those measurements, not run.
  Memory at Λ = 500: couplings and the 10 SGD pieces, 11 × 478 MiB ≈ 5.3 GiB.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._random import derive_seed
from .._validate import choice, integer
from ..errors import InvalidInputError
from ..store import RunStore, atomic_write_json, read_config

__all__ = ["spinglass_minima", "SpinGlassMinimaResult"]

EXPERIMENT = "spinglass_minima"


def _thresholds(H: int):
    """(E_0, E_∞) per Λ from polyloss.numeric.complexity (REFERENCE §4); E_0 is None for H = 2."""
    if H < 3:  # H = 2 has no band: exactly 2 critical points of each index
        return None, None
    from ..numeric.complexity import energy_thresholds

    t = energy_thresholds(H)
    return float(t.E[0]), float(t.E_inf)


@dataclass
class SpinGlassMinimaResult:
    """Energies per Λ (``u = L/Λ``) and indices of the end points, per Λ.

    ``energies[Λ]``: energy per Λ where each descent ended (runs,); ``indices[Λ]``: index of the
    critical point that Newton refinement reached from it (-1 where it did not converge or refinement
    was off); ``refined_energies[Λ]``, ``grad_norms[Λ]`` (‖P∇L‖ at the descent's end), ``converged[Λ]``.
    ``E_0``, ``E_inf``: thresholds per Λ (REFERENCE §4); ``config``; ``folder`` (or None).
    """

    H: int
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
        head = (f"spin-glass minima, H = {self.H}, method {self.config.get('method')}; energies per Lambda "
                f"u = L/Lambda; band [-E_0, -E_inf] = [{-(self.E_0 or float('nan')):.5f}, "
                f"{-(self.E_inf or float('nan')):.5f}]")
        lines = [head, f"{'Lambda':>7} {'runs':>5} {'mean':>9} {'std':>8} {'min':>9} {'max':>9} "
                       f"{'in band':>8} {'index 0':>8} {'seconds':>8}"]
        for r in self.summary():
            lines.append(f"{r['Lambda']:>7} {r['runs']:>5} {r['mean']:>9.5f} {r['std']:>8.5f} {r['min']:>9.5f} "
                         f"{r['max']:>9.5f} {r['band_fraction']:>8.3f} {r['minima_fraction']:>8.3f} "
                         f"{r['seconds']:>8.1f}")
        return "\n".join(lines)

    @classmethod
    def load(cls, run_folder) -> "SpinGlassMinimaResult":
        """Read every finished Λ (all of its chunks present) from a run folder."""
        folder = Path(run_folder)
        config = read_config(folder, what="spinglass_minima run")
        if config.get("experiment") != EXPERIMENT:
            raise InvalidInputError(f"{folder} holds a {config.get('experiment')!r} run, not {EXPERIMENT!r}")
        store = RunStore(folder, config)
        n_chunks = -(-config["runs"] // config["chunk"])
        lambdas = sorted({int(k.split("_")[0].split("=")[1]) for k in store.keys()})
        parts = {name: {} for name in ("energies", "indices", "refined_energies", "grad_norms", "converged")}
        seconds = {}
        for lam in lambdas:
            keys = [_key(lam, c) for c in range(n_chunks)]
            if not all(store.has(k) for k in keys):
                continue
            loaded = [store.load(k) for k in keys]
            for name in parts:
                parts[name][lam] = np.concatenate([d[name] for d in loaded])
            seconds[lam] = sum(store.meta(k)["seconds"] for k in keys)
        E_0, E_inf = _thresholds(config["H"])
        return cls(H=config["H"], config=config, E_0=E_0, E_inf=E_inf, seconds=seconds, folder=folder, **parts)


def _key(lam: int, chunk: int) -> str:
    return f"Lambda={lam}_chunk={chunk:04d}"


def spinglass_minima(Lambdas=(25, 50, 100, 250, 500), H=3, runs=1000, method="sgd", *, seed=0, out=None,
                     progress=True, chunk=200, redraw=False, refine=True, steps=None, lr=None, P=10,
                     full_steps=None, temperature=1.5, dtype="float64", device="cpu",
                     threads=None) -> SpinGlassMinimaResult:
    """Energies per Λ of the minima reached from ``runs`` random starts, for each Λ (REFERENCE §6).

    Paper scale (the defaults): Λ ∈ {25, 50, 100, 250, 500}, H = 3, 1000 runs, SGD. That takes hours
    on 2 CPU cores (the Λ = 500 matrix products dominate); ``Lambdas=(25, 50, 100), runs=200`` runs in
    minutes. ``method``/``steps``/``lr``/``P``/``full_steps``/``temperature`` go to
    :func:`~polyloss.numeric.optimisers.descend`; ``refine`` polishes each end point with Newton and
    computes its index (disable to save the Λ³ per run). ``out``: run folder (resumable; None keeps
    results in memory only). ``chunk``: runs per saved unit. ``redraw``: new couplings per run.
    ``dtype``: "float64" or "float32" couplings (refinement needs float64 to reach 1e-10).
    ``device``: torch device of the couplings and replicas. ``threads``: torch intra-op threads for the
    duration of the call (restored after; None leaves torch's setting). On a shared machine ``threads=1``
    is much faster for Λ ≤ 100 (small matrix products; measured 4-20x here).
    """
    import torch

    if isinstance(Lambdas, (int, np.integer)):
        Lambdas = (Lambdas,)
    Lambdas = tuple(integer("each Lambda", lam, minimum=2) for lam in Lambdas)
    if not Lambdas:
        raise InvalidInputError("Lambdas must list at least one dimension, got ()")
    H = integer("H", H, minimum=2)
    runs = integer("runs", runs, minimum=1)
    chunk = min(integer("chunk", chunk, minimum=1), runs)
    choice("method", method, ("gd", "sgd", "anneal"))
    P = integer("P", P, minimum=1)
    choice("dtype", dtype, ("float64", "float32"))
    torch_dtype = getattr(torch, dtype)
    if out is not None and seed is None and (Path(out) / "config.json").exists():
        seed = json.loads((Path(out) / "config.json").read_text())["config"]["seed"]  # resume a seedless run
    seed = derive_seed(None) if seed is None else integer("seed", seed, minimum=0)
    config = {"experiment": EXPERIMENT, "H": H, "runs": runs, "method": method, "seed": seed, "chunk": chunk,
              "redraw": bool(redraw), "refine": bool(refine), "steps": steps, "lr": lr, "P": P,
              "full_steps": full_steps, "temperature": temperature, "dtype": dtype,
              "energy_convention": "per_lambda: u = L/Lambda, L = Lambda^{-(H-1)/2} sum_ordered X w^H"}
    store = RunStore(out, config) if out is not None else None
    if threads is not None:
        threads = integer("threads", threads, minimum=1)
    with _torch_threads(threads):
        return _run(Lambdas, H, runs, chunk, method, seed, out, progress, redraw, refine, P, torch_dtype, device,
                    config, store)


def _run(Lambdas, H, runs, chunk, method, seed, out, progress, redraw, refine, P, torch_dtype, device, config,
         store):
    from ..numeric.optimisers import descend
    from ..numeric.optimisers import refine as newton
    from ..numeric.spinglass import SphericalSpinGlass

    options = {k: config[k] for k in ("steps", "lr", "P", "full_steps", "temperature")}
    n_chunks = -(-runs // chunk)
    memory = {}
    bar = _bar(len(Lambdas) * n_chunks, progress)
    for lam in Lambdas:
        model = pieces = None
        for c in range(n_chunks):
            key = _key(lam, c)
            if store is not None and store.has(key):
                if bar is not None:
                    bar.update(1)
                continue
            start = time.perf_counter()
            n = min(chunk, runs - c * chunk)
            if model is None:
                model = SphericalSpinGlass(lam, H, seed=derive_seed(seed, "couplings", lam), dtype=torch_dtype,
                                           device=device)
                if method == "sgd" and not redraw:
                    pieces = model.split(P, seed=derive_seed(seed, "pieces", lam))
            arrays = _chunk(model, pieces, n, lam, c, seed, method, options, redraw, refine, progress,
                            descend, newton)
            seconds = time.perf_counter() - start
            if store is not None:
                store.save(key, arrays, meta={"seconds": seconds, "runs": n, "first_run": c * chunk})
            memory[key] = (arrays, seconds)
            if bar is not None:
                bar.update(1)
        model = pieces = None
    if bar is not None:
        bar.close()
    if store is not None:
        result = SpinGlassMinimaResult.load(out)
        atomic_write_json(Path(out) / "summary.json", result.summary())
        return result
    return _from_memory(memory, Lambdas, n_chunks, H, config)


@contextmanager
def _torch_threads(n):
    import torch

    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _chunk(model, pieces, n, lam, c, seed, method, options, redraw, refine, progress, descend, newton):
    """Descend + refine one chunk of runs; arrays to save."""
    if redraw:  # each run its own couplings (and pieces): a batch of one per run
        outs = []
        for j in range(n):
            run = c * 10**6 + j
            m = model.resample(derive_seed(seed, "couplings", lam, "run", run))
            p = m.split(options["P"], seed=derive_seed(seed, "pieces", lam, "run", run)) if method == "sgd" else None
            outs.append(_descend_refine(m, p, 1, lam, seed, ("run", run), method, options, refine, False,
                                        descend, newton))
        return {k: np.concatenate([o[k] for o in outs]) for k in outs[0]}
    return _descend_refine(model, pieces, n, lam, seed, ("chunk", c), method, options, refine, progress,
                           descend, newton)


def _descend_refine(model, pieces, n, lam, seed, tag, method, options, refine, progress, descend, newton):
    w0 = model.random_points(n, seed=derive_seed(seed, "starts", lam, *tag))
    kw = {k: v for k, v in options.items() if v is not None}
    if method == "gd":
        kw = {k: kw[k] for k in ("steps", "lr") if k in kw}
    elif method == "sgd":
        kw.pop("temperature", None)
        kw["pieces"] = pieces
    d = descend(model, w0, method, seed=derive_seed(seed, "descend", lam, *tag),
                progress=None if progress else False, **kw)
    energies = d.energy.double().cpu().numpy()
    grad_norms = d.grad_norms[-1].double().cpu().numpy()
    if refine:
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


def _from_memory(memory, Lambdas, n_chunks, H, config):
    parts = {name: {} for name in ("energies", "indices", "refined_energies", "grad_norms", "converged")}
    seconds = {}
    for lam in Lambdas:
        chunks = [memory[_key(lam, c)] for c in range(n_chunks)]
        for name in parts:
            parts[name][lam] = np.concatenate([a[name] for a, _ in chunks])
        seconds[lam] = sum(s for _, s in chunks)
    E_0, E_inf = _thresholds(H)
    return SpinGlassMinimaResult(H=H, config=config, E_0=E_0, E_inf=E_inf, seconds=seconds, **parts)


def _bar(total, progress):
    if not progress:
        return None
    import sys

    from tqdm.auto import tqdm

    return tqdm(total=total, desc="spinglass_minima (Lambda, chunk)", file=sys.stderr, mininterval=1.0)
