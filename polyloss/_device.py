"""Devices and threads: which torch device a computation runs on, how much memory it has, and how
many threads torch may use.

Random numbers are always drawn on the CPU (numpy or a CPU ``torch.Generator``) and then moved to
the device, so a seed gives the same numbers on every device; only the arithmetic runs there.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from .errors import InvalidInputError

__all__ = ["as_device", "available_devices", "available_memory_bytes", "check_fits", "blas_threads", "set_torch_threads", "share_memory_between",
           "start_worker", "torch_threads", "usable_cores"]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def available_devices() -> list:
    """The devices this torch build and machine can use, as strings: ``["cpu"]``, then ``"cuda:0"`` …
    for each visible GPU and ``"mps"`` where Apple's Metal backend is available."""
    import torch

    out = ["cpu"]
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        out.append("mps")
    return out


def _available_text() -> str:
    return "available here: " + ", ".join(repr(d) for d in available_devices())


def as_device(device="cpu"):
    """``device`` ("cpu", "cuda", "cuda:1", "mps" or a ``torch.device``) as a ``torch.device`` that exists here.

    A device this torch build or machine lacks, or a string that names no device, is refused with
    :class:`~polyloss.errors.InvalidInputError`, whose message names the devices available here
    (:func:`available_devices`).
    """
    import torch

    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except (RuntimeError, ValueError):
            raise InvalidInputError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps'; got {device!r} "
                                    f"({_available_text()})") from None
    else:
        raise InvalidInputError(f"device must be a string such as 'cpu' or 'cuda', or a torch.device; got {device!r} "
                                f"({_available_text()})")
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else f"CUDA {torch.version.cuda}, but no GPU is visible"
            raise InvalidInputError(f"device {device!r} asked for, but this torch ({torch.__version__}) is {build}; "
                                    f"{_available_text()}")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise InvalidInputError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) visible; "
                                    f"{_available_text()}")
        return dev
    if dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise InvalidInputError(f"device {device!r} asked for, but MPS is not available here; {_available_text()}")
        return dev
    raise InvalidInputError(f"device type {dev.type!r} is not supported; use 'cpu', 'cuda' or 'mps' "
                            f"({_available_text()})")


def check_fits(need: int, what: str, *, device="cpu", max_bytes=None, advice: str = "") -> int:
    """Refuse up front work whose estimated peak memory ``need`` (bytes) exceeds the limit.

    The limit is ``max_bytes`` or, by default, half of :func:`available_memory_bytes` of ``device``.
    Raises :class:`~polyloss.errors.SizeLimitError` with the size needed, the limit and ``advice``
    ("{what} needs about X GiB on cpu (limit Y GiB, half of its available memory); {advice}").
    Returns the limit.
    """
    from ._validate import integer
    from .errors import SizeLimitError

    dev = as_device(device)
    limit = available_memory_bytes(dev) // 2 if max_bytes is None else integer("max_bytes", max_bytes, minimum=1)
    if need > limit:
        raise SizeLimitError(f"{what} needs about {_gib(need)} on {dev} (limit {_gib(limit)}"
                             f"{', half of its available memory' if max_bytes is None else ''})"
                             + (f"; {advice}" if advice else ""))
    return limit


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n < 2**50 else f"{n / 2**30:.3g} GiB"


_SHARED_BY = 1  # worker processes of this machine that share its memory (set in each local worker)


def share_memory_between(workers: int) -> None:
    """Declare that ``workers`` processes (this one included) share this machine's memory and devices:
    :func:`available_memory_bytes` then gives each its share, so that workers sizing their work at the
    same moment cannot together ask for more than there is."""
    global _SHARED_BY
    _SHARED_BY = max(1, int(workers))


def available_memory_bytes(device="cpu") -> int:
    """Free memory of ``device`` in bytes, divided among the local workers sharing it.

    On a GPU: its free memory plus what torch's allocator holds cached but unused
    (``torch.cuda.mem_get_info`` + reserved − allocated); on the CPU: MemAvailable.
    """
    dev = as_device(device)
    if dev.type == "cuda":
        import torch

        free = int(torch.cuda.mem_get_info(dev)[0])
        free += int(torch.cuda.memory_reserved(dev) - torch.cuda.memory_allocated(dev))
    elif dev.type == "mps":
        import torch

        free = int(torch.mps.recommended_max_memory() - torch.mps.driver_allocated_memory())
    else:
        free = _cpu_available()
    return free // _SHARED_BY


def _cpu_available() -> int:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def limit_threads_before_import(threads: int) -> None:
    """Set the OpenMP/MKL/OpenBLAS thread variables (for libraries not loaded yet in this process)."""
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)


def start_worker(threads: int, workers: int) -> None:
    """First thing a local worker process does (this module imports neither numpy nor torch, so the
    thread variables are set before either loads): one BLAS/OpenMP thread pool of ``threads``, its share
    of the memory, and Ctrl-C left to the process that runs the plan (it stops the workers itself)."""
    import signal

    limit_threads_before_import(threads)
    share_memory_between(workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def set_torch_threads(threads: int | None) -> None:
    """Set torch's intra-op threads to ``threads`` (None: leave them)."""
    if threads is None:
        return
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@contextmanager
def blas_threads(threads: int | None):
    """numpy's BLAS/LAPACK (and any OpenMP pool loaded) limited to ``threads`` for the block (None: as is)."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


@contextmanager
def torch_threads(threads: int | None):
    """torch's intra-op threads set to ``threads`` for the block and restored after (None: unchanged)."""
    if threads is None:
        yield
        return
    import torch

    old = torch.get_num_threads()
    if old != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)
