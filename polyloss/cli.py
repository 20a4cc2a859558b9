"""The ``polyloss`` command line.

Each subcommand lives in its own module under :mod:`polyloss.commands` and exposes ``NAME``,
``HELP``, ``configure(parser)`` and ``run(args) -> int``. No input prints a traceback:

* malformed options (not a number, out of the documented range): argparse's usage message and the
  error naming the option, exit status 2;
* errors that polyloss raises on purpose (:class:`~polyloss.errors.PolylossError`), output paths
  that cannot be written (checked before any work: :func:`check_output_file`,
  :func:`check_output_folder`) and other I/O errors: one line ``polyloss: error: ...``, exit status 2;
* Ctrl-C (at start-up too): one line ``polyloss: interrupted ...``, exit status 130;
* a closed standard output (``polyloss derive ... | head -1``): quiet, exit status 141 (128 + SIGPIPE,
  what the shell reports for a command that SIGPIPE ends);
* anything else is a bug: one line naming the exception and how to see its traceback
  (``POLYLOSS_DEBUG=1``), exit status 1.

Documented maxima of the command line (the library functions take larger values): ``--seed`` in
0..2^63-1 (:data:`MAX_SEED`), ``spinglass --runs`` up to :data:`MAX_RUNS` per Λ, ``--chunk`` up to
:data:`MAX_CHUNK`, ``--steps`` up to :data:`MAX_STEPS`, ``--P`` up to :data:`MAX_PIECES`, ``train --epochs`` up to
:data:`MAX_EPOCHS`, ``--replicas`` up to :data:`MAX_REPLICAS`, ``--workers`` and ``--threads`` up to
:data:`MAX_WORKERS`.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .errors import PolylossError

COMMAND_MODULES = (
    "polyloss.commands.derive",
    "polyloss.commands.theory",
    "polyloss.commands.complexity",
    "polyloss.commands.spinglass",
    "polyloss.commands.skips",
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


DEBUG_ENV = "POLYLOSS_DEBUG"
"""Set to 1 to see the traceback of an unexpected error (a bug) instead of its one-line summary."""

EXIT_ERROR = 2
"""Exit status of a refused input or an I/O error (argparse uses it for malformed options too)."""

EXIT_BUG = 1
"""Exit status of an unexpected exception (a bug in polyloss)."""

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT)."""

EXIT_BROKEN_PIPE = 141
"""Exit status when standard output was closed by the reader (128 + SIGPIPE)."""


def main(argv=None) -> int:
    """Run the command line ``polyloss ARGV``; return 0 or raise :class:`SystemExit` with the status
    listed in this module's docstring. Every exception is turned into one line on standard error."""
    _open_missing_streams()
    try:
        parser = build_parser()  # imports the subcommands (sympy, numpy, ...): Ctrl-C may land here
        args = parser.parse_args(argv)  # exits 2 with a usage message on malformed options
        return int(args._run(args) or 0)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _exit(EXIT_INTERRUPTED, "polyloss: interrupted; finished results are saved and a rerun resumes")
    except BrokenPipeError:
        _quiet_stdout()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except PolylossError as exc:
        _exit(EXIT_ERROR, f"polyloss: error: {_one_line(exc)}")
    except OSError as exc:  # written paths are checked up front; this is what the system says later
        _exit(EXIT_ERROR, f"polyloss: error: {_os_error_text(exc)}")
    except Exception as exc:
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            import traceback

            traceback.print_exc()
        _exit(EXIT_BUG, f"polyloss: unexpected error {type(exc).__name__}: {_one_line(exc)} (a bug in polyloss; "
                        f"{DEBUG_ENV}=1 shows the traceback; please report it with the command line)")
    return 0


def _open_missing_streams() -> None:
    """A command started with standard output or error closed (``2>&-``) has ``sys.stderr is None``;
    what writes there (progress bars, messages) writes to /dev/null instead of failing."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def _exit(status: int, message: str):
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # standard error closed (or None): the status says it
        pass
    raise SystemExit(status)


def _one_line(exc: BaseException, limit: int = 2000) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _os_error_text(exc: OSError) -> str:
    parts = [exc.strerror or _one_line(exc)]
    if exc.filename is not None:
        parts.append(repr(os.fsdecode(exc.filename)))
    if getattr(exc, "filename2", None) is not None:
        parts.append(f"-> {os.fsdecode(exc.filename2)!r}")
    return " ".join([parts[0] + ":" if len(parts) > 1 else parts[0]] + parts[1:])


def _quiet_stdout() -> None:
    """After a BrokenPipeError: point standard output at /dev/null so that the interpreter's final
    flush does not fail again (the recipe of the Python documentation, signal module, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it): nothing to flush
        pass


