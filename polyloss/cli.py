"""The ``polyloss`` command line.

Each subcommand lives in its own module under :mod:`polyloss.commands` and exposes ``NAME``,
``HELP``, ``configure(parser)`` and ``run(args) -> int``. Errors that polyloss raises on purpose
are printed as one line (``polyloss: error: ...``) with exit status 2, never as a traceback;
malformed options get argparse's usage message and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from contextlib import contextmanager

from . import __version__
from .errors import PolylossError

COMMAND_MODULES = (
    "polyloss.commands.derive",
    "polyloss.commands.theory",
    "polyloss.commands.complexity",
    "polyloss.commands.spinglass",
    "polyloss.commands.train",
    "polyloss.commands.reproduce",
)


def _available_commands():
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            yield importlib.import_module(name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polyloss",
        description="Loss surfaces of multilayer networks (Choromanska et al., AISTATS 2015): "
                    "derive, evaluate, simulate, publish.",
    )
    parser.add_argument("--version", action="version", version=f"polyloss {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _available_commands():
        p = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with a usage message on malformed options
    try:
        return int(args._run(args) or 0)
    except PolylossError as exc:
        parser.exit(2, f"polyloss: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, "polyloss: interrupted; finished results are saved and a rerun resumes\n")
    return 0


def parse_int_list(text: str) -> tuple[int, ...]:
    """argparse type for ``3,2,1``: positive integers separated by commas."""
    try:
        values = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, e.g. 3,2,1; got {text!r}")
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas; got {text!r}")
    return values


def _int_at_least(minimum: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
        return value

    parse.__name__ = what.replace(" ", "_").replace("-", "_")
    return parse


positive_int = _int_at_least(1, "a positive integer")
"""argparse type: an integer ≥ 1."""

non_negative_int = _int_at_least(0, "a non-negative integer")
"""argparse type: an integer ≥ 0."""


def add_execution_options(parser, *, device: bool = True) -> None:
    """``--workers``, ``--scheduler``, ``--threads`` (and ``--device``) for a command that runs a sweep."""
    group = parser.add_argument_group("execution (see 'Running at scale' in the docs)")
    group.add_argument("--workers", type=non_negative_int, default=None, metavar="N",
                       help="local worker processes of --threads threads each (default on the CPU: usable cores "
                            "divided by --threads; on a GPU: none; 0 runs everything in this process)")
    group.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run the tasks on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(needs pip install 'polyloss[distributed]'; the run folder must be on a file "
                            "system the workers see, or results travel back to this process)")
    group.add_argument("--threads", type=positive_int, default=1, metavar="T",
                       help="torch threads per task (default 1: no oversubscription; the numbers do not depend "
                            "on it)")
    if device:
        group.add_argument("--device", default="cpu",
                           help="torch device for the arithmetic: cpu (default), cuda, cuda:N or mps; random "
                                "numbers are drawn on the CPU either way")


@contextmanager
def executor_from_args(args):
    """The executor the execution options ask for, open for the duration of the command.

    ``--scheduler``: a ``dask.distributed`` Client (closed after); ``--workers 0``: None (this
    process); otherwise :class:`~polyloss.execution.LocalWorkers` kept for every sweep of the command.
    """
    from ._device import usable_cores
    from .errors import InvalidInputError
    from .execution import LocalWorkers, _connect

    if args.scheduler is not None:
        if args.workers is not None:
            raise InvalidInputError("give either --workers (local processes) or --scheduler (a Dask cluster), not both")
        client = _connect(args.scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    workers = args.workers
    if workers is None:  # one thread per core in all: cores // threads processes of threads threads each
        workers = max(1, usable_cores() // args.threads) if getattr(args, "device", "cpu") == "cpu" else 0
    if workers == 0:
        yield None
        return
    with LocalWorkers(workers, threads=args.threads) as pool:
        yield pool


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
