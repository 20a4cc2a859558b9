"""``polyloss theory``: regenerate the LaTeX documents in theory/ (and optionally compile them)."""

from __future__ import annotations

NAME = "theory"
HELP = "regenerate the generated LaTeX documents of theory/ (derivation, complexity formulas)"


def configure(parser):
    parser.add_argument("--out", default="theory", help="folder to write into (default: theory)")
    parser.add_argument("--pdf", action="store_true", help="also compile each document with pdflatex")


def run(args) -> int:
    from ..cli import check_output_folder
    from ..symbolic.latex import compile_pdf
    from ..documents.theory import write_theory

    out = check_output_folder("--out", args.out)  # before any work
    for path in write_theory(out):
        print(path)
        if args.pdf:
            print(compile_pdf(path))
    return 0
