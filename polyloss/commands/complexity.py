"""``polyloss complexity``: the energy thresholds E_inf, E_0 … E_kmax of the H-spin glass, the complexity
figure and a LaTeX document of the formulas with this H's thresholds."""

from __future__ import annotations

NAME = "complexity"
HELP = ("energy thresholds E_inf, E_0..E_kmax (ABC; Choromanska et al. 2015, section 4), "
        "the complexity figure and its LaTeX document")


def configure(parser):
    parser.add_argument("--H", type=int, default=3, help="spin-glass degree = network depth, 3..50 (default 3)")
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
    from ..numeric.complexity import energy_thresholds, theta

    # output paths checked before any work; the figure's path is the one written (fig -> fig.png)
    plot = None if args.plot is None else check_output_file("--plot", args.plot, suffixes=PLOT_SUFFIXES,
                                                            default_suffix=".png")
    latex = None if args.latex is None else check_output_file("--latex", args.latex)
    th = energy_thresholds(args.H, args.kmax, dps=args.dps)  # validates H, kmax, dps
    print(th)
    print(f"  Θ_k,H(u ≥ −E_∞) = ½ log(H−1) − (H−2)/H = {theta(0.0, args.H, 0):.12g} (every k)")
    print("  Θ_k,H(u) < 0 below −E_k: index-k critical points lie above −ΛE_k"
          " (none below, with overwhelming probability); −ΛE_0 is the ground state")
    if plot is not None:
        from ..figures.complexity import save_complexity_curves

        for path in save_complexity_curves(plot, H=args.H, kmax=min(args.kmax, 10)):
            print(f"wrote {path}")
    if latex is not None:
        from ..documents.complexity import complexity_document

        doc = complexity_document(H_values=(args.H,), kmax=args.kmax, digits=args.dps, finite_sizes=())
        print(f"wrote {doc.write(latex)}")
    return 0
