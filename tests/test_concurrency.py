"""Two processes writing one run folder: the folder is locked for the whole run, the second process is
refused with "in use by pid N" (exit 2, one line, no traceback) before it reads or writes anything, and
the folder never mixes two configurations. Real subprocesses, real ``fcntl.flock`` locks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from polyloss.errors import FolderInUseError
from polyloss.store import LOCK_FILE, RunStore, folder_lock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks: Linux and macOS")

ARGS = ["--Lambda", "6,7", "--runs", "4", "--chunk", "2", "--method", "gd", "--steps", "100", "--no-refine",
        "--quiet", "--threads", "1", "--workers", "0"]
SG = dict(H=3, runs=4, chunk=2, method="gd", steps=100, refine=False, progress=False)
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
HOLD = ("import sys; from polyloss.store import folder_lock\n"
        "with folder_lock(sys.argv[1]):\n"
        "    print('held', flush=True); sys.stdin.readline()\n")


def _cli(out, seed):
    return subprocess.Popen([sys.executable, "-m", "polyloss", "spinglass", *ARGS, "--seed", str(seed),
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)


def test_a_folder_held_by_another_process_is_refused_naming_its_pid(tmp_path):
    out = tmp_path / "sg"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "held"
        # in this process: refused at once, naming the holder
        with pytest.raises(FolderInUseError, match=rf"in use by pid {holder.pid} "):
            with folder_lock(out):
                pass
        # a second real process, through the command line
        second = _cli(out, 1)
        _, err = second.communicate(timeout=120)
        assert second.returncode == 2, err
        assert f"in use by pid {holder.pid}" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
        assert sorted(p.name for p in out.iterdir()) == [LOCK_FILE]  # nothing read or written
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=60)
    # released when the holder ends: the folder is usable again
    with folder_lock(out):
        RunStore(out, {"seed": 3})


def test_the_lock_is_reentrant_in_one_process_and_released_after(tmp_path):
    out = tmp_path / "f"
    with folder_lock(out):
        with folder_lock(out):
            RunStore(out, {"a": 1})  # takes the lock again, in the same process
        assert "pid" in (out / LOCK_FILE).read_text()
    probe = subprocess.run([sys.executable, "-c", HOLD, str(out)], input="\n", capture_output=True, text=True,
                           env=ENV, timeout=120)
    assert probe.returncode == 0 and probe.stdout.strip() == "held"


def test_two_processes_with_different_seeds_never_mix_in_one_folder(tmp_path):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    out = tmp_path / "sg"
    procs = {seed: _cli(out, seed) for seed in (0, 1)}
    done = {seed: p.communicate(timeout=300) for seed, p in procs.items()}
    codes = {seed: p.returncode for seed, p in procs.items()}
    assert sorted(codes.values()) == [0, 2], (codes, done)
    (winner,) = [s for s, c in codes.items() if c == 0]
    (loser,) = [s for s, c in codes.items() if c == 2]
    err = done[loser][1]
    assert "Traceback" not in err
    # refused while the winner ran (the usual case), or after it finished, by the configuration guard
    assert f"in use by pid {procs[winner].pid}" in err or "seed: stored" in err, err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["seed"] == winner
    store = RunStore.open(out)
    assert len(store.keys()) == 4 and all(store.problem(k) is None for k in store.keys())
    result = SpinGlassMinimaResult.load(out)
    clean = spinglass_minima((6, 7), seed=winner, **SG)
    for lam in (6, 7):
        assert np.array_equal(result.energies[lam], clean.energies[lam])
