"""The execution layer: the same pieces, bit for bit, whatever runs the plan; faults; damaged pieces.

The toy task draws numbers from a seed derived from (config seed, task index) and can kill its own
worker process on its first attempt (a marker file records the attempt), to test recovery.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from polyloss._random import derive_seed
from polyloss.errors import InvalidInputError, TaskError
from polyloss.execution import Plan, Task, describe_executor

N_TASKS = 6


def toy_task(config, task):
    """Pure in its result: numbers from derive_seed(seed, i); may die once or raise, as configured."""
    i = task.args["i"]
    if i in config.get("die_once", ()):
        marker = Path(config["markers"]) / f"died-{i}"
        if not marker.exists():
            marker.touch()
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGKILL)
    if i in config.get("fail", ()):
        raise ValueError(f"bad value in task {i}")
    time.sleep(config.get("sleep", 0.0))
    rng = np.random.default_rng(derive_seed(config["seed"], "toy", i))
    return {"x": rng.normal(size=config["n"]), "i": np.int64(i)}


def make_plan(folder=None, order=None, **config):
    config = {"seed": 7, "n": 50, **config}
    tasks = [Task(f"task={i:02d}", {"i": i}, cost=float(i + 1)) for i in (order or range(N_TASKS))]
    return Plan("toy", toy_task, config, tasks, folder=folder)


def piece_bytes(folder, pattern="task=*"):
    return {p.name: p.read_bytes() for p in sorted(Path(folder).glob(pattern))}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serial") / "run"
    return make_plan(folder).run(), folder


def assert_same(result, reference):
    assert sorted(result) == sorted(reference)
    for key in reference:
        for name in reference[key]:
            np.testing.assert_array_equal(result[key][name], reference[key][name])


def test_serial_results_are_the_seeded_numbers(serial):
    result, folder = serial
    for i in range(N_TASKS):
        expected = np.random.default_rng(derive_seed(7, "toy", i)).normal(size=50)
        np.testing.assert_array_equal(result[f"task={i:02d}"]["x"], expected)
    assert len(list(folder.glob("task=*.npz"))) == N_TASKS


def test_local_processes_shuffled_order_and_thread_pool_give_the_same_bytes(serial, tmp_path):
    reference, ref_folder = serial
    runs = {"processes": (2, None), "threads": (cf.ThreadPoolExecutor(3), [4, 1, 5, 0, 3, 2])}
    for name, (executor, order) in runs.items():
        folder = tmp_path / name
        assert_same(make_plan(folder, order=order).run(executor), reference)
        assert piece_bytes(folder) == piece_bytes(ref_folder), name
    runs["threads"][0].shutdown()


def test_in_memory_run_matches_the_saved_one(serial):
    assert_same(make_plan(None).run(2), serial[0])


def test_a_killed_worker_process_is_replaced_and_the_run_finishes(serial, tmp_path, capfd):
    reference, ref_folder = serial
    markers = tmp_path / "markers"
    markers.mkdir()
    folder = tmp_path / "run"
    plan = make_plan(folder, die_once=[2], markers=str(markers))
    result = plan.run(2)
    assert (markers / "died-2").exists()  # the worker did die once
    assert "died" in capfd.readouterr().err
    assert_same(result, reference)
    # the arrays' bytes (the descriptions differ: this config names the marker folder)
    assert piece_bytes(folder, "task=*.npz") == piece_bytes(ref_folder, "task=*.npz")


def test_a_failing_task_stops_the_run_with_its_key_and_keeps_the_finished_pieces(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(TaskError, match=r"task=03 of toy failed: ValueError: bad value in task 3") as info:
        make_plan(folder, fail=[3]).run()
    assert info.value.key == "task=03"
    kept = sorted(p.stem for p in folder.glob("task=*.npz"))
    assert "task=03" not in kept and len(kept) >= 1
    # the tasks are started longest first (5, 4, then 3): those two are kept
    assert {"task=05", "task=04"} <= set(kept)


def test_a_failing_task_in_worker_processes_keeps_the_others(tmp_path):
    folder = tmp_path / "run"
    with pytest.raises(TaskError, match="task=00"):
        make_plan(folder, fail=[0]).run(2)
    assert len(list(folder.glob("task=*.npz"))) == N_TASKS - 1  # everything else finished


def test_rerun_skips_finished_pieces_and_recomputes_a_damaged_one(serial, tmp_path):
    reference, ref_folder = serial
    folder = tmp_path / "run"
    make_plan(folder).run()
    (folder / "task=01.npz").write_bytes((folder / "task=01.npz").read_bytes()[:-10])  # truncated
    before = (folder / "task=02.npz").stat().st_mtime_ns
    with pytest.warns(UserWarning, match=r"task=01\.npz: checksum"):
        result = make_plan(folder).run()
    assert (folder / "task=02.npz").stat().st_mtime_ns == before  # not rewritten
    assert_same(result, reference)
    assert piece_bytes(folder) == piece_bytes(ref_folder)


def test_plan_prints_its_tasks_costs_and_status(tmp_path):
    plan = make_plan(tmp_path / "run")
    text = str(plan)
    assert "plan toy" in text and "6 tasks, 0 done" in text and "task=05" in text and "to run" in text
    plan.run()
    assert "6 tasks, 6 done" in str(plan)


def test_bad_executors_and_duplicate_keys_are_refused():
    with pytest.raises(InvalidInputError, match="executor must be"):
        make_plan().run(executor=object())
    with pytest.raises(InvalidInputError, match=r"at least 1|>= 1|in 1\.\."):
        make_plan().run(executor=0)
    with pytest.raises(InvalidInputError, match="unique"):
        Plan("toy", toy_task, {}, [Task("a"), Task("a")])
    assert describe_executor(None) == "this process" and describe_executor(2) == "2 local worker processes"


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(InvalidInputError, match=r"polyloss\[distributed\]"):
        make_plan().run(executor="tcp://127.0.0.1:8786")


# ------------------------------------------------------------------------------------------- Dask
# dask_client (conftest.py): a LocalCluster of 2 worker processes started for the test session


def test_dask_local_cluster_gives_the_same_bytes(serial, tmp_path, dask_client):
    reference, ref_folder = serial
    folder = tmp_path / "run"
    assert_same(make_plan(folder).run(dask_client), reference)
    assert piece_bytes(folder) == piece_bytes(ref_folder)
    assert "Dask cluster" in describe_executor(dask_client)


def test_dask_killed_worker_task_runs_again(serial, tmp_path, dask_client):
    reference, _ = serial
    markers = tmp_path / "markers"
    markers.mkdir()
    result = make_plan(tmp_path / "run", die_once=[4], markers=str(markers)).run(dask_client)
    assert (markers / "died-4").exists()
    assert_same(result, reference)
    dask_client.wait_for_workers(2, timeout=60)  # the nanny restarted it


def test_dask_failing_task_raises_task_error(tmp_path, dask_client):
    with pytest.raises(TaskError, match="task=01 of toy failed: ValueError"):
        make_plan(tmp_path / "run", fail=[1]).run(dask_client)


def test_dask_scheduler_address(serial, dask_client):
    assert_same(make_plan().run(dask_client.scheduler.address), serial[0])


def test_local_workers_are_reused_across_plans(serial):
    from polyloss.execution import LocalWorkers

    with LocalWorkers(2) as workers:
        first = make_plan().run(workers)
        pool = workers.pool
        second = make_plan(seed=7).run(workers)
        assert workers.pool is pool  # the same processes served both runs
    assert workers.pool is None
    assert_same(first, serial[0])
    assert_same(second, serial[0])


def option_task(config, task):
    return {"device": np.array(config["device"]), "seed": np.int64(config["seed"])}


def test_options_reach_the_task_but_not_the_run_folders_identity(tmp_path):
    import json

    folder = tmp_path / "run"
    first = Plan("opt", option_task, {"seed": 1}, [Task("a")], folder=folder, options={"device": "cpu"}).run()
    assert str(first["a"]["device"]) == "cpu"
    assert "device" not in json.loads((folder / "config.json").read_text())["config"]
    assert json.loads((folder / "timing" / "a.json").read_text())["device"] == "cpu"
    # the same folder opened with another option: the finished piece is reused, not refused
    again = Plan("opt", option_task, {"seed": 1}, [Task("a")], folder=folder, options={"device": "elsewhere"})
    assert str(again.run()["a"]["device"]) == "cpu"
    with pytest.raises(InvalidInputError, match="also in the configuration"):
        Plan("opt", option_task, {"seed": 1}, [Task("a")], options={"seed": 2})


def environment_task(config, task):
    """What a task sees of its process: numpy's BLAS threads, torch's threads, its share of the memory."""
    import torch
    from threadpoolctl import threadpool_info

    from polyloss._device import available_memory_bytes

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return {"blas": np.array(blas or [1]), "torch": np.int64(torch.get_num_threads()),
            "memory": np.int64(available_memory_bytes())}


def test_workers_run_one_blas_and_torch_thread_and_share_the_memory():
    from polyloss._device import available_memory_bytes

    plan = Plan("env", environment_task, {}, [Task(f"t{i}") for i in range(2)])
    here = plan.run()
    workers = plan.run(2)
    for result in (here, workers):
        assert all(int(r["torch"]) == 1 and set(r["blas"].tolist()) == {1} for r in result.values())
    # each of the 2 workers sizes its work with about half of the machine's free memory
    assert all(int(r["memory"]) < 0.75 * available_memory_bytes() for r in workers.values())


def test_a_broken_executor_of_your_own_is_a_task_error(tmp_path):
    import multiprocessing as mp

    markers = tmp_path / "markers"
    markers.mkdir()
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        with pytest.raises(TaskError, match="died while .* broke the executor"):
            make_plan(tmp_path / "run", die_once=[1], markers=str(markers)).run(pool)


def test_an_interactive_task_function_is_refused_before_any_worker_starts(monkeypatch):
    import types

    def interactive(config, task):
        return {}

    interactive.__module__ = "__main__"
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))  # a REPL's __main__: no __file__
    with pytest.raises(InvalidInputError, match="defined interactively"):
        Plan("repl", interactive, {}, [Task("a")]).run(2)


def test_a_folder_of_the_earlier_version_is_named_as_such(tmp_path):
    import json

    from polyloss.errors import ResumeError
    from polyloss.store import RunStore

    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"config": {"seed": 7, "n": 50}, "polyloss_version": "0.1.0"}))
    with pytest.raises(ResumeError, match="written by polyloss 0.1.0"):
        RunStore(folder, {"seed": 7, "n": 50})


def test_local_worker_counts_have_an_upper_limit():
    from polyloss.errors import InvalidInputError
    from polyloss.execution import MAX_LOCAL_WORKERS, LocalWorkers, _runner

    for bad in (0, -1, MAX_LOCAL_WORKERS + 1, 10**9):
        with pytest.raises(InvalidInputError, match="workers"):
            LocalWorkers(bad)
        with pytest.raises(InvalidInputError, match="executor"):
            _runner(bad, 1)
    with pytest.raises(InvalidInputError, match="threads"):
        LocalWorkers(1, threads=10**9)
