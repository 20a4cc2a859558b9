"""Numbers from the complexity formulas (polyloss.numeric.complexity).

Oracles: values of E_∞, E_k and Θ computed outside polyloss (a standalone mpmath script at 30 digits:
quadrature of the integral defining I_1, root finding for E_k) from the formulas of Auffinger, Ben Arous
and Černý (2013) as Choromanska et al. (2015), Sec. 4, print them; mpmath at 50 digits of the paper's printed form
(the float64 path compiles a different, rewritten form); the integral definition of I_1 by mpmath
quadrature; sympy evalf and sympy derivatives of the symbolic expressions.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
import torch

import polyloss
from polyloss.errors import InvalidInputError
from polyloss.numeric.complexity import e_infinity, energy_thresholds, theta
from polyloss.symbolic import complexity as sym


# --- values computed independently (see the module docstring) -------------------------------------
def test_reference_values_H3():
    th = energy_thresholds(3, 3, dps=15)
    assert abs(float(th.E_inf) - 1.63299316) < 5e-9
    for got, ref in zip(th.E, (1.65699836, 1.65287320, 1.65025313, 1.64839902)):
        assert abs(float(got) - ref) < 5e-9
    assert abs(theta(-1.70, 3, 0) + 0.030446) < 5e-7
    assert abs(theta(-1.70, 3, 1) + 0.046215) < 5e-7
    assert abs(theta(-1.65, 3, 0) - 0.004254) < 5e-7
    assert abs(theta(-1.0, 3, 4) - 0.01324026) < 5e-9  # ½ log 2 - 1/3 above -E_inf, every k
    assert theta(0.3, 3) == pytest.approx(np.log(2) / 2, rel=1e-15)


def test_reference_values_H4_H5():
    assert abs(e_infinity(4) - 1.732051) < 5e-7 and abs(e_infinity(5) - 1.788854) < 5e-7
    assert abs(float(energy_thresholds(4).E[0]) - 1.794085) < 5e-7
    assert abs(float(energy_thresholds(5).E[0]) - 1.887989) < 5e-7


def test_public_names():
    assert polyloss.theta is theta and polyloss.e_infinity is e_infinity
    assert polyloss.energy_thresholds is energy_thresholds


# --- thresholds ------------------------------------------------------------------------------------
@pytest.mark.parametrize("H", [3, 7, 50])
def test_thresholds_decrease_to_e_infinity(H):
    th = energy_thresholds(H, 30, dps=20)
    values = list(th.E) + [th.E_inf]
    assert all(a > b for a, b in zip(values, values[1:]))
    with mpmath.workdps(30):
        assert abs(th.E_inf - 2 * mpmath.sqrt(mpmath.mpf(H - 1) / H)) < mpmath.mpf(10) ** -19


@pytest.mark.parametrize("H, kk", [(3, 0), (3, 3), (4, 1), (20, 7)])
def test_theta_vanishes_at_e_k_with_the_integral_definition(H, kk):
    """Θ_{k,H}(-E_k) = 0 at 50 digits, with I_1 as the integral ∫ √(z²-2) dz (independent of the code)."""
    e_k = energy_thresholds(H, kk, dps=50).E[kk]
    with mpmath.workdps(60):
        h = mpmath.mpf(H)
        e_inf = 2 * mpmath.sqrt((h - 1) / h)
        i1 = mpmath.quad(lambda z: mpmath.sqrt(z**2 - 2), [-mpmath.sqrt(2) / e_inf * e_k, -mpmath.sqrt(2)])
        value = mpmath.log(h - 1) / 2 - (h - 2) / (4 * (h - 1)) * e_k**2 - (kk + 1) * i1
        assert abs(value) < mpmath.mpf(10) ** -48
        minus_e_k = -e_k
    assert abs(theta(minus_e_k, H, kk, dps=50)) < mpmath.mpf(10) ** -48


def test_thresholds_agree_across_precisions():
    lo, mid, hi = (energy_thresholds(5, 4, dps=d) for d in (15, 30, 60))
    with mpmath.workdps(70):
        for a, b, c in zip(lo.E + (lo.E_inf,), mid.E + (mid.E_inf,), hi.E + (hi.E_inf,)):
            assert abs(a - c) <= 2 * abs(c) * mpmath.mpf(10) ** -15
            assert abs(b - c) <= 2 * abs(c) * mpmath.mpf(10) ** -30


def test_thresholds_print_nicely():
    th = energy_thresholds(3, 1, dps=9)
    assert str(th).splitlines()[1:] == ["     E_∞    1.63299316", "     E_0    1.65699836", "     E_1    1.65287320"]
    assert repr(th).startswith("EnergyThresholds(H=3, dps=9, E_inf=1.63299316")


# --- theta: accuracy, backends, autograd -------------------------------------------------------------
def _points(H, n, rng):
    e_inf, e_0 = e_infinity(H), float(energy_thresholds(H).E[0])
    return np.concatenate([
        rng.uniform(-4, 1, n // 4),                                   # everything
        rng.uniform(-e_0 - 0.2, -e_inf + 0.02, n // 4),               # the band, straddling -E_inf
        rng.uniform(-e_0 - 0.01, -e_inf, n // 4),                     # where Θ_k crosses zero
        -e_inf - rng.uniform(0, 1e-6, n // 8),                        # just below the threshold
        -e_inf * np.exp(rng.uniform(0, np.log(1e6), n - 3 * (n // 4) - n // 8)),  # far below, up to 1e6
    ])


@pytest.mark.parametrize("H", [3, 5, 10])
def test_float64_accuracy_against_50_digit_mpmath(H):
    """10^4 points per H (seed 20251123 + H), 2500 for each of k = None, 0, 1, 5.

    Stated accuracy (module docstring): relative error <= 1e-13 where |Θ| > 1e-3, absolute error
    <= 2e-16 where |Θ| <= 1e-3 (H <= 10; measured 7e-14 and 1.1e-16).
    """
    rng = np.random.default_rng(20251123 + H)
    for kk in (None, 0, 1, 5):
        u = _points(H, 2500, rng)
        got = theta(u, H, kk)
        ref = theta(u, H, kk, dps=50)  # the paper's printed form at 50 (+10 guard) digits
        err = np.array([float(abs(mpmath.mpf(g) - r)) for g, r in zip(got, ref)])
        size = np.abs(ref.astype(float))
        big = size > 1e-3
        assert big.sum() > 2000 and (~big).sum() > 0
        assert (err[big] / size[big]).max() <= 1e-13, (kk, (err[big] / size[big]).max())
        assert err[~big].max() <= 2e-16, (kk, err[~big].max())


def test_backends_agree_with_sympy_evalf():
    pts = [-3.0, -1.7, -1.65, -1.6329931, -1.0, 0.5]
    for kk, f in ((None, sym.theta_formula()), (2, sym.theta_k_formula())):
        subs = {sym.H: 3} if kk is None else {sym.H: 3, sym.k: kk}
        ref = [float(f.expr.subs(subs).subs(sym.u, sympy.Float(v, 30)).evalf(30)) for v in pts]
        np.testing.assert_allclose(theta(np.array(pts), 3, kk), ref, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose([float(v) for v in theta(pts, 3, kk, dps=30)], ref, rtol=1e-15)
        t = theta(torch.tensor(pts, dtype=torch.float64), 3, kk)
        assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
        np.testing.assert_allclose(t.numpy(), ref, rtol=1e-13, atol=1e-16)
        np.testing.assert_allclose(theta(pts, 3, kk, backend="torch").numpy(), ref, rtol=1e-13, atol=1e-16)


def test_torch_autograd_matches_the_sympy_derivative():
    pts = [-2.5, -1.8, -1.7, -1.64, -1.2, -0.3, 0.4]
    for kk, f in ((None, sym.theta_formula()), (0, sym.theta_k_formula()), (3, sym.theta_k_formula())):
        x = torch.tensor(pts, dtype=torch.float64, requires_grad=True)
        theta(x, 3, kk).sum().backward()
        subs = {sym.H: 3} if kk is None else {sym.H: 3, sym.k: kk}
        dexpr = sympy.diff(f.expr.subs(subs), sym.u)
        ref = [float(dexpr.subs(sym.u, sympy.Float(v, 30)).evalf(30)) for v in pts]
        np.testing.assert_allclose(x.grad.numpy(), ref, rtol=1e-12, atol=1e-15)
    # and against the closed-form I_1' (Θ_k' = -(H-2)/(2(H-1)) u - (k+1) I_1'(u) below -E_inf)
    d_i1 = sympy.lambdify((sym.u, sym.H), sym.i1_derivative(), "math")
    x = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)
    theta(x, 3, 2).sum().backward()
    assert x.grad.item() == pytest.approx(-(1 / 4) * -2.0 - 3 * d_i1(-2.0, 3), rel=1e-13)


def test_shapes_scalars_and_straddling_arrays():
    assert isinstance(theta(-1.7, 3, 0), float)
    u = np.linspace(-2, 1, 12).reshape(3, 4)
    out = theta(u, 3, 1)
    assert out.shape == (3, 4) and np.isfinite(out).all()
    assert np.all(out[u >= -e_infinity(3)] == theta(0.0, 3, 1))
    assert isinstance(theta(-1.7, 3, 0, dps=30), mpmath.mpf)
    assert theta(torch.tensor(-1.7, dtype=torch.float64), 3).dim() == 0
    with np.errstate(all="raise"):  # no branch is evaluated outside its domain
        theta(np.linspace(-3, 3, 101), 4, 2)


# --- bad input --------------------------------------------------------------------------------------
def test_bad_input_is_refused_clearly():
    with pytest.raises(InvalidInputError, match="H = 2 is degenerate"):
        theta(-1.7, 2)
    with pytest.raises(InvalidInputError, match="H = 2 is degenerate"):
        energy_thresholds(2)
    with pytest.raises(InvalidInputError, match=r"H .* >= 3, got 1"):
        e_infinity(1)
    with pytest.raises(InvalidInputError, match="integer"):
        theta(-1.7, 3.5)
    with pytest.raises(InvalidInputError, match="k .*got -1"):
        theta(-1.7, 3, -1)
    with pytest.raises(InvalidInputError, match="k .*integer.*1.5"):
        theta(-1.7, 3, 1.5)
    with pytest.raises(InvalidInputError, match="NaN"):
        theta([-1.7, float("nan")], 3)
    with pytest.raises(InvalidInputError, match="NaN"):
        theta(torch.tensor([float("nan")]), 3)
    with pytest.raises(InvalidInputError, match="NaN"):
        theta(float("nan"), 3, dps=20)
    with pytest.raises(InvalidInputError, match=r"dps .*5\.\.1000.*got 4"):
        energy_thresholds(3, dps=4)
    with pytest.raises(InvalidInputError, match=r"dps .*5\.\.1000.*got 1001"):
        theta(-1.7, 3, dps=1001)
    with pytest.raises(InvalidInputError, match=r"kmax .*0\.\.100.*got 101"):
        energy_thresholds(3, 101)
    with pytest.raises(InvalidInputError, match=r"3\.\.50.*got 51"):
        energy_thresholds(51)
    with pytest.raises(InvalidInputError, match="backend"):
        theta(-1.7, 3, backend="jax")
    with pytest.raises(InvalidInputError, match="1e\\+100"):
        theta(-1e120, 3)


# --- the limit of part 2's exact finite-N counts --------------------------------------------------------
def test_finite_N_totals_converge_to_theta():
    """(1/N) log E Crt_N(u) (part 2's exact Kac-Rice density method, independent code) approaches
    Θ_H(u) from below, with a gap of order log(N)/N ((1/N) log E Crt_N -> Θ_H: Auffinger, Ben Arous and
    Černý (2013), Theorem 2.8 [unverified])."""
    from polyloss.numeric.critical_counts import log_critical_points_curve

    u = np.array([-1.75, -1.70, -1.66])
    gaps = [theta(u, 3) - log_critical_points_curve(n, 3, u)["log_per_N"] for n in (50, 200, 800)]
    assert np.all(gaps[0] > gaps[1]) and np.all(gaps[1] > gaps[2]) and np.all(gaps[2] > 0)
    assert np.all(gaps[2] < 0.006)
    scaled = [g * n / np.log(n) for g, n in zip(gaps, (50, 200, 800))]
    assert np.all((scaled[2] > 0.3) & (scaled[2] < scaled[0]) & (scaled[0] < 1.0))


def test_finite_size_figure(tmp_path):
    from polyloss.figures.complexity import finite_size_curves, save_finite_size_convergence

    curves = finite_size_curves(3, sizes=(10, 40), ks=(None, 0), index_sizes=(10,), u=np.linspace(-1.8, -1.6, 9),
                                samples=200, rng=1)
    assert set(curves) == {(None, 10), (None, 40), (0, 10)}
    (png,) = save_finite_size_convergence(tmp_path / "finite.png", curves)
    assert png.read_bytes()[:4] == b"\x89PNG"
