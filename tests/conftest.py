"""Shared fixtures. Tests that compile LaTeX need pdflatex: `bash run.sh test` installs it."""

from __future__ import annotations

import os
import shutil

# The suite runs in two processes on two cores (pytest -n 2): one thread each is fastest, and
# torch's default of one thread per core makes tiny batched work many times slower under load.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def pdflatex():
    """The pdflatex path; a missing engine is a failure (the set-up installs it), not a skip."""
    path = shutil.which("pdflatex")
    if path is None:
        pytest.fail("pdflatex not found: install texlive-latex-base texlive-latex-recommended "
                    "(`bash run.sh test` does)")
    return path


@pytest.fixture(scope="session")
def dask_client():
    """A ``dask.distributed`` LocalCluster of 2 worker processes (one thread each), started for the session.

    ``distributed`` is part of the test set-up (the ``dev`` extra): its absence is a failure, not a skip.
    """
    try:
        import distributed
    except ImportError:
        pytest.fail("dask.distributed is missing: pip install -e '.[dev]' (`bash run.sh test` does)")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def peak_allocated():
    """``peak_allocated(fn)``: the peak of the bytes torch holds allocated on the CPU while ``fn`` runs, from
    its profiler's memory record (every allocation and release in time order; numpy's memory is not in it)."""

    def measure(fn) -> int:
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            fn()
        events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                        if e.name() == "[memory]")
        level = peak = 0
        for _, nbytes in events:
            level += nbytes
            peak = max(peak, level)
        return peak

    return measure
