"""``polyloss complexity``: the energy thresholds E_inf, E_0 … E_kmax of the H-spin glass (or, with ``--xi``,
of a mixed spherical spin glass, with E'_inf, the criterion and the scenario), the complexity figure and a
LaTeX document of the formulas with these thresholds."""

from __future__ import annotations

NAME = "complexity"
HELP = ("energy thresholds E_inf, E_0..E_kmax (ABC; Choromanska et al. 2015, section 4), or of a mixture "
        "(--xi 2:0.5,3:0.5, the mixed model of Auffinger and Ben Arous 2013: E'_inf, criterion, scenario, "
        "derived here), "
        "the complexity figure and its LaTeX document")


def configure(parser):
    parser.add_argument("--H", type=int, default=None, help="spin-glass degree = network depth, 3..50 (default 3)")
    parser.add_argument("--xi", metavar="MIXTURE",
                        help="a mixed spin glass instead of --H: degree:weight pairs a_p^2 summing to 1, e.g. "
                             "2:0.5,3:0.5 (weights may be fractions such as 1/3)")
    parser.add_argument("--kmax", type=int, default=5, help="largest index k, 0..100 (default 5)")
    parser.add_argument("--dps", type=int, default=15, help="significant digits, 5..1000 (default 15)")
    parser.add_argument("--plot", metavar="FILE",
                        help="write the figure of Theta_H and Theta_{k,H} to FILE (.png, .pdf or .svg; a name "
                             "without a suffix gets .png; an existing folder is refused)")
    parser.add_argument("--latex", metavar="FILE", help="write a LaTeX document: formulas, facts, these thresholds")


PLOT_SUFFIXES = (".png", ".pdf", ".svg")
"""Formats of ``--plot``."""


def run(args) -> int:
    from ..cli import check_output_file
    from ..errors import InvalidInputError
    from ..mixture import Mixture
    from ..numeric.complexity import H_MAX_THRESHOLDS, energy_thresholds, theta

    # output paths checked before any work; the figure's path is the one written (fig -> fig.png)
    plot = None if args.plot is None else check_output_file("--plot", args.plot, suffixes=PLOT_SUFFIXES,
                                                            default_suffix=".png")
    latex = None if args.latex is None else check_output_file("--latex", args.latex)
    if args.xi is not None and args.H is not None:
        raise InvalidInputError(f"give --H (a pure degree) or --xi (a mixture), not both (got --H {args.H} and "
                                f"--xi {args.xi})")
    if args.xi is not None:
        model = Mixture.parse(args.xi, name="--xi", max_degree=H_MAX_THRESHOLDS)
        model = model.degree if model.is_pure else model
    else:
        model = 3 if args.H is None else args.H
    th = energy_thresholds(model, args.kmax, dps=args.dps)  # validates H, kmax, dps
    print(th)
    if not isinstance(model, Mixture):
        print(f"  Θ_k,H(u ≥ −E_∞) = ½ log(H−1) − (H−2)/H = {theta(0.0, model, 0):.12g} (every k)")
        print("  Θ_k,H(u) < 0 below −E_k: index-k critical points lie above −ΛE_k"
              " (none below, with overwhelming probability); −ΛE_0 is the ground state")
    elif th.scenario == "trivial":
        print("  max_u Θ_0,ξ(u) = 0 (ξ'' ≤ ξ', derived): no exponential number of critical points")
    else:
        print(f"  Θ_k,ξ(u ≥ −E_∞) = ½ log(ξ''/ξ') − (ξ''−ξ')/(ξ''+ξ') = {theta(10.0, model, 0):.12g} (every k)")
        print("  Θ_k,ξ(u) < 0 below −E_k: index-k critical points lie above −ΛE_k"
              " (none below, with overwhelming probability)")
    if plot is not None:
        from ..figures.complexity import save_complexity_curves

        for path in save_complexity_curves(plot, H=model, kmax=min(args.kmax, 10)):
            print(f"wrote {path}")
    if latex is not None:
        if isinstance(model, Mixture):
            from ..documents.complexity import mixed_complexity_document

            doc = mixed_complexity_document(mixtures=(model,), kmax=args.kmax, digits=args.dps, families=())
        else:
            from ..documents.complexity import complexity_document

            doc = complexity_document(H_values=(model,), kmax=args.kmax, digits=args.dps, finite_sizes=())
        print(f"wrote {doc.write(latex)}")
    return 0
