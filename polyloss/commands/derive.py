"""``polyloss derive``: the path polynomial of a ReLU network (Eq. 1), or the derivation of its Hamiltonian.

    polyloss derive --widths 3,2,1                  # the path polynomial as text, paths in the stable order
    polyloss derive --widths 3,2,1 --q 1 --latex pp.tex
    polyloss derive --widths 2,2,2,1 --steps --loss absolute --Lambda 4 [--latex derivation.tex]
    polyloss derive --widths 2,2,2,1 --skips 0:2,1:3 [--biases] [--Lambda 2] [--latex skips.tex]

``--skips`` (``from:to`` layer pairs) and ``--biases`` build a network with skip connections and biases;
for it the command prints the derivation down to the mixed spherical spin glass, its ξ and the bias term
(as ``--steps`` does). The derivation takes ``--q``, ``--Lambda``, ``--loss``, ``--max-paths`` (default 4096
there) and ``--max-tuples``; ``--max-terms`` is for the path polynomial only and is refused with it.

``--steps`` prints the derivation as plain text (Unicode mathematics: ρ, Λ, w̃, X̂); ``--latex FILE``
writes it as a LaTeX document, with ``references.bib`` beside it for its citations.
"""

from __future__ import annotations

import argparse
import sys

NAME = "derive"
HELP = ("print the path polynomial of a ReLU network (Eq. 1), or with --steps (implied by --skips and "
        "--biases) the derivation of its spin-glass Hamiltonian, mixed when paths have several lengths")


_Q_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_Q_PATTERN = rf"\s*({_Q_NUMBER})(?:\s*/\s*({_Q_NUMBER}))?\s*"
Q_MAX_CHARS = 100
"""Longest ``--q`` text accepted."""
Q_MAX_EXPONENT = 300
"""Largest decimal exponent of ``--q`` (and of each part of ``a/b``): |log10 q| stays near 300 or less."""


