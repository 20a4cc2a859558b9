"""``polyloss reproduce``: run the whole paper at a chosen scale and write one report folder."""

from __future__ import annotations

NAME = "reproduce"
HELP = "reproduce the paper (derivation, complexity, spin-glass minima, trained networks) into a report folder"


def configure(parser):
    from ..cli import add_execution_options, non_negative_int
    from ..experiments.reproduce import SCALES

    parser.add_argument("--out", default="report", help="report folder (default: report)")
    parser.add_argument("--scale", choices=SCALES, default="default",
                        help="default: a few minutes on 2 cores; paper: the paper's sizes (hours); smoke: seconds")
    parser.add_argument("--only", metavar="STAGE", default=None,
                        help="run one stage: derivation, complexity, spinglass or networks")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="seed of every random draw (default 0)")
    parser.add_argument("--force", action="store_true", help="redo finished stages instead of reusing them")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    add_execution_options(parser)


def run(args) -> int:
    from ..cli import executor_from_args
    from ..experiments.reproduce import reproduce

    with executor_from_args(args) as executor:
        summary = reproduce(args.out, scale=args.scale, only=args.only, seed=args.seed, force=args.force,
                            progress=not args.quiet, executor=executor, threads=args.threads, device=args.device)
    print(f"report: {summary} (and {summary.with_suffix('.html')})")
    return 0
