"""Optimisers on the sphere ‖w‖² = Λ, batched over replicas and seeded (the descents of the paper's
spin-glass experiment, Choromanska et al. 2015, experiments section [section number unverified]; SGD
on the spherical spin glass as studied by Sagun et al. 2014, whose protocol the paper's experiment
follows [unverified]).

Every step is a tangent step followed by the retraction ``R(v) = √Λ v/‖v‖``:

* ``"gd"``: ``w ← R(w - γ_t P∇L(w))`` (``P = I - w wᵀ/Λ``), γ constant or a function of the step t.
* ``"sgd"``: the authors' algorithm without its defects. The couplings are split into P Gaussian pieces
  of variance 1/P that sum to the model's (:meth:`SphericalSpinGlass.split`); step t = 1..500P uses
  piece ``1 + (t mod P)`` with ``γ_t = 0.3/(1 + 0.0015 t)``; then 1000 full-gradient steps with
  ``γ_k = 0.2/(1 + 0.0015 k)``. Gradients are exact (no accumulation), the couplings symmetric,
  and no division by w_i.
* ``"anneal"``: Langevin dynamics on the sphere with linear cooling,
  ``w ← R(w - γ P∇L + √(2γT_t) Pξ)``, ``T_t = T_0 (1 - t/steps)``, ξ ~ N(0, I), followed by
  ``full_steps`` plain gradient steps at T = 0. (Langevin rather than Metropolis: one batched matrix
  product per step serves every replica.)

:func:`refine` polishes end points to critical points with safeguarded Riemannian Newton steps and
reports which converged (‖P∇L‖ < tol) and their index from the exact tangent Hessian.

Pure and mixed models alike (:class:`~polyloss.numeric.spinglass.SphericalSpinGlass` with ``H`` an int or
a mixture ``{p: a_p²}``): the steps use only the model's gradient, Hessian and retraction, and SGD's
pieces split every degree of a mixture (:meth:`SphericalSpinGlass.split`).

Devices and precision: every tensor of the computation stays on the model's device and in its
dtype (the replicas are converted to them on entry); the Langevin noise is drawn on the CPU in float64 from a seeded
generator and then moved, so a seed gives the same noise on every device. A float32 model (or
float32 pieces) runs the descent in float32; refine a float32 end point on the float64 model built
from the same seed to reach ‖P∇L‖ < 1e-10 (``precision="mixed"`` of
:func:`polyloss.experiments.spinglass_minima.spinglass_minima`).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import torch

from .._random import derive_seed
from .._validate import choice, integer, real
from ..errors import InvalidInputError

__all__ = ["descend", "refine", "Descent", "Refinement", "sgd_schedule", "descent_steps", "MAX_STEPS",
           "MAX_ITER"]

#: most gradient steps one phase of :func:`descend` takes (a call never runs for ever: 10^8 steps of the
#: smallest model already take about an hour)
MAX_STEPS = 100_000_000
#: most Newton iterations of :func:`refine`
MAX_ITER = 100_000


@dataclass
class Descent:
    """End points and trajectories of :func:`descend`.

    ``w`` (B, Λ) end points; ``steps`` (T,) the recorded step numbers; ``energies`` (T, B) energy per
    Λ, u = L/Λ, and ``grad_norms`` (T, B) ‖P∇L‖ of the *full* model at those steps; ``method``.
    """

    w: torch.Tensor
    steps: torch.Tensor
    energies: torch.Tensor
    grad_norms: torch.Tensor
    method: str

    @property
    def energy(self) -> torch.Tensor:
        """Final energy per Λ, (B,)."""
        return self.energies[-1]


@dataclass
class Refinement:
    """Result of :func:`refine`: points ``w`` (B, Λ), ``converged`` (B,) bool (‖P∇L‖ < tol),
    ``grad_norm`` (B,), ``iterations`` (B,), ``energy`` per Λ (B,) and ``index`` (B,) int64."""

    w: torch.Tensor
    converged: torch.Tensor
    grad_norm: torch.Tensor
    iterations: torch.Tensor
    energy: torch.Tensor
    index: torch.Tensor


def sgd_schedule(t, base: float, decay: float = 0.0015) -> float:
    """The authors' step size ``base / (1 + decay t)`` (their code ``sgd.lua``; the paper's experiments section).

    ``t`` a step number >= 0, ``base`` > 0 and ``decay`` >= 0 finite reals (checked; the descent's own
    loop uses the unchecked :func:`_sgd_rate`).
    """
    t = real("t", t, minimum=0.0)
    base = real("base", base, minimum=0.0, open_minimum=True)
    decay = real("decay", decay, minimum=0.0)
    return _sgd_rate(t, base, decay)


def _sgd_rate(t, base: float, decay: float = 0.0015) -> float:
    return base / (1.0 + decay * t)


def descent_steps(method: str, *, steps=None, P: int = 10, full_steps=None) -> int:
    """Gradient steps :func:`descend` takes with these options, all phases together (its defaults:
    gd 1000; sgd 500P + 1000 full-gradient steps; anneal 2000 + 200)."""
    from .spinglass import MAX_PIECES

    choice("method", method, ("gd", "sgd", "anneal"))
    P = integer("P", P, minimum=1, maximum=MAX_PIECES)
    if steps is None:
        steps = {"gd": 1000, "sgd": 500 * P, "anneal": 2000}[method]
    steps = integer("steps", steps, minimum=0, maximum=MAX_STEPS)
    if method == "gd":
        return steps
    if full_steps is None:
        full_steps = {"sgd": 1000, "anneal": 200}[method]
    return steps + integer("full_steps", full_steps, minimum=0, maximum=MAX_STEPS)


def descend(model, w0, method: str = "gd", *, steps=None, lr=None, seed=None, progress=None,
            record_every: int | None = 10, P: int = 10, full_steps=None, temperature: float = 1.5,
            pieces=None) -> Descent:
    """Run ``method`` ("gd" | "sgd" | "anneal") from ``w0`` (B, Λ) (projected to the sphere first).

    steps: gradient steps (gd: 1000; sgd: 500P stochastic steps; anneal: 2000 Langevin steps).
    lr: a float or a function ``t -> γ_t`` (gd: 0.1; sgd: 0.3/(1+0.0015t); anneal: 0.05).
    full_steps: final full-gradient steps (sgd: 1000 with 0.2/(1+0.0015k); anneal: 200 with lr).
    P: number of coupling pieces for sgd (the authors' P; [open], default 10). ``pieces``: reuse a
    list from ``model.split(P)`` (e.g. shared by all runs of an experiment).
    temperature: T_0 of the annealing schedule, in units of L (E[L(w)²] = Λ).
    seed: None | int, for the SGD pieces and the Langevin noise. progress: tqdm bar on stderr
    (None: only when stderr is a terminal). record_every: trajectory sampling period in steps (each
    record is one more gradient product of the full model); None records only the start and the end,
    with the same end point and end values as any other period.

    Checked once, before the first step: ``w0`` (real, finite, no zero row: InvalidInputError naming
    it), the counts (``steps`` and ``full_steps`` at most :data:`MAX_STEPS`, ``P`` at most
    :data:`~polyloss.numeric.spinglass.MAX_PIECES`) and ``lr``; the steps themselves check nothing.
    If the end point or the recorded values are not finite (a step size too large for float arithmetic,
    or an ``lr`` function that returned NaN), the call raises InvalidInputError saying where the
    values first stopped being finite, instead of returning them.
    """
    model = _check_model(model)
    choice("method", method, ("gd", "sgd", "anneal"))
    if record_every is not None:
        record_every = integer("record_every", record_every, minimum=1)
    w, single = model._as_batch(w0, "w0")
    if single:
        raise InvalidInputError(f"w0 must be a batch of shape (B, {model.Lambda}); got one point of shape "
                                f"{tuple(w.shape[1:])}: use w0[None]")
    w = model._proj(w)
    seed = derive_seed(None) if seed is None else integer("seed", seed, minimum=0)
    if method == "gd":
        steps = 1000 if steps is None else integer("steps", steps, minimum=0, maximum=MAX_STEPS)
        phases = [(steps, _schedule(lr, 0.1), [model], 0.0)]
    elif method == "sgd":
        from .spinglass import MAX_PIECES

        P = integer("P (the number of coupling pieces)", P, minimum=1, maximum=MAX_PIECES)
        steps = 500 * P if steps is None else integer("steps", steps, minimum=0, maximum=MAX_STEPS)
        full_steps = 1000 if full_steps is None else integer("full_steps", full_steps, minimum=0, maximum=MAX_STEPS)
        if pieces is None:
            pieces = model.split(P, seed=derive_seed(seed, "pieces"))
        else:
            pieces = _check_pieces(pieces, model, P)
        phases = [(steps, _schedule(lr, lambda t: _sgd_rate(t, 0.3)), pieces, 0.0),
                  (full_steps, lambda k: _sgd_rate(k, 0.2), [model], 0.0)]
    else:
        steps = 2000 if steps is None else integer("steps", steps, minimum=0, maximum=MAX_STEPS)
        full_steps = 200 if full_steps is None else integer("full_steps", full_steps, minimum=0, maximum=MAX_STEPS)
        T0 = real("temperature", temperature, minimum=0.0)
        sched = _schedule(lr, 0.05)
        phases = [(steps, sched, [model], T0), (full_steps, sched, [model], 0.0)]

    gen = torch.Generator().manual_seed(derive_seed(seed, "noise"))
    rec_steps, rec_u, rec_g = [], [], []

    def record(t, w):
        u, g = model._energy_grad(w)
        rec_steps.append(t)
        rec_u.append(u)
        rec_g.append(g.norm(dim=1))

    total = sum(p[0] for p in phases)
    bar = _progress(total, progress, f"{method} Λ={model.Lambda} B={w.shape[0]}")
    t_global = 0
    record(0, w)
    for n_steps, gamma, models, T0 in phases:
        for t in range(1, n_steps + 1):
            piece = models[t % len(models)]
            g = piece._rgrad(w)
            step = gamma(t)
            v = w - step * g
            if T0 > 0:
                T = T0 * (1.0 - t / n_steps)
                xi = torch.randn(w.shape, generator=gen, dtype=torch.float64).to(dtype=w.dtype, device=w.device)
                xi = xi - w * ((w * xi).sum(1) / (w * w).sum(1))[:, None]
                v = v + math.sqrt(2.0 * step * T) * xi
            w = model._proj(v)
            t_global += 1
            if record_every is not None and t_global % record_every == 0:
                record(t_global, w)
            if bar is not None:
                bar.update(1)
    if rec_steps[-1] != t_global:
        record(t_global, w)
    if bar is not None:
        bar.close()
    energies, grad_norms = torch.stack(rec_u), torch.stack(rec_g)
    _check_finite_result(method, w, rec_steps, energies, grad_norms)
    return Descent(w=w, steps=torch.tensor(rec_steps), energies=energies, grad_norms=grad_norms, method=method)


def refine(model, w, *, tol: float = 1e-10, max_iter: int = 100, max_step: float = 1.0,
           chunk: int | None = None) -> Refinement:
    """Riemannian Newton (Levenberg–Marquardt safeguarded) to a nearby critical point, then its index.

    Solves ``grad(w) = P∇L(w) = 0`` with the Riemannian Hessian A (ambient form; it annihilates w) as
    Jacobian: step ``η = -(A² + μI + nnᵀ)⁻¹ A grad`` (n = w/‖w‖; tangent, as A grad is), capped at ``max_step``, then the
    retraction. A step is kept only if it lowers ‖grad‖ (then μ ← μ/10, else μ ← 4μ), so near-degenerate
    end points (a tiny Hessian eigenvalue) do not send Newton wandering; as μ → 0 it is Newton's
    ``η = -A⁻¹ grad`` with quadratic convergence. Stops per replica at ‖grad‖ < ``tol`` (float64 model).
    The index is the number of negative eigenvalues of the tangent Hessian at the result. Work is done
    in chunks of replicas (``chunk`` · Λ² floats). ``w`` is checked once (real, finite, no zero row);
    ``max_iter`` is at most :data:`MAX_ITER`.
    """
    model = _check_model(model)
    tol = real("tol", tol, minimum=0.0, open_minimum=True)
    max_iter = integer("max_iter", max_iter, minimum=0, maximum=MAX_ITER)
    max_step = real("max_step", max_step, minimum=0.0, open_minimum=True)
    w, single = model._as_batch(w)
    w = model._proj(w)
    Lam = model.Lambda
    if chunk is None:
        chunk = max(1, (1 << 27) // (Lam * Lam * 8))
    else:
        chunk = integer("chunk", chunk, minimum=1)
    model._check_hessian_size("refine's Hessians", min(chunk, w.shape[0]), 8)
    gnorm = model._rgrad(w).norm(dim=1)
    mu = torch.full_like(gnorm, 1e-4)
    iters = torch.zeros(w.shape[0], dtype=torch.int64, device=w.device)
    eye = torch.eye(Lam, dtype=w.dtype, device=w.device)
    for _ in range(max_iter):
        todo = torch.nonzero(gnorm >= tol).flatten()
        if todo.numel() == 0:
            break
        for start in range(0, todo.numel(), chunk):
            idx = todo[start:start + chunk]
            x = w[idx]
            g = model._rgrad(x)
            A = model._hess(x, "ambient")
            Ag = torch.einsum("bij,bj->bi", A, g)
            # A² + μI is symmetric positive definite: Cholesky (batched LU solve with 2 threads fails
            # for Λ ≳ 250 in torch 2.13 CPU, 'Pivots given to lu_solve must all be >= 1')
            n = x / x.norm(dim=1, keepdim=True)  # A n = 0: n nᵀ keeps the normal block at 1, not μ
            chol, info = torch.linalg.cholesky_ex(A @ A + mu[idx, None, None] * eye + n[:, :, None] * n[:, None, :])
            eta = -torch.cholesky_solve(Ag.unsqueeze(-1), chol).squeeze(-1)
            eta = torch.where((info == 0)[:, None] & torch.isfinite(eta), eta, torch.zeros_like(eta))
            eta = eta * torch.clamp(max_step / eta.norm(dim=1, keepdim=True), max=1.0)
            x_new = model._proj(x + eta)
            g_new = model._rgrad(x_new).norm(dim=1)
            accept = g_new < gnorm[idx]
            w[idx[accept]] = x_new[accept]
            gnorm[idx[accept]] = g_new[accept]
            mu[idx] = torch.where(accept, torch.clamp(mu[idx] / 10, min=1e-30), mu[idx] * 4)
            iters[idx] += 1
    converged = gnorm < tol
    index = torch.cat([model._index(w[s:s + chunk]) for s in range(0, w.shape[0], chunk)])
    res = Refinement(w=w, converged=converged, grad_norm=gnorm, iterations=iters, energy=model._ham(w) / Lam,
                     index=index)
    if single:
        res = Refinement(*(getattr(res, f)[0] for f in ("w", "converged", "grad_norm", "iterations", "energy",
                                                         "index")))
    return res


def _check_model(model):
    from .spinglass import SphericalSpinGlass

    if not isinstance(model, SphericalSpinGlass):
        raise InvalidInputError(f"model must be a SphericalSpinGlass, got {_short(model)}")
    return model


def _check_pieces(pieces, model, P: int) -> list:
    from .spinglass import SphericalSpinGlass

    if isinstance(pieces, (str, bytes)) or not hasattr(pieces, "__len__"):
        raise InvalidInputError(f"pieces must be a list of P={P} models from model.split(P), got {_short(pieces)}")
    pieces = list(pieces)
    if len(pieces) != P:
        raise InvalidInputError(f"pieces has {len(pieces)} models but P={P}")
    for i, piece in enumerate(pieces):
        if not isinstance(piece, SphericalSpinGlass) or (piece.Lambda, piece.mixture) != (model.Lambda, model.mixture):
            raise InvalidInputError(f"pieces[{i}] must be a SphericalSpinGlass with Lambda={model.Lambda}, "
                                    f"H={model.mixture} (from model.split(P)), got {_short(piece)}")
    return pieces


def _check_finite_result(method, w, rec_steps, energies, grad_norms) -> None:
    """Refuse to return a descent whose end point or records are not finite (one check, after the loop)."""
    if bool(torch.isfinite(w).all() & torch.isfinite(energies).all() & torch.isfinite(grad_norms).all()):
        return
    bad = ~(torch.isfinite(energies) & torch.isfinite(grad_norms)).all(dim=1)
    first = (f"from the recorded step {rec_steps[int(torch.nonzero(bad)[0, 0])]} on" if bool(bad.any())
             else "at the end point")
    raise InvalidInputError(f"{method} descent: the iterates stopped being finite numbers {first} (NaN or inf): "
                            "the step size lr is too large for float arithmetic, or an lr function returned "
                            "NaN/inf; use a smaller lr")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _schedule(lr, default):
    if lr is None:
        lr = default
    if callable(lr):
        return lr
    value = real("lr", lr, minimum=0.0, open_minimum=True)
    return lambda t: value


def _progress(total, progress, desc):
    if progress is False or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=None if progress is None else False,
                mininterval=1.0, leave=False)
