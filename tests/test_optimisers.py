"""Optimisers on the sphere: invariants (constraint, monotone energy), the authors' SGD schedule,
Newton refinement to critical points (gradient < 1e-10, index of a refined minimum = 0), seeding."""

from __future__ import annotations

import math

import pytest
import torch

from polyloss.errors import InvalidInputError
from polyloss.numeric.optimisers import descend, descent_steps, refine, sgd_schedule
from polyloss.numeric.spinglass import SphericalSpinGlass


@pytest.fixture(scope="module")
def model():
    return SphericalSpinGlass(15, 3, seed=4)


@pytest.mark.parametrize("method", ["gd", "sgd", "anneal"])
def test_constraint_held_and_seed_reproduces(model, method):
    w0 = model.random_points(6, seed=1)
    kw = dict(steps=40, full_steps=10, P=3) if method != "gd" else dict(steps=40)
    a = descend(model, w0, method, seed=7, progress=False, **kw)
    b = descend(model, w0, method, seed=7, progress=False, **kw)
    torch.testing.assert_close((a.w * a.w).sum(1), torch.full((6,), 15.0, dtype=torch.float64))
    assert torch.equal(a.w, b.w) and torch.equal(a.energies, b.energies)
    assert a.energies.shape == a.grad_norms.shape == (len(a.steps), 6)
    torch.testing.assert_close(a.energies[-1], model.energy(a.w))
    torch.testing.assert_close(a.energies[0], model.energy(w0))


def test_energy_non_increasing_under_small_step_gd(model):
    d = descend(model, model.random_points(8, seed=2), "gd", steps=150, lr=0.01, record_every=1,
                progress=False)
    assert (d.energies[1:] - d.energies[:-1]).max() <= 1e-13
    assert (d.energies[-1] < d.energies[0]).all()


def test_sgd_with_one_piece_is_gd_with_the_authors_schedule(model):
    """P = 1: the only piece is the model itself, so SGD = GD with γ_t = 0.3/(1+0.0015t) then 0.2/(1+0.0015k)."""
    w0 = model.random_points(3, seed=5)
    sgd = descend(model, w0, "sgd", P=1, steps=30, full_steps=20, seed=1, progress=False)
    w = model.project(w0)
    for t in range(1, 31):
        w = model.project(w - 0.3 / (1 + 0.0015 * t) * model.gradient(w))
    for k in range(1, 21):
        w = model.project(w - 0.2 / (1 + 0.0015 * k) * model.gradient(w))
    torch.testing.assert_close(sgd.w, w, rtol=1e-12, atol=1e-12)
    assert sgd_schedule(1000, 0.3) == pytest.approx(0.3 / 2.5)


def test_sgd_cycles_through_the_pieces(model):
    pieces = model.split(3, seed=2)
    w0 = model.random_points(2, seed=6)
    d = descend(model, w0, "sgd", P=3, pieces=pieces, steps=4, full_steps=0, progress=False)
    w = model.project(w0)
    for t in range(1, 5):  # piece 1 + (t mod P) in the authors' 1-based numbering
        w = model.project(w - 0.3 / (1 + 0.0015 * t) * pieces[t % 3].gradient(w))
    torch.testing.assert_close(d.w, w, rtol=1e-12, atol=1e-12)


def test_refined_gd_end_points_are_minima(model):
    d = descend(model, model.random_points(5, seed=3), "gd", steps=400, lr=0.1, progress=False)
    r = refine(model, d.w)
    assert r.converged.all() and (r.grad_norm < 1e-10).all()
    assert (model.gradient(r.w).norm(dim=1) < 1e-10).all()
    assert r.index.tolist() == [0] * 5
    # independent check of minimality: the tangent Hessian's smallest eigenvalue is positive
    assert (torch.linalg.eigvalsh(model.hessian(r.w))[:, 0] > 0).all()
    torch.testing.assert_close(r.energy, d.energy, rtol=1e-3, atol=1e-3)


