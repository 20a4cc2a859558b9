"""File permissions of everything polyloss writes atomically: what ``open(path, "w")`` would give.

The expected modes are computed here from the umask the test sets (``0o666 & ~umask`` for files,
``0o777 & ~umask`` for folders, POSIX ``open(2)`` and ``mkdir(2)``), and checked against a file the
test writes itself with plain ``open``; they are never read back from polyloss.
"""

from __future__ import annotations

import os
import stat
import sys

import numpy as np
import pytest

from polyloss.store import RunStore, atomic_write_bytes, atomic_write_json, atomic_write_text, current_umask

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


@pytest.fixture
def umask():
    """Set the process umask for one test (``umask(value)``) and restore it afterwards."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda value: os.umask(value)
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def plain_mode(folder, name="plain.txt") -> int:
    """The mode a plain ``open(..., "w")`` gives a new file here, under the current umask."""
    path = folder / name
    with open(path, "w") as fh:
        fh.write("x")
    return mode(path)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)],
                         ids=["umask022", "umask077", "umask002"])
def test_new_files_get_the_umask_mode(tmp_path, umask, mask, expected):
    umask(mask)
    assert current_umask() == mask
    assert plain_mode(tmp_path) == expected  # the platform agrees with POSIX open(2)
    for write, name, payload in ((atomic_write_bytes, "a.bin", b"\x00\x01"), (atomic_write_text, "a.txt", "é"),
                                 (atomic_write_json, "a.json", {"x": 1})):
        path = write(tmp_path / "sub" / name, payload)
        assert mode(path) == expected, (name, oct(mode(path)))
    assert mode(tmp_path / "sub") == 0o777 & ~mask  # folders follow the umask too
    assert not list((tmp_path / "sub").glob(".*.tmp"))


def test_rewrite_keeps_the_mode_of_the_existing_file(tmp_path, umask):
    umask(0o022)
    tracked = tmp_path / "tracked.tex"
    tracked.write_text("old\n")
    assert mode(tracked) == 0o644
    umask(0o077)  # a stricter umask does not make an existing, shared file private
    atomic_write_text(tracked, "new\n")
    assert tracked.read_text() == "new\n" and mode(tracked) == 0o644
    os.chmod(tracked, 0o640)
    umask(0o022)  # nor does a looser one widen a file its owner restricted
    atomic_write_text(tracked, "newer\n")
    assert tracked.read_text() == "newer\n" and mode(tracked) == 0o640


def test_latex_documents_and_theory_files_are_readable_by_others(tmp_path, umask):
    from polyloss.symbolic.latex import Document
    from polyloss.theory import DOCUMENTS, write_theory

    umask(0o022)
    doc = Document("Permissions")
    doc.equation("x = 1")
    assert mode(doc.write(tmp_path / "doc.tex")) == 0o644
    theory = tmp_path / "theory"
    theory.mkdir()
    existing = theory / f"{next(iter(DOCUMENTS))}.tex"
    existing.write_text("stale\n")
    os.chmod(existing, 0o644)
    paths = write_theory(theory)
    assert sorted(p.name for p in paths) == sorted(f"{s}.tex" for s in DOCUMENTS)
    assert {p.name: mode(p) for p in paths} == {p.name: 0o644 for p in paths}
    assert existing.read_text() != "stale\n"


def test_run_store_files_are_readable_by_others(tmp_path, umask):
    umask(0o022)
    store = RunStore(tmp_path / "run", {"H": 3})
    store.save("k=1", {"x": np.arange(4)}, meta={"n": 1})
    store.record_seconds("k=1", 0.5)
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    # timing/k=1.json shares a name; .polyloss.lock: the folder's lock (polyloss.store.folder_lock)
    assert {p.name for p in files} == {"config.json", "k=1.npz", "k=1.json", ".polyloss.lock"}
    assert len(files) == 5
    assert all(mode(p) == 0o644 for p in files), {str(p): oct(mode(p)) for p in files}
    assert all(mode(p) == 0o755 for p in (tmp_path / "run").rglob("*") if p.is_dir())
