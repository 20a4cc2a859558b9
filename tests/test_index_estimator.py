"""The Hessian-index estimator from products alone (issue 13, "A biased estimator").

Truth comes from outside the estimator: synthetic operators with a known spectrum (a diagonal, or a
random orthogonal conjugate Q diag(λ) Qᵀ) and the dense Hessian of small trained networks
(``hessian_spectrum``, LAPACK on the exact N×N matrix). Checked: the Chebyshev–Markov–Stieltjes
brackets hold the exact quadratic form of each probe; the interlacing bound never exceeds the count;
the confidence interval covers the count at its stated rate over 40 seeded trials; the estimate at 8
and at 32 probes agrees with the truth within its interval where the bare quadrature average did not;
a crowded spectrum at the cut-off is reported "unresolved"; the exact (eigsh) path equals the count.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from polyloss.errors import InvalidInputError, UnresolvedCountError
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import (
    _lanczos,
    count_below,
    eigsh_count,
    gauss_bracket,
    gauss_rule,
    hessian_index,
    hessian_spectrum,
    lanczos_index,
    normalised_index,
    slq_count,
)
from polyloss.numeric.training import train_replicas


def conjugate(lam, seed):
    """``Q diag(λ) Qᵀ`` with a random orthogonal Q: (matrix, Q)."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(lam.size, lam.size)))
    return (q * lam) @ q.T, q


def network_like(seed=0, n=240):
    """A spectrum shaped like a trained network's: a few separated negative eigenvalues, a crowd of
    tiny ones of both signs around zero, and a positive bulk up to 10."""
    rng = np.random.default_rng(seed)
    return np.concatenate([-np.geomspace(0.05, 1.0, 15), rng.normal(0.0, 1e-4, n - 75),
                           np.geomspace(0.05, 10.0, 60)])


def test_gauss_brackets_hold_the_exact_quadratic_form_of_each_probe():
    lam = network_like(1)
    a, q = conjugate(lam, 1)
    rng = np.random.default_rng(2)
    widths = []
    for trial in range(12):
        v = rng.standard_normal(lam.size)
        u = q.T @ v
        alpha, beta, _ = _lanczos(lambda z: a @ z, lam.size, v, (5, 12, 30)[trial % 3])
        nodes, weights = gauss_rule(alpha, beta)
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        for cut in (-0.5, -0.04, -2e-3, -1e-5, 0.0, 1e-3, 3.0):
            truth = (u[lam < cut] ** 2).sum() / (v @ v)  # vᵀ 1{H < c} v / vᵀv from the known eigenvectors
            lo, point, hi = gauss_bracket(nodes, weights, cut)
            assert lo - 1e-10 <= truth <= hi + 1e-10, (trial, cut, lo, truth, hi)
            assert lo <= point <= hi
            widths.append(hi - lo)
    assert min(widths) < 0.01 < max(widths)  # informative somewhere, wide at the crowd: not vacuous
    # an invariant subspace: four distinct eigenvalues, four steps, the rule *is* the measure
    lam4 = np.repeat([-2.0, -0.5, 1.0, 3.0], 10)
    v = rng.standard_normal(40)
    alpha, beta, beta_next = _lanczos(lambda z: lam4 * z, 40, v, 20)
    assert alpha.size == 4 and beta_next == 0.0
    nodes, weights = gauss_rule(alpha, beta)
    lo, point, hi = gauss_bracket(nodes, weights, -1.0, exact=True)
    assert lo == point == hi == pytest.approx((v[:10] ** 2).sum() / (v @ v), abs=1e-12)


def test_interlacing_never_exceeds_the_count():
    lam = network_like(3)
    a, _ = conjugate(lam, 3)
    for seed in range(10):
        for cut in (0.5, 0.06, 1e-3, 1e-5):
            est = slq_count(lambda z: a @ z, lam.size, absolute=cut, steps=25, probes=2, seed=seed)
            truth = int((lam < -cut).sum())
            assert est.interlacing <= truth and est.interval[0] <= truth
    # and it is not vacuous: the separated eigenvalues are found as Ritz values
    est = slq_count(lambda z: a @ z, lam.size, absolute=0.03, steps=60, probes=2, seed=0)
    assert est.interlacing >= 10