def test_refine_finds_saddles_of_H2_with_their_index():
    """H = 2: critical points are the eigenvectors of S; Newton from a perturbed eigenvector k returns to it."""
    model = SphericalSpinGlass(8, 2, seed=3)
    lam, V = torch.linalg.eigh(model.dense_couplings())
    w = math.sqrt(8) * V.T + 0.05 * torch.randn(8, 8, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    r = refine(model, w)
    assert r.converged.all()
    assert r.index.tolist() == list(range(8))
    torch.testing.assert_close(r.energy, 8**-0.5 * lam, rtol=1e-9, atol=1e-9)  # u = L/Λ = Λ^{-1/2} λ_k


def test_annealing_reaches_lower_energy_than_its_start(model):
    w0 = model.random_points(4, seed=9)
    d = descend(model, w0, "anneal", steps=200, full_steps=100, temperature=1.0, seed=2, progress=False)
    assert (d.energy < model.energy(w0)).all()
    assert d.grad_norms[-1].max() < 0.5


def test_bad_input(model):
    with pytest.raises(InvalidInputError, match="method must be one of 'gd', 'sgd', 'anneal'; got 'adam'"):
        descend(model, model.random_points(2, seed=0), "adam")
    with pytest.raises(InvalidInputError, match=r"w0 must be a batch of shape \(B, 15\)"):
        descend(model, torch.ones(15))
    with pytest.raises(InvalidInputError, match="lr must be > 0"):
        descend(model, model.random_points(2, seed=0), lr=-1.0)


def test_refine_reports_what_did_not_converge(model):
    w = model.random_points(3, seed=8)
    r = refine(model, w, max_iter=0)
    assert not r.converged.any() and (r.iterations == 0).all()
    torch.testing.assert_close(r.grad_norm, model.gradient(w).norm(dim=1))
    one = refine(model, descend(model, w, "gd", steps=300, progress=False).w[0])
    assert one.w.shape == (15,) and bool(one.converged) and int(one.index) == 0


@pytest.mark.parametrize("method,kw", [("gd", dict(steps=23)), ("sgd", dict(steps=12, full_steps=7, P=3)),
                                       ("anneal", dict(steps=9, full_steps=4))])
def test_recording_only_start_and_end_changes_nothing_else(model, method, kw):
    """record_every=None: steps [0, total]; end point and end values bit for bit those of record_every=1,
    whose record count gives the total number of steps (counted, against descent_steps)."""
    w0 = model.random_points(3, seed=4)
    every = descend(model, w0, method, seed=3, progress=False, record_every=1, **kw)
    ends = descend(model, w0, method, seed=3, progress=False, record_every=None, **kw)
    total = len(every.steps) - 1
    assert every.steps.tolist() == list(range(total + 1)) and total == descent_steps(method, **kw)
    assert ends.steps.tolist() == [0, total]
    assert torch.equal(ends.w, every.w)
    assert torch.equal(ends.energies, every.energies[[0, -1]])
    assert torch.equal(ends.grad_norms, every.grad_norms[[0, -1]])


def test_descent_steps_defaults():
    assert descent_steps("gd") == 1000 and descent_steps("sgd", P=10) == 5000 + 1000
    assert descent_steps("anneal") == 2200 and descent_steps("sgd", P=2, full_steps=0) == 1000


def test_float32_descent_stays_in_float32(model):
    m32 = model.astype(torch.float32)
    d = descend(m32, m32.random_points(2, seed=1), "anneal", steps=10, full_steps=5, seed=1, progress=False)
    assert d.w.dtype == d.energies.dtype == torch.float32
    # the same descent in float64 from the same start and noise: float32 agrees to its rounding
    d64 = descend(model, m32.random_points(2, seed=1).double(), "anneal", steps=10, full_steps=5, seed=1,
                  progress=False)
    torch.testing.assert_close(d.w.double(), d64.w, rtol=1e-4, atol=1e-4)