def check_output_file(option: str, path, *, suffixes=None, default_suffix: str | None = None) -> Path:
    """Check, before any work, that the file ``path`` given to ``option`` can be written; return the path
    that will be written (``default_suffix`` added to a name without one).

    Refused (:class:`~polyloss.errors.InvalidInputError`, naming the option): an empty name, an existing
    folder (no file is ever written beside it under another name), an existing device, pipe or socket,
    a suffix not in ``suffixes``, a file where a folder of the path should be, and a folder in which
    no file can be made (read-only, /proc, /sys, no permission: tried with a temporary file named
    as the atomic writer of :mod:`polyloss.store` names its own, then removed).
    """
    from .errors import InvalidInputError

    text = _path_text(option, path)
    if os.path.isdir(text):
        raise InvalidInputError(f"{option} {text}: is a folder; give a file name, e.g. "
                                f"{os.path.join(text, 'out' + (default_suffix or ''))}")
    target = Path(text)
    if os.path.lexists(target) and not os.path.isfile(target):
        raise InvalidInputError(f"{option} {text}: exists and is not a regular file (a device, pipe, socket "
                                "or broken link); give a file name")
    if default_suffix and not target.suffix:
        target = target.with_name(target.name + default_suffix)
        if os.path.isdir(target):
            raise InvalidInputError(f"{option} {text}: {target} is a folder; give another file name")
    if suffixes is not None and target.suffix.lower() not in suffixes:
        raise InvalidInputError(f"{option} {text}: unsupported format {target.suffix or '(none)'!r}; "
                                f"use {', '.join(suffixes)}")
    if os.path.lexists(target) and not os.path.isfile(target):
        raise InvalidInputError(f"{option} {text}: exists and is not a regular file (a device, pipe, socket "
                                "or broken link); give a file name")
    _probe_folder(option, text, target.parent, file_name=target.name)
    return target


def check_output_folder(option: str, path) -> Path:
    """Check, before any work, that ``path`` given to ``option`` is, or can be made, a folder to write
    in; return it as a :class:`~pathlib.Path`. Refused as in :func:`check_output_file`: a file where the
    folder (or a folder above it) should be, and a place where nothing can be made."""
    from .errors import InvalidInputError

    text = _path_text(option, path)
    folder = Path(text)
    if os.path.lexists(folder) and not os.path.isdir(folder):
        raise InvalidInputError(f"{option} {text}: exists and is not a folder; give a folder")
    _probe_folder(option, text, folder, file_name="probe")
    return folder


def _path_text(option: str, path) -> str:
    from .errors import InvalidInputError

    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"{option} needs a path, got {path!r}")
    if "\0" in text:
        raise InvalidInputError(f"{option} {text!r}: a path cannot contain a NUL character")
    return text


def _probe_folder(option: str, text: str, folder: Path, *, file_name: str) -> None:
    """Make (and remove) a temporary file in ``folder``, or a temporary folder in its nearest existing
    ancestor when ``folder`` does not exist yet; an error names ``option`` and the reason."""
    import tempfile

    from .errors import InvalidInputError

    folder = Path(os.path.abspath(folder))
    ancestor = folder
    while not os.path.lexists(ancestor) and ancestor.parent != ancestor:
        ancestor = ancestor.parent
    if not os.path.isdir(ancestor):
        raise InvalidInputError(f"{option} {text}: {ancestor} is a file, not a folder")
    try:
        if ancestor == folder:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{file_name}.", suffix=".tmp")
            os.close(fd)
            os.unlink(tmp)
        else:
            os.rmdir(tempfile.mkdtemp(dir=ancestor, prefix=".polyloss-probe."))
    except OSError as exc:
        raise InvalidInputError(f"{option} {text}: cannot write in {ancestor} "
                                f"({exc.strerror or exc})") from None


def parse_int_list(text: str) -> tuple[int, ...]:
    """argparse type for ``3,2,1``: positive integers separated by commas."""
    try:
        values = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, e.g. 3,2,1; got {text!r}")
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas; got {text!r}")
    return values