def _q_value(text: str):
    """argparse type for ``--q``: ``default``, or a non-zero real number kept exact: an integer, a decimal
    (``0.5``, ``2.5e-3``) or a quotient of two of them (``1/3``). Nothing else is evaluated (no ``2**9``,
    no names), the text is at most :data:`Q_MAX_CHARS` characters and each part's size at most
    10^:data:`Q_MAX_EXPONENT`, so a huge or malformed value is refused at once, never computed."""
    import re

    if text == "default":
        return text
    usage = "expected 'default' or a non-zero number such as 1, -2, 0.5, 2.5e-3 or 1/3"
    if len(text) > Q_MAX_CHARS:
        raise argparse.ArgumentTypeError(f"{usage}; got {len(text)} characters (at most {Q_MAX_CHARS})")
    match = re.fullmatch(_Q_PATTERN, text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{usage}; got {text!r}")
    import sympy

    from decimal import Decimal

    parts = []
    for part in match.groups():
        if part is None:
            continue
        number = Decimal(part)  # digits and exponent only: nothing is computed
        if number and abs(number.adjusted()) > Q_MAX_EXPONENT:  # adjusted(): floor(log10 |number|)
            raise argparse.ArgumentTypeError(f"{usage}; got {text!r}: each number's size must lie within "
                                             f"1e-{Q_MAX_EXPONENT}..1e{Q_MAX_EXPONENT}")
        parts.append(sympy.Rational(part) if number else sympy.Integer(0))
    if len(parts) == 2 and parts[1] == 0:
        raise argparse.ArgumentTypeError(f"q = {text}: division by zero")
    value = parts[0] / parts[1] if len(parts) == 2 else parts[0]
    if value == 0:
        raise argparse.ArgumentTypeError(f"q must be non-zero; got {text!r}")
    return value


def _skips_value(text: str) -> tuple:
    """argparse type for ``--skips``: ``from:to`` layer pairs separated by commas, e.g. ``0:2,1:3``
    (:func:`polyloss.symbolic.network.parse_skips`; the layers are checked against the widths later)."""
    from ..errors import InvalidInputError
    from ..symbolic.network import parse_skips

    if len(text) > Q_MAX_CHARS * 10:
        raise argparse.ArgumentTypeError(f"expected from:to pairs such as 0:2,1:3; got {len(text)} characters")
    try:
        skips = parse_skips(text)
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not skips:
        raise argparse.ArgumentTypeError("expected from:to pairs such as 0:2,1:3; got no pair")
    return skips


def configure(parser):
    from ..cli import parse_int_list, positive_int
    from ..symbolic.hamiltonian import DEFAULT_MAX_PATHS as HAMILTONIAN_MAX_PATHS
    from ..symbolic.hamiltonian import DEFAULT_MAX_TUPLES
    from ..symbolic.paths import DEFAULT_MAX_PATHS, DEFAULT_MAX_TERMS

    parser.add_argument("--widths", required=True, type=parse_int_list, metavar="N0,...,1",
                        help="layer widths n_0,...,n_H ending in 1, e.g. 3,2,1")
    parser.add_argument("--q", type=_q_value, default="default", metavar="VALUE",
                        help="normalisation q: 'default' = Ψ^(-(H-1)/(2H)) (polyloss's [open] reading of "
                             "Choromanska et al. 2015), or a number such as 1 (default: default)")
    parser.add_argument("--skips", type=_skips_value, default=(), metavar="A:B,...",
                        help="skip connections from layer A to layer B (B - A >= 2; layer 0 is the input), "
                             "e.g. 0:2,1:3; prints the derivation down to the mixed spin glass")
    parser.add_argument("--biases", action="store_true",
                        help="give every layer 1..H a bias; prints the derivation, with the bias term")
    parser.add_argument("--latex", metavar="FILE", help="also write a compilable LaTeX document to FILE")
    parser.add_argument("--max-terms", type=positive_int, default=None, metavar="N",
                        help=f"list the paths of the path polynomial one by one up to N of them, else the compact "
                             f"sum (default: {DEFAULT_MAX_TERMS}); not for the derivation, which shows at most a "
                             f"few terms of each expression")
    parser.add_argument("--max-paths", type=positive_int, default=None, metavar="N",
                        help=f"refuse networks with more than N paths (default: {DEFAULT_MAX_PATHS:,} for the path "
                             f"polynomial, {HAMILTONIAN_MAX_PATHS:,} for the derivation: --steps, --skips, --biases)")
    steps = parser.add_argument_group("derivation of the Hamiltonian (--steps)")
    steps.add_argument("--steps", action="store_true",
                       help="print every step from the network to the spin-glass Hamiltonian")
    steps.add_argument("--loss", choices=("absolute", "hinge", "none"), default=None,
                       help="loss to derive through (with --steps; default: none)")
    steps.add_argument("--Lambda", type=positive_int, default=None, metavar="N",
                       help="number of distinct weights after the redundancy step (with --steps)")
    steps.add_argument("--max-tuples", type=positive_int, default=None, metavar="N",
                       help="refuse a derivation with more than N ordered weight tuples, Σ_m Λ^m over the path "
                            f"lengths m, each a term of the Hamiltonian (default: {DEFAULT_MAX_TUPLES:,})")


def run(args) -> int:
    from ..errors import InvalidInputError
    from ..symbolic.network import ReLUNetwork

    latex = None
    if args.latex is not None:
        from ..cli import check_output_file

        latex = check_output_file("--latex", args.latex)  # before any work
    net = ReLUNetwork(args.widths, skips=args.skips, biases=args.biases)
    if args.steps or not net.is_chain:
        from ..documents.derivation import derivation_document, derivation_text
        from ..symbolic.hamiltonian import derive_hamiltonian

        from ..symbolic.hamiltonian import DEFAULT_MAX_PATHS as MAX_PATHS
        from ..symbolic.hamiltonian import DEFAULT_MAX_TUPLES

        if args.max_terms is not None:
            raise InvalidInputError("--max-terms is for the path polynomial; the derivation (--steps, --skips, "
                                    "--biases) shows at most a few terms of each expression: leave --max-terms out")
        loss = args.loss or "none"
        derivation = derive_hamiltonian(net, loss=None if loss == "none" else loss, Lambda=args.Lambda, q=args.q,
                                        max_paths=MAX_PATHS if args.max_paths is None else args.max_paths,
                                        max_tuples=DEFAULT_MAX_TUPLES if args.max_tuples is None else args.max_tuples)
        print(derivation_text(derivation))  # plain text: Unicode symbols, no LaTeX (that is --latex)
        if latex is not None:
            path = derivation_document(derivation).write(latex)
            print(f"wrote {path}", file=sys.stderr)
        return 0

    if args.loss is not None or args.Lambda is not None or args.max_tuples is not None:
        raise InvalidInputError("--loss, --Lambda and --max-tuples belong to the derivation: add --steps")
    from ..symbolic.paths import DEFAULT_MAX_TERMS, path_polynomial

    max_terms = DEFAULT_MAX_TERMS if args.max_terms is None else args.max_terms
    pp = path_polynomial(net, q=args.q, max_paths=args.max_paths)
    print(pp.text(max_terms=max_terms))
    if latex is not None:
        path = pp.document(max_terms=max_terms).write(latex)
        print(f"wrote {path}", file=sys.stderr)
    return 0
