"""kill -9 at random (seeded) points of a real run, then resume: the finished pieces are byte-identical to
those of an uninterrupted run, and leftover temporary files are never taken for pieces.

The run is a small spin-glass sweep (two Λ, four chunks each) in a subprocess; each attempt is killed
with SIGKILL once a seeded number of pieces is saved, a seeded few milliseconds later (so the kill lands
anywhere: during start-up, inside a task, between the writes of a piece's two files). The kernel drops
the folder's lock with the process, so each attempt, and the final resume, may take the folder.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import warnings

import pytest

from polyloss.store import RunStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL: POSIX")

LAMBDAS = (6, 8)
SG = dict(H=3, runs=8, chunk=2, method="gd", steps=150, seed=11, refine=True, progress=False)
TASKS = len(LAMBDAS) * SG["runs"] // SG["chunk"]
RUN = ("import sys; from polyloss.experiments.spinglass_minima import spinglass_minima\n"
       f"spinglass_minima({LAMBDAS!r}, out=sys.argv[1], **{SG!r})\n")
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def _pieces(folder):
    return sorted(p.name for p in folder.glob("Lambda=*.json")) if folder.exists() else []


def _files(folder):
    """The bytes of every piece file (both halves) and the configuration (without its creation time)."""
    import json

    out = {p.name: p.read_bytes() for p in folder.glob("Lambda=*") if p.suffix in (".npz", ".json")}
    cfg = json.loads((folder / "config.json").read_text())
    out["config"] = {k: v for k, v in cfg.items() if k != "created"}
    return out


def _killed_attempt(folder, rng):
    """Start the run (it resumes from what is saved); SIGKILL it once a seeded number of further pieces
    exists, a seeded moment later. Returns ((pieces before, kill target), exit code, stderr)."""
    have = len(_pieces(folder))
    extra = rng.randrange(0, max(TASKS - have, 1))  # kill after this many more pieces
    target = have + extra
    delay = rng.uniform(0.0, 0.04) if extra else rng.uniform(0.3, 2.5)  # 0: in start-up or the first task
    proc = subprocess.Popen([sys.executable, "-c", RUN, str(folder)], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        while proc.poll() is None and len(_pieces(folder)) < target:
            time.sleep(0.005)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return (have, target), proc.returncode, proc.stderr.read().decode()


def test_kill_9_at_random_points_then_resume_gives_the_same_bytes(tmp_path):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    reference = tmp_path / "reference"
    spinglass_minima(LAMBDAS, out=reference, **SG)
    folder = tmp_path / "killed"
    rng = random.Random(20151)
    outcomes = [_killed_attempt(folder, rng) for _ in range(3)]
    killed = [o for o in outcomes if o[1] == -signal.SIGKILL]
    assert killed, f"no attempt was killed before it finished: {outcomes}"
    assert all(code in (0, -signal.SIGKILL) for _, code, _ in outcomes), outcomes
    # what a kill in the middle of a write leaves, and a stray one: temporaries, never pieces
    (folder / ".Lambda=6_chunk=0000.npz.k9k9k9.tmp").write_bytes(b"PK\x03\x04 half a zip")
    (folder / ".Lambda=8_chunk=0003.json.k9k9k9.tmp").write_bytes(b'{"key": "Lambda=8_chunk=0003"')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = spinglass_minima(LAMBDAS, out=folder, **SG)
    assert not [w for w in caught if "computed again" in str(w.message)]  # no piece was damaged by a kill
    assert _files(folder) == _files(reference)  # byte for byte, every piece
    assert RunStore.open(folder).keys() == RunStore.open(reference).keys()
    clean = SpinGlassMinimaResult.load(reference)
    for lam in LAMBDAS:
        assert (result.energies[lam] == clean.energies[lam]).all()
        assert (result.indices[lam] == clean.indices[lam]).all()
