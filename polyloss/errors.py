"""Error types of polyloss.

Every error raised at the public boundary is a :class:`PolylossError`. The subclasses are also
the matching built-in type (``ValueError``, ``MemoryError``, ``RuntimeError``) so that callers
who catch the built-in keep working. Messages restate the input and say what is accepted.
"""

from __future__ import annotations


class PolylossError(Exception):
    """Base class of every error that polyloss raises on purpose."""


class InvalidInputError(PolylossError, ValueError):
    """An argument is outside what the function accepts (the message says what is accepted)."""


class SizeLimitError(PolylossError, MemoryError):
    """Work refused up front because it would exceed a size limit; the message gives the size."""


class LaTeXError(PolylossError, RuntimeError):
    """A LaTeX engine is missing or failed to compile a document (the log tail is included)."""


class ResumeError(PolylossError, ValueError):
    """A run folder holds results of a different configuration; nothing was overwritten."""


class DataError(PolylossError, OSError):
    """A data file is missing, unreadable or fails its checksum (the message says where to get it)."""


class DamagedResultError(PolylossError, ValueError):
    """A saved result fails its check (truncated, altered, from another run or key); the message names the file."""


class FolderInUseError(PolylossError, RuntimeError):
    """A run folder is locked by another running process (the message names its pid); nothing was touched."""


class TrainingDivergedError(PolylossError, ArithmeticError):
    """Training blew up: ``diverged`` lists each failed replica (``replica``, ``epoch``, ``reason``),
    ``result`` holds the whole result (the healthy replicas too), flagged per replica;
    ``train_replicas(..., on_divergence="mark")`` returns that result instead of raising."""

    def __init__(self, message: str, *, diverged: list | None = None, result=None):
        super().__init__(message)
        self.diverged = list(diverged or [])
        self.result = result


class UnresolvedCountError(PolylossError, ArithmeticError):
    """A count (e.g. a Hessian index) could not be resolved to the asked precision from matrix-vector
    products alone; ``estimate`` holds the unresolved estimate with its interval. No number was guessed."""

    def __init__(self, message: str, *, estimate=None):
        super().__init__(message)
        self.estimate = estimate


class TaskError(PolylossError, RuntimeError):
    """A task of a sweep raised: ``key`` names it; the original exception is its ``__cause__``.

    Every result finished before it is kept in the run folder, so a rerun resumes.
    """

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class MissingDependencyError(PolylossError, ImportError):
    """An optional package that this feature needs is not installed: ``reason`` says what needs it,
    ``fix`` how to install it (for example ``pip install 'polyloss[mnist]'``), ``package`` names it.
    The message is both: ``"<reason>; to fix: <fix>"``."""

    def __init__(self, reason: str, *, package: str | None = None, fix: str | None = None):
        super().__init__(f"{reason}; to fix: {fix}" if fix else reason)
        self.reason = reason
        self.package = package
        self.fix = fix


class StageError(PolylossError, RuntimeError):
    """One or more stages of ``polyloss reproduce`` could not run. The other stages ran and the summary
    was written (``summary``: its path); ``failed`` maps each stage that did not run to why and how to fix it."""

    def __init__(self, message: str, *, summary=None, failed: dict | None = None):
        super().__init__(message)
        self.summary = summary
        self.failed = dict(failed or {})


__all__ = [
    "PolylossError",
    "InvalidInputError",
    "SizeLimitError",
    "LaTeXError",
    "ResumeError",
    "DataError",
    "DamagedResultError",
    "TaskError",
    "TrainingDivergedError",
    "FolderInUseError",
    "MissingDependencyError",
    "StageError",
    "UnresolvedCountError",
]
