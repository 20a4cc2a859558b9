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
