"""``polyloss skips``: from a plain chain through growing skip connections, the mixture, scenario and predicted
band of each architecture beside simulated minima (table summary.md and figure skip_family.png)."""

from __future__ import annotations

NAME = "skips"
HELP = ("architectures from a plain chain through growing skip connections: mixture xi, scenario, "
        "band [-E_0, -E_inf] (the annealed complexity of the mixture) and minima of gradient descent on the mixed "
        "spherical spin glass")

MAX_WIDTH = 1000


def configure(parser):
    from ..cli import MAX_SEED, MAX_STEPS, add_execution_options, finite_float, int_in, seed_int
    from ..experiments.skip_family import MAX_DEPTH

    parser.add_argument("--preset", choices=("small", "large"), default="small",
                        help="scale: small (default, seconds) or large (a real run); the options below "
                             "override it")
    parser.add_argument("--H", type=int_in(3, MAX_DEPTH), default=None,
                        help=f"depth H of the networks, 3..{MAX_DEPTH} (default 3)")
    parser.add_argument("--width", type=int_in(1, MAX_WIDTH), default=None,
                        help=f"width n_0 = n_1 = ... = n_(H-1) of every layer but the output, 1..{MAX_WIDTH} "
                             "(default 3)")
    parser.add_argument("--architectures", default=None, metavar="'none;0:2;0:2,1:3'",
                        help="the architectures, separated by ';', each a list of from:to skips (default: "
                             "the plain chain, then every skip added one at a time, shortest first)")
    parser.add_argument("--C", type=finite_float(0.0, open_minimum=True), default=None,
                        help="the network's ||w||^2 = Lambda C: a path of length m weighs C^m (default 0.5)")
    parser.add_argument("--Lambda", type=int_in(2, 10_000), default=None,
                        help="dimension of the spin glass, 2..10000 (small: 60; large: 150)")
    parser.add_argument("--seeds", type=int_in(1, 10_000), default=None,
                        help="coupling draws per architecture, 1..10000 (small: 6; large: 20)")
    parser.add_argument("--replicas", type=int_in(1, 10_000), default=None,
                        help="random starts per draw, 1..10000 (small: 8; large: 32)")
    parser.add_argument("--chunk", type=int_in(1, 10_000), default=None,
                        help="seeds per task, the unit of work and of resumption (small: 2; large: 4)")
    parser.add_argument("--steps", type=int_in(0, MAX_STEPS), default=None,
                        help=f"gradient-descent steps, at most {MAX_STEPS:,} (small: 1000; large: 3000)")
    parser.add_argument("--lr", type=finite_float(0.0, open_minimum=True), default=None,
                        help="gradient-descent step size, a finite number > 0 (default 0.1)")
    parser.add_argument("--seed", type=seed_int, default=None,
                        help=f"root seed of couplings and starts, 0..{MAX_SEED} (default 0)")
    parser.add_argument("--out", required=True, help="run folder (pieces, summary.md, skip_family.png; a rerun "
                                                     "resumes)")
    parser.add_argument("--force", action="store_true",
                        help="start a run folder of another configuration afresh: its old files are moved into "
                             "<out>/superseded-<time>/ (nothing is deleted)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_execution_options(parser)


def config_from_args(args):
    """The :class:`~polyloss.experiments.skip_family.SkipFamilyConfig` the options ask for."""
    from ..errors import InvalidInputError
    from ..experiments.skip_family import PRESETS, parse_architectures

    base = PRESETS[args.preset]
    changes = {}
    if args.H is not None or args.width is not None:
        H = base.H if args.H is None else args.H
        width = base.widths[0] if args.width is None else args.width
        changes["widths"] = (width,) * H + (1,)
        changes["architectures"] = None  # the default family of the new depth
    if args.architectures is not None:
        try:
            changes["architectures"] = parse_architectures(args.architectures, changes.get("widths", base.widths))
        except InvalidInputError as exc:
            raise InvalidInputError(f"--architectures {args.architectures!r}: {exc}") from None
    for name in ("C", "Lambda", "seeds", "replicas", "chunk", "steps", "lr", "seed"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    return base.scaled(**changes)


def run(args) -> int:
    from pathlib import Path

    from ..cli import check_output_folder, executor_from_args
    from ..execution import describe_executor
    from ..experiments.skip_family import skip_family
    from ..figures.skips import save_skip_family_figure

    check_output_folder("--out", args.out)  # before any work
    config = config_from_args(args)  # validated before any work, too
    with executor_from_args(args) as executor:
        if not args.quiet:
            print(f"polyloss skips: tasks run on {describe_executor(executor)}, device {args.device}", flush=True)
        result = skip_family(config, out=args.out, executor=executor, progress=not args.quiet,
                             threads=args.threads, device=args.device, force=args.force)
    (path,) = save_skip_family_figure(Path(args.out) / "skip_family.png", result)
    print(result)
    print(f"results: {args.out}   table: {Path(args.out) / 'summary.md'}   figure: {path}")
    return 0
