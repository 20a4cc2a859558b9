"""The stages of ``polyloss reproduce``: each runs one part of the paper into ``<out>/<stage>/``
and returns the claims it checked (what the paper says, what was measured, whether they agree).

Scales (see :mod:`polyloss.experiments.reproduce`): ``smoke`` (seconds, for tests), ``default``
(minutes on 2 cores), ``paper`` (the paper's sizes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import LaTeXError
from .reproduce import Claim, Execution, StageResult
from .summary import markdown_table

PAPER = "Choromanska et al. 2015"

# scale -> experiment sizes
SPINGLASS = {
    "smoke": dict(Lambdas=(10, 20), runs=16, chunk=16, steps=500, P=5, full_steps=200),
    "default": dict(Lambdas=(25, 50, 100), runs=100, chunk=50),
    "paper": dict(Lambdas=(25, 50, 100, 250, 500), runs=1000, chunk=200),
}
DERIVATION_WIDTHS = {"smoke": (2, 2, 1), "default": (2, 2, 2, 1), "paper": (2, 2, 2, 1)}


def _verdict(scale: str, value) -> bool | None:
    """Statistical claims are not judged at the smoke scale (a handful of tiny runs)."""
    return None if scale == "smoke" else bool(value)


def _pdf(tex: Path, files: dict, caption: str, out: Path) -> None:
    """Compile ``tex`` and list the PDF; a missing engine is recorded, not fatal to the report."""
    from ..symbolic.latex import compile_pdf

    try:
        pdf = compile_pdf(tex)
        files[caption + " (PDF)"] = str(pdf.relative_to(out))
    except LaTeXError as exc:
        files[caption + " (PDF not compiled: " + str(exc).splitlines()[0] + ")"] = str(tex.relative_to(out))


# --- 1. derivation ---------------------------------------------------------------------------------
def derivation(out: Path, scale: str, seed: int, progress: bool, execution: Execution) -> StageResult:
    import sympy

    from ..symbolic.hamiltonian import derive_hamiltonian
    from ..symbolic.network import ReLUNetwork
    from ..symbolic.paths import path_polynomial

    here = out / "derivation"
    here.mkdir(parents=True, exist_ok=True)
    res = StageResult()

    # Eq. 1 is exact: the path sum equals the network, on random networks and inputs
    rng = np.random.default_rng(seed)
    worst = 0.0
    for widths in [(3, 2, 1), (4, 3, 2, 1), (5, 4, 3, 2, 1), (10, 6, 1)]:
        net = ReLUNetwork(widths)
        poly = path_polynomial(net)
        for _ in range(5):
            W = net.random_weights(rng)
            x = rng.normal(size=(64, widths[0]))
            ref = float(poly.q) * net.forward(W, x)
            err = np.abs(poly.evaluate(W, x) - ref) / np.maximum(np.abs(ref), 1e-300)
            worst = max(worst, float(np.max(np.where(ref != 0, err, np.abs(poly.evaluate(W, x))))))
    res.claims.append(Claim(
        "The network output is exactly the path polynomial Y = q Σ X A Πw (Eq. 1)",
        f"max relative error {worst:.1e} over 20 random networks × 64 inputs (float64)", worst < 1e-12,
        f"{PAPER}, Eq. 1"))

    widths = DERIVATION_WIDTHS[scale]
    d = derive_hamiltonian(widths, loss="absolute")
    tex = d.document().write(here / "derivation.tex")
    res.files["derivation of the spin-glass Hamiltonian (LaTeX)"] = str(tex.relative_to(out))
    _pdf(tex, res.files, "derivation of the spin-glass Hamiltonian", out)
    (here / "derivation.txt").write_text(str(d) + "\n")
    res.files["derivation, plain text"] = str((here / "derivation.txt").relative_to(out))

    cov, w, w2 = d.covariance()
    lam, H = d.Lambda, d.network.H
    dot = sum(a * b for a, b in zip(w, w2))
    exact = sympy.expand(cov - lam * (dot / lam) ** H) == 0
    res.claims.append(Claim(
        "Under the assumptions the loss is a spherical H-spin glass, E[L(w)L(w')] = Λ (w·w'/Λ)^H",
        f"widths {widths}: {len(d.steps)} symbolic steps; covariance derived from the couplings "
        f"{'equals' if exact else 'differs from'} Λ(w·w'/Λ)^H exactly (Λ = {lam}, H = {H})", bool(exact),
        f"{PAPER}, §3; REFERENCE §3"))
    poly = sympy.Poly(d.hamiltonian.expr, *d.weights)
    homogeneous = poly.is_homogeneous and poly.total_degree() == H
    res.claims.append(Claim(
        "The Hamiltonian is a homogeneous polynomial of degree H in the Λ weights",
        f"degree {poly.total_degree()}, homogeneous: {poly.is_homogeneous}", bool(homogeneous),
        f"{PAPER}, §3"))
    res.claims.append(Claim(
        "Both losses reduce to C_1 + C_2 · Hamiltonian (constants do not affect optimisation)",
        f"absolute loss: C_1 = {d.C1}, C_2 = {d.C2}; E_A|Y_t - Y| - (C_1 + C_2 L) expands to 0: "
        f"{d['absolute loss'].changes['reduction exact']}",
        bool(d["absolute loss"].changes["reduction exact"]) and d.C2 != 0, f"{PAPER}, §3"))
    return res


# --- 2. complexity ---------------------------------------------------------------------------------
def complexity(out: Path, scale: str, seed: int, progress: bool, execution: Execution) -> StageResult:
    from ..figures.complexity import complexity_curves
    from ..numeric.complexity import energy_thresholds, theta
    from ..numeric.critical_counts import expected_critical_points
    from ..symbolic.complexity import complexity_document

    here = out / "complexity"
    here.mkdir(parents=True, exist_ok=True)
    res = StageResult()
    t = energy_thresholds(3, kmax=5, dps=30)
    rows = [("E_inf", f"{float(t.E_inf):.8f}", "1.63299316")] + [
        (f"E_{k}", f"{float(e):.8f}", ref) for k, (e, ref) in
        enumerate(zip(t.E, ["1.65699836", "1.65287320", "1.65025313", "1.64839902", "", ""]))]
    res.tables["Energy thresholds, H = 3 (energies per Λ)"] = markdown_table(
        ["threshold", "polyloss (30 digits, shown to 8)", "reference value"], rows)
    ok = abs(float(t.E_inf) - 1.63299316) < 5e-9 and abs(float(t.E[0]) - 1.65699836) < 5e-9
    res.claims.append(Claim(
        "Thresholds for H = 3: E_∞ = 2√(2/3) ≈ 1.63299, ground-state level E_0 ≈ 1.65700",
        f"E_∞ = {float(t.E_inf):.8f}, E_0 = {float(t.E[0]):.8f}", ok, "ABC 2013; REFERENCE §4"))
    E = [float(e) for e in t.E]
    layered = all(a > b for a, b in zip(E, E[1:])) and E[-1] > float(t.E_inf)
    res.claims.append(Claim(
        "Layered structure: E_0 > E_1 > … > E_∞, so (−ΛE_0, −ΛE_1) holds only minima, etc.",
        "E_k for k = 0…5: " + ", ".join(f"{e:.5f}" for e in E), layered, f"{PAPER}, Thm 4.1 / Cor 4.1"))
    band = float(theta(-float(t.E_inf), 3, k=0))
    res.claims.append(Claim(
        "The number of minima in the band grows exponentially: Θ_{0,H}(−E_∞) = ½log(H−1) − (H−2)/H > 0",
        f"Θ_0,3(−E_∞) = {band:.6f}", band > 0, f"{PAPER}, §4"))
    below = float(theta(-1.70, 3, k=1) - theta(-1.70, 3, k=0))
    res.claims.append(Claim(
        "Below −E_∞ minima dominate: (1/Λ) log(E Crt_k / E Crt_0) → −k I_1(u) < 0",
        f"Θ_1,3(−1.70) − Θ_0,3(−1.70) = {below:.6f}", below < 0, f"{PAPER}, §4"))
    # the finite-size totals approach the limit
    sizes = (25, 100, 400) if scale != "smoke" else (25, 100)
    errs = [abs(expected_critical_points(n, 3, u=-1.70).log_per_N - float(theta(-1.70, 3))) for n in sizes]
    res.claims.append(Claim(
        "Finite-Λ mean counts converge to the complexity: (1/N) log E Crt_N(u) → Θ_H(u)",
        "at u = −1.70, |error| " + ", ".join(f"N = {n}: {e:.4f}" for n, e in zip(sizes, errs)),
        all(a > b for a, b in zip(errs, errs[1:])), "ABC 2013, exact finite-N Kac–Rice formula"))
    png = complexity_curves(here / "complexity_H3.png", H=3, kmax=5)[0]
    res.files["Θ_3 and Θ_{k,3}, k = 0…5, with −E_0 and −E_∞ marked (the paper's complexity figure)"] = \
        str(Path(png).relative_to(out))
    from ..figures.complexity import finite_size_convergence, finite_size_curves

    sizes = (10, 25, 50, 100, 200) if scale != "smoke" else (10, 25)
    curves = finite_size_curves(3, sizes=sizes, index_sizes=tuple(n for n in sizes if n <= 100),
                                samples=1000 if scale != "smoke" else 200, rng=seed, executor=execution.executor,
                                threads=execution.threads)
    png = finite_size_convergence(here / "finite_size_convergence.png", curves, H=3)[0]
    res.files["finite-Λ mean counts (1/N) log E Crt_N,k(u) approaching Θ (exact totals; index 0, 1 by "
              "Monte Carlo with standard errors)"] = str(Path(png).relative_to(out))
    tex = complexity_document().write(here / "complexity.tex")
    res.files["complexity formulas and finite-size closed forms (LaTeX)"] = str(tex.relative_to(out))
    _pdf(tex, res.files, "complexity formulas and finite-size closed forms", out)
    return res


# --- 3. spin-glass minima --------------------------------------------------------------------------
def spinglass(out: Path, scale: str, seed: int, progress: bool, execution: Execution) -> StageResult:
    from ..experiments.spinglass_minima import spinglass_minima
    from ..figures.spinglass import minima_histogram

    here = out / "spinglass"
    res = StageResult()
    result = spinglass_minima(H=3, method="sgd", seed=seed, out=here / "run", progress=progress,
                              executor=execution.executor, threads=execution.threads, device=execution.device,
                              **SPINGLASS[scale])
    rows = result.summary()
    res.tables["Minima of the spherical 3-spin glass reached by SGD (energies per Λ)"] = markdown_table(
        ["Λ", "runs", "mean u", "std u", "min u", "max u", "in band [−E_0, −E_∞]", "index 0"],
        [(r["Lambda"], r["runs"], f"{r['mean']:.4f}", f"{r['std']:.4f}", f"{r['min']:.4f}", f"{r['max']:.4f}",
          f"{r['band_fraction']:.2f}", f"{r['minima_fraction']:.2f}") for r in rows])
    _, png = minima_histogram(result, here / "spinglass_minima.png")
    res.files["histograms of the minima's energies per Λ, −E_0 and −E_∞ marked (the paper's left panel)"] = \
        str(Path(png).relative_to(out))
    small, large = rows[0], rows[-1]
    res.claims.append(Claim(
        "The minima's energies concentrate as Λ grows (the spread shrinks)",
        f"std of u: Λ = {small['Lambda']}: {small['std']:.4f} → Λ = {large['Lambda']}: {large['std']:.4f}",
        _verdict(scale, large["std"] < small["std"]), f"{PAPER}, Fig. 2 (left)"))
    gap_small = abs(small["mean"] + result.E_inf)
    gap_large = abs(large["mean"] + result.E_inf)
    res.claims.append(Claim(
        "… near the threshold −E_∞ (the band of the largest number of critical points)",
        f"|mean u + E_∞|: Λ = {small['Lambda']}: {gap_small:.4f} → Λ = {large['Lambda']}: {gap_large:.4f} "
        f"(−E_∞ = {-result.E_inf:.4f}, −E_0 = {-result.E_0:.4f})",
        _verdict(scale, gap_large < gap_small), f"{PAPER}, §5 and Fig. 2"))
    frac = large["minima_fraction"]
    res.claims.append(Claim(
        "The points SGD reaches are local minima (index 0)",
        f"Newton-refined index 0 for {100 * frac:.0f}% of runs at Λ = {large['Lambda']}", _verdict(scale, frac >= 0.9),
        f"{PAPER}, §5"))
    return res


# --- 4. trained networks ---------------------------------------------------------------------------
def networks(out: Path, scale: str, seed: int, progress: bool, execution: Execution) -> StageResult:
    from ..experiments.mnist import MnistExperimentConfig, run_mnist_experiment, write_report
    from ..experiments.spinglass_minima import SpinGlassMinimaResult

    here = out / "networks"
    res = StageResult()
    config = MnistExperimentConfig.preset(scale, seed=seed)
    result = run_mnist_experiment(config, here / "run", progress=progress, executor=execution.executor,
                                  threads=execution.threads, device=execution.device)
    energies = None
    if (out / "spinglass" / "run" / "config.json").exists():
        energies = SpinGlassMinimaResult.load(out / "spinglass" / "run").energies
    for p in write_report(result, here, spinglass_energies=energies):
        p = Path(p)
        if p.suffix == ".png":
            res.files[_CAPTIONS.get(p.stem, p.stem)] = str(p.relative_to(out))
        elif p.suffix in (".tex", ".json"):
            res.files[p.name] = str(p.relative_to(out))
    res.tables["Pearson correlation of train and test loss per width (paper: Table 1)"] = \
        result.correlation_markdown()
    if result.anneal:
        res.tables["Redundancy check: simulated annealing on weights in {−1, 0, 1} against SGD"] = \
            result.redundancy_markdown()
    if result.paths:
        res.tables["The assumptions measured on trained networks"] = result.assumptions_markdown()

    widths = sorted(result.runs)
    var = result.variance()
    res.claims.append(Claim(
        "The test-loss distribution narrows as the network grows (variance falls with width)",
        "test-loss variance " + ", ".join(f"n_1 = {w}: {var[w]:.3g}" for w in widths),
        _verdict(scale, var[widths[-1]] < var[widths[0]]), f"{PAPER}, Fig. 2 (right), §6"))
    corr = result.pearson()
    res.claims.append(Claim(
        "Train and test loss decorrelate as width grows (Table 1: 0.76 at n_1 = 25 … 0.41 at 500)",
        "Pearson r " + ", ".join(f"n_1 = {w}: {corr[w]:.3f}" for w in widths),
        _verdict(scale, corr[widths[-1]] < corr[widths[0]]), f"{PAPER}, Table 1"))
    if result.index:
        w, idx = next(iter(result.index.items()))
        idx = np.asarray(idx, dtype=float)
        res.claims.append(Claim(
            "Solutions found by SGD have a small normalised Hessian index (≈ 0.01 or less)",
            f"n_1 = {w}: mean normalised index {idx.mean():.4f}, max {idx.max():.4f} ({idx.size} networks"
            f"{', trained ' + str(config.epochs) + ' epochs; the paper trains 200' if config.epochs < 200 else ''})",
            _verdict(scale, idx.mean() <= 0.02), f"{PAPER}, §6"))
    if result.anneal:
        a = np.asarray(result.anneal["test_accuracy"]).mean()
        s = np.asarray(result.anneal["sgd_test_accuracy"]).mean()
        res.claims.append(Claim(
            "Weights restricted to 3 values (simulated annealing) lose less than 2.5% accuracy; SGD does "
            "at least as well",
            f"SA test accuracy {a:.4f}, SGD {s:.4f}, loss {100 * (s - a):+.2f} points",
            None if scale == "smoke" else bool(s - a < 0.025), f"{PAPER}, §6"))
    return res


_CAPTIONS = {
    "test_loss_distributions": "test-loss distributions per width beside the spin-glass minima (the paper's right panel)",
    "test_loss_variance": "variance of the test loss against width",
    "train_vs_test_loss": "train against test loss per width (Table 1's correlations)",
    "hessian_index": "normalised Hessian index of the solutions",
}