@pytest.mark.parametrize("cut, resolved", [(0.03, True), (0.3, True), (2e-4, False)])
def test_the_interval_covers_the_count_at_its_stated_rate(cut, resolved):
    lam = np.random.default_rng(5).permutation(network_like(5, n=300))
    truth = int((lam < -cut).sum())
    trials, covered, widths = 40, 0, []
    for seed in range(trials):
        est = slq_count(lambda z: lam * z, lam.size, absolute=cut, steps=60, probes=4, confidence=0.9,
                        tolerance=0.1, seed=seed)
        covered += est.interval[0] <= truth <= est.interval[1]
        widths.append(est.interval[1] - est.interval[0])
        assert est.resolved == resolved
    # coverage ≥ 0.9 - a binomial margin: 40 trials at rate exactly 0.9 fall below this with prob. < 1 %
    assert covered >= binom.ppf(0.01, trials, 0.9), covered
    if resolved:
        assert np.median(widths) < 0.08 * lam.size  # a real interval, not 0..N


def test_the_old_bias_is_gone_at_8_and_at_32_probes():
    """The bare quadrature average (the old estimator) on a crowd just above the cut-off: its error
    does not shrink with probes. The new interval holds the truth at both probe counts."""
    lam = network_like(7, n=300)
    a, _ = conjugate(lam, 7)
    truth = int((lam < -1e-3).sum())
    points = {}
    for probes in (8, 32):
        est = slq_count(lambda z: a @ z, lam.size, absolute=1e-3, steps=30, probes=probes, seed=probes)
        assert est.interval[0] <= truth <= est.interval[1], (probes, est, truth)
        points[probes] = est.count
    # the point estimate (the old quadrature average) is off by far more than sampling at 32 probes:
    # a bias, which is why the result carries the bracket and the interval
    assert abs(points[32] - truth) > 3 * np.sqrt(truth * (1 - truth / lam.size) * 2 / 32)
    # the exact path (the default "auto") either certifies the count or leaves the interval standing
    auto = count_below(lambda z: a @ z, lam.size, absolute=1e-3, steps=30, probes=8, seed=1)
    assert auto.count == truth if auto.status == "exact" else auto.interval[0] <= truth <= auto.interval[1]


def test_a_crowded_spectrum_at_the_cut_off_is_unresolved_not_guessed():
    rng = np.random.default_rng(11)
    lam = np.concatenate([-np.linspace(0.2, 1, 10), rng.uniform(-1e-3, 1e-3, 250), np.linspace(0.1, 5, 40)])
    a, _ = conjugate(lam, 11)
    truth = int((lam < -1e-4).sum())
    est = slq_count(lambda z: a @ z, lam.size, absolute=1e-4, steps=40, probes=8, seed=0)
    assert est.status == "unresolved" and "more probes cannot" in est.reason
    assert est.interval[0] <= truth <= est.interval[1]
    assert est.interval[1] - est.interval[0] > 100  # it says how little it knows
    lanczos_only = count_below(lambda z: a @ z, lam.size, absolute=1e-4, method="lanczos", steps=40, seed=0)
    assert lanczos_only.status == "unresolved"
    assert "unresolved" in str(lanczos_only)


@pytest.mark.parametrize("kind, t", [("absolute", 0.03), ("absolute", 2e-3), ("relative", 1e-2)])
def test_the_exact_path_equals_the_count(kind, t):
    lam = np.concatenate([-np.geomspace(0.05, 1.0, 15), -np.geomspace(1e-4, 1e-2, 5), np.geomspace(0.01, 10, 380)])
    a, _ = conjugate(lam, 13)
    truth = int((lam < -t * (np.abs(lam).max() if kind == "relative" else 1.0)).sum())
    est = eigsh_count(lambda z: a @ z, lam.size, **{kind: t}, bound=40, start=4, seed=0,  # k doubles: 4, 8, …
                      max_products=20000)
    assert est.status == "exact" and est.count == truth and est.interval == (truth, truth)
    assert normalised_index(lam, **{kind: t}) == est.index
    small = eigsh_count(lambda z: a[:20, :20] @ z, 20, **{kind: t}, bound=15, start=15)  # too small for ARPACK: dense
    assert small.method == "dense" and small.count == normalised_index(np.linalg.eigvalsh(a[:20, :20]),
                                                                       **{kind: t}) * 20


