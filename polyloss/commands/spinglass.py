"""``polyloss spinglass``: the paper's spin-glass experiment (minima of SGD on the spherical H-spin glass,
or on a mixed spherical spin glass with ``--xi 2:0.5,3:0.5``)."""

from __future__ import annotations

NAME = "spinglass"
HELP = ("minima reached by SGD/GD/annealing on the spherical H-spin glass, per Lambda: energies per "
        "Lambda, indices, histogram (Choromanska et al. 2015, spin-glass experiment)")


def configure(parser):
    from ..cli import (MAX_CHUNK, MAX_PIECES, MAX_RUNS, MAX_STEPS, add_execution_options, finite_float, int_in,
                       parse_int_list, seed_int)

    degree = parser.add_mutually_exclusive_group()
    degree.add_argument("--H", type=int_in(2, 20), default=None, help="order H of the spin glass, 2..20 (default 3)")
    degree.add_argument("--xi", type=_mixture, default=None, metavar="p:a_p^2,...",
                        help="a mixed spin glass instead of --H: degree:weight pairs with weights summing to 1, "
                             "e.g. 2:0.5,3:0.5 (xi(x) = 0.5 x^2 + 0.5 x^3; degrees 1..20)")
    parser.add_argument("--Lambda", type=parse_int_list, default=(25, 50, 100), metavar="L1,L2,...",
                        help="dimensions, e.g. 25,50,100 (default; the paper: 25,50,100,250,500); part of the "
                             "run folder's configuration")
    parser.add_argument("--runs", type=int_in(1, MAX_RUNS), default=100,
                        help=f"random starts per Lambda, at most {MAX_RUNS:,} (default 100; paper 1000)")
    parser.add_argument("--method", choices=("sgd", "gd", "anneal"), default="sgd",
                        help="descent: the authors' SGD (default), gradient descent, Langevin annealing")
    parser.add_argument("--P", type=int_in(1, MAX_PIECES), default=10,
                        help=f"SGD: number of coupling pieces, at most {MAX_PIECES} (default 10)")
    parser.add_argument("--steps", type=int_in(0, MAX_STEPS), default=None,
                        help=f"descent steps, at most {MAX_STEPS:,} (default: method's own)")
    parser.add_argument("--lr", type=finite_float(0.0, open_minimum=True), default=None,
                        help="constant step size, a finite number > 0 (default: method's schedule)")
    parser.add_argument("--seed", type=seed_int, default=0,
                        help="seed of couplings, starts and noise, 0..2^63-1 (default 0)")
    parser.add_argument("--chunk", type=int_in(1, MAX_CHUNK), default=200,
                        help=f"runs per task (the unit of work and of resumption), at most {MAX_CHUNK:,} "
                             "(default 200)")
    parser.add_argument("--redraw", action="store_true", help="new couplings for every run")
    parser.add_argument("--no-refine", action="store_true", help="skip Newton refinement and indices")
    parser.add_argument("--precision", choices=("float64", "float32", "mixed"), default="float64",
                        help="float64 (default); float32 (half the memory, refinement cannot reach 1e-10); "
                             "mixed (descent in float32, refinement and index in float64)")
    parser.add_argument("--out", required=True, help="run folder (results, figure; a rerun resumes)")
    parser.add_argument("--force", action="store_true",
                        help="start a run folder of another configuration afresh: its old files are moved into "
                             "<out>/superseded-<time>/ (nothing is deleted)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_execution_options(parser)


def _mixture(text: str):
    """argparse type of ``--xi``: :meth:`polyloss.mixture.Mixture.parse`, its refusal as a usage error."""
    import argparse

    from ..errors import InvalidInputError
    from ..mixture import Mixture

    try:
        return Mixture.parse(text, name="xi")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args) -> int:
    from pathlib import Path

    from ..cli import check_output_folder, executor_from_args
    from ..execution import describe_executor
    from ..experiments.spinglass_minima import spinglass_minima
    from ..figures.spinglass import save_minima_histogram

    check_output_folder("--out", args.out)  # before any work
    with executor_from_args(args) as executor:
        if not args.quiet:
            print(f"polyloss spinglass: tasks run on {describe_executor(executor)}, device {args.device}",
                  flush=True)
        result = spinglass_minima(args.Lambda, H=args.xi or args.H or 3, runs=args.runs, method=args.method, seed=args.seed,
                                  out=args.out, progress=not args.quiet, chunk=args.chunk, redraw=args.redraw,
                                  refine=not args.no_refine, steps=args.steps, lr=args.lr, P=args.P,
                                  precision=args.precision, device=args.device, threads=args.threads,
                                  executor=executor, force=args.force)
    (path,) = save_minima_histogram(Path(args.out) / "spinglass_minima.png", result)
    print(result)
    print(f"results: {args.out}   figure: {path}")
    return 0