def _int_at_least(minimum: int, what: str, maximum: int | None = None):
    def parse(text: str) -> int:
        stripped = text.strip()
        if len(stripped) > 40:  # 2^63 has 19 digits; int() of thousands of digits is slow or refused
            raise argparse.ArgumentTypeError(f"expected {what}; got {_short(text)} ({len(stripped)} characters)")
        try:
            value = int(stripped)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
        return value

    parse.__name__ = what.replace(" ", "_").replace("-", "_")
    return parse


def int_in(minimum: int, maximum: int | None = None, what: str | None = None):
    """argparse type: an integer in ``[minimum, maximum]`` (no maximum if None)."""
    if what is None:
        what = f"an integer in {minimum}..{maximum}" if maximum is not None else f"an integer >= {minimum}"
    return _int_at_least(minimum, what, maximum)


def finite_float(minimum: float | None = None, *, open_minimum: bool = False, maximum: float | None = None):
    """argparse type: a finite real number (no NaN, no infinity) above ``minimum`` (strictly with
    ``open_minimum``) and at most ``maximum``."""
    low = "" if minimum is None else (f" > {minimum:g}" if open_minimum else f" >= {minimum:g}")
    high = "" if maximum is None else f" <= {maximum:g}"
    what = f"a finite number{low}{' and' if low and high else ''}{high}"

    def parse(text: str) -> float:
        if len(text) > 40:
            raise argparse.ArgumentTypeError(f"expected {what}; got {_short(text)}")
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}") from None
        if (not math.isfinite(value) or (minimum is not None and (value < minimum or (open_minimum and value == minimum)))
                or (maximum is not None and value > maximum)):
            raise argparse.ArgumentTypeError(f"expected {what}; got {text!r}")
        return value

    parse.__name__ = "finite_number"
    return parse


def _short(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


positive_int = _int_at_least(1, "a positive integer")
"""argparse type: an integer ≥ 1."""

non_negative_int = _int_at_least(0, "a non-negative integer")
"""argparse type: an integer ≥ 0."""

MAX_SEED = 2**63 - 1
"""Largest ``--seed`` of the command line (the library takes any non-negative integer)."""

seed_int = _int_at_least(0, f"an integer seed in 0..{MAX_SEED} (2^63-1)", MAX_SEED)
"""argparse type of every ``--seed``: an integer in 0..:data:`MAX_SEED`."""

MAX_RUNS = 10**6
"""Largest ``spinglass --runs`` (random starts per Λ): 1000 times the paper's 1000."""

MAX_CHUNK = 10**4
"""Largest ``spinglass --chunk`` (runs per task, held in memory together)."""

MAX_STEPS = 10**7
"""Largest ``spinglass --steps`` (the default protocol takes 6000)."""

MAX_PIECES = 1000
"""Largest ``spinglass --P`` (SGD coupling pieces, each the size of the couplings; default 10)."""

MAX_EPOCHS = 100_000
"""Largest ``train --epochs`` (the paper scale takes 200)."""

MAX_REPLICAS = 100_000
"""Largest ``train --replicas`` and ``--index-replicas`` (networks per width; the paper scale takes 1000)."""

MAX_WORKERS = 1024
"""Largest ``--workers`` (local processes) and ``--threads`` (torch threads per task)."""


def add_execution_options(parser, *, device: bool = True) -> None:
    """``--workers``, ``--scheduler``, ``--threads`` (and ``--device``) for a command that runs a sweep."""
    group = parser.add_argument_group("execution (see 'Running at scale' in the docs)")
    group.add_argument("--workers", type=int_in(0, MAX_WORKERS), default=None, metavar="N",
                       help="local worker processes of --threads threads each (default on the CPU: usable cores "
                            "divided by --threads; on a GPU: none; 0 runs everything in this process; "
                            f"at most {MAX_WORKERS})")
    group.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run the tasks on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(needs pip install 'polyloss[distributed]'; the run folder must be on a file "
                            "system the workers see, or results travel back to this process)")
    group.add_argument("--threads", type=int_in(1, MAX_WORKERS), default=1, metavar="T",
                       help="torch threads per task (default 1: no oversubscription; the numbers do not depend "
                            f"on it; at most {MAX_WORKERS})")
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
    from ._device import as_device, usable_cores
    from .errors import InvalidInputError
    from .execution import LocalWorkers, _connect

    if getattr(args, "device", "cpu") != "cpu":
        as_device(args.device)  # a device this machine lacks is refused before any work or output
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