def test_the_exact_path_says_when_it_cannot_certify_the_count():
    """A crowd just above the count: ARPACK cannot converge the eigenvalue that closes the count within
    its budget, and says so; it never returns the eigenvalues it did find as a count."""
    lam = network_like(13, n=400)
    a, _ = conjugate(lam, 13)
    for kwargs in (dict(max_products=60), dict(maxiter=5)):
        est = eigsh_count(lambda z: a @ z, lam.size, absolute=1e-3, bound=40, seed=0, **kwargs)
        assert est.status == "unresolved" and not est.resolved and est.interval == (0, lam.size)
        assert "budget" in est.reason or "did not converge" in est.reason
    est = eigsh_count(lambda z: a @ z, lam.size, absolute=0.5, bound=3, seed=0)  # 7 below: over the bound
    assert est.status == "unresolved" and "more than 3" in est.reason


def test_relative_cut_off_uses_the_extreme_ritz_value():
    lam = network_like(17)
    a, _ = conjugate(lam, 17)
    est = slq_count(lambda z: a @ z, lam.size, relative=5e-3, steps=40, probes=4, seed=0)
    # max|λ| = 10, bracketed by the extreme Ritz value L and L + r (L can fall short of 10 by a rounding)
    assert est.cut[0] - 1e-12 <= -5e-3 * 10.0 <= est.cut[1] + 1e-12
    truth = int((lam < -5e-2).sum())
    assert est.interval[0] <= truth <= est.interval[1]


def test_bad_arguments_are_refused():
    mv = lambda z: z  # noqa: E731
    for kwargs, match in [(dict(confidence=1.0), "confidence"), (dict(confidence=0), "confidence"),
                          (dict(tolerance=0.0), "tolerance"), (dict(probes=0), "probes"), (dict(steps=1), "steps"),
                          (dict(ceiling=11), "ceiling"), (dict(absolute=float("nan")), "absolute")]:
        kwargs = {"absolute": 0.1, **kwargs}
        with pytest.raises(InvalidInputError, match=match):
            slq_count(mv, 10, **kwargs)
    with pytest.raises(InvalidInputError, match="method"):
        count_below(mv, 10, absolute=0.1, method="guess")
    with pytest.raises(InvalidInputError, match="NaN or inf"):
        slq_count(lambda z: z * np.nan, 10, absolute=0.1)


# ------------------------------------------------------------------------------- trained networks
@pytest.fixture(scope="module")
def networks():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one Hessian-vector product: 4 ms on one thread, 120 ms on two busy cores
    ds = embedded_mnist()
    x, y = ds.x_train[::25].astype(np.float64), ds.y_train[::25]  # 160 images
    nets = []
    for width, seed in ((2, 0), (3, 1), (4, 2)):
        res = train_replicas(width, 1, epochs=10, seed=seed, keep_weights=True, dtype="float64", progress=False)
        nets.append((res.w1[0], res.w2[0]))
    yield nets, x, y
    torch.set_num_threads(threads)


@pytest.mark.parametrize("kind, t", [("relative", 1e-3), ("absolute", 1e-4)])
def test_networks_against_the_dense_index(networks, kind, t):
    nets, x, y = networks
    for w1, w2 in nets:
        eig = hessian_spectrum(w1, w2, x, y)
        dense = normalised_index(eig, **{kind: t})
        assert dense > 0  # there is something to count
        est = lanczos_index(w1, w2, x, y, **{kind: t}, method="lanczos", steps=40, probes=8, seed=1)
        assert est.index_interval[0] <= dense <= est.index_interval[1], (est, dense)
        assert est.interval[1] <= 9 * w1.shape[1]  # the structural ceiling bounds it
        if est.resolved:
            assert hessian_index(w1, w2, x, y, **{kind: t}, method="lanczos", steps=40, probes=8, exact_limit=0,
                                 seed=1) == est.index
        else:
            with pytest.raises(UnresolvedCountError, match="not resolved") as info:
                hessian_index(w1, w2, x, y, **{kind: t}, method="lanczos", steps=40, probes=8, exact_limit=0,
                              seed=1)
            assert info.value.estimate.interval == est.interval and not info.value.estimate.resolved


def test_hessian_index_refuses_to_guess(networks):
    nets, x, y = networks
    w1, w2 = nets[2]
    with pytest.raises(UnresolvedCountError, match="interval"):
        hessian_index(w1, w2, x, y, absolute=1e-6, method="lanczos", steps=4, probes=1, tolerance=1e-3,
                      exact_limit=0, seed=0)
