"""Damaged run files: every kind of file polyloss reads back is verified, and a damaged one is reported
by name and then recomputed (results) or refused (configurations); it is never used.

Kinds covered: a piece's ``.npz`` and its ``.json`` description, a run folder's ``config.json``,
``timing/<key>.json``, a spin-glass chunk (copied over another, fewer rows), a training checkpoint
(another width, an epoch past the run, non-finite weights) and result, ``reproduce.json``, a stage's
``stage.json``. Each test checks the recomputed values against a clean run of the same configuration.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyloss.errors import DamagedResultError, ResumeError
from polyloss.execution import Plan, Task
from polyloss.store import RunStore


# ------------------------------------------------------------------------------- a toy sweep
def toy_task(config, task):
    n, i = task.args["n"], task.args["i"]
    return {"x": np.arange(n, dtype=np.float64) + 100.0 * i, "y": np.full((n, 2), i, dtype=np.int64)}


def toy_plan(folder, n=5, tasks=3):
    return Plan("toy", toy_task, {"what": "toy", "n": n},
                [Task(f"t={i}", {"i": i, "n": n}, expect={"x": (n,), "y": (n, 2)}) for i in range(tasks)],
                folder=folder)


def expected(n=5, tasks=3):
    return {f"t={i}": toy_task(None, Task(f"t={i}", {"i": i, "n": n})) for i in range(tasks)}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].keys() == b[k].keys() and all(np.array_equal(a[k][m], b[k][m]) for m in a[k]) for k in a)


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.suffix in (".npz", ".json")}


@pytest.fixture
def toy(tmp_path):
    folder = tmp_path / "run"
    toy_plan(folder).run()
    return folder, files(folder)


def rerun_warns(folder, name):
    """Run the toy plan again: it must warn naming ``name`` and give the clean values."""
    with pytest.warns(UserWarning, match=re.escape(name)):
        got = toy_plan(folder).run()
    assert same(got, expected())
    return got


DAMAGES = {
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "two bytes short": lambda b: b[:-2],  # a JSON file ends "}\n": one byte would be harmless
    "garbage": lambda b: bytes(range(256)) * 3,
    "a flipped byte": lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0x55]) + b[len(b) // 2 + 1:],
    "not UTF-8": lambda b: b"\xff\xfe\x00" + b,
}


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_piece_file_is_named_then_recomputed(toy, suffix, damage):
    folder, clean = toy
    path = folder / f"t=1{suffix}"
    path.write_bytes(DAMAGES[damage](path.read_bytes()))
    store = RunStore.open(folder)
    with pytest.raises(DamagedResultError, match=re.escape(path.name)):
        store.load("t=1")
    rerun_warns(folder, path.name)
    assert files(folder) == clean  # recomputed: the same bytes as the clean run


@pytest.mark.parametrize("damage", ["a JSON list", "missing sha256", "malformed arrays", "arrays not matching",
                                    "meta not an object"])
def test_a_malformed_description_is_named_then_recomputed(toy, damage):
    folder, clean = toy
    path = folder / "t=2.json"
    desc = json.loads(path.read_text())
    if damage == "a JSON list":
        desc = []
    elif damage == "missing sha256":
        del desc["sha256"]
    elif damage == "malformed arrays":
        desc["arrays"] = {"x": 3}
    elif damage == "arrays not matching":
        desc["arrays"]["x"]["shape"] = [4]
    else:
        desc["meta"] = "n"
    path.write_text(json.dumps(desc))
    with pytest.raises(DamagedResultError, match=re.escape(path.name)):
        RunStore.open(folder).load("t=2")
    rerun_warns(folder, path.name)
    assert files(folder) == clean


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_damage_to_a_piece_is_refused_or_harmless(tmp_path_factory, data):
    """Random truncations, byte changes and insertions: load either refuses with DamagedResultError
    naming the file, or (the bytes unchanged) returns the clean arrays; nothing else escapes."""
    folder = tmp_path_factory.mktemp("fuzz") / "run"
    toy_plan(folder).run()
    suffix = data.draw(st.sampled_from([".npz", ".json"]))
    path = folder / f"t=0{suffix}"
    raw = path.read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    insert = data.draw(st.binary(max_size=8))
    end = data.draw(st.integers(cut, len(raw)))
    new = raw[:cut] + insert + raw[end:]
    path.write_bytes(new)
    try:
        got = RunStore.open(folder).load("t=0")
    except DamagedResultError as exc:
        assert path.name in str(exc)
    else:
        if suffix == ".npz":
            assert new == raw  # any change to the arrays' bytes fails the checksum
        assert same({"t=0": got}, {"t=0": expected()["t=0"]})


def test_a_piece_copied_over_another_is_recomputed(toy):
    folder, clean = toy
    for suffix in (".npz", ".json"):
        shutil.copy(folder / f"t=0{suffix}", folder / f"t=1{suffix}")
    with pytest.raises(DamagedResultError, match="describes piece 't=0', not 't=1'"):
        RunStore.open(folder).load("t=1")
    rerun_warns(folder, "t=1.json")
    assert files(folder) == clean


def test_a_copied_piece_with_its_key_edited_is_caught_by_its_task(toy):
    """The copy passes the key, checksum and shape checks; the task's saved arguments give it away."""
    folder, clean = toy
    shutil.copy(folder / "t=0.npz", folder / "t=1.npz")
    desc = json.loads((folder / "t=0.json").read_text())
    desc["key"] = "t=1"
    (folder / "t=1.json").write_text(json.dumps(desc))
    assert RunStore.open(folder).problem("t=1") is None  # whole, by itself
    rerun_warns(folder, "t=1.json")
    assert files(folder) == clean


def test_a_piece_from_another_run_folder_is_recomputed(tmp_path, toy):
    folder, clean = toy
    other = tmp_path / "other"
    toy_plan(other, n=4).run()  # another configuration: other hash
    for suffix in (".npz", ".json"):
        shutil.copy(other / f"t=1{suffix}", folder / f"t=1{suffix}")
    rerun_warns(folder, "t=1.json")
    assert files(folder) == clean


def test_a_piece_with_fewer_rows_is_recomputed(toy):
    """Whole, with a valid checksum and description, and its own task's arguments: only the
    shapes its task must have give it away."""
    folder, clean = toy
    RunStore.open(folder).save("t=1", {"x": np.arange(3.0) + 100, "y": np.ones((3, 2), dtype=np.int64)},
                               meta={"i": 1, "n": 5})
    with pytest.raises(DamagedResultError, match=r"t=1\.npz: array 'x' has shape \(3,\)"):
        RunStore.open(folder).load("t=1", {"x": (5,), "y": (5, 2)})
    rerun_warns(folder, "t=1.npz")
    assert files(folder) == clean


def test_leftover_temporary_files_are_not_pieces(toy):
    folder, clean = toy
    (folder / ".t=1.npz.x1y2.tmp").write_bytes(b"half")
    (folder / ".t=1.json.x1y2.tmp").write_bytes(b"{")
    store = RunStore.open(folder)
    assert store.keys() == ["t=0", "t=1", "t=2"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert same(toy_plan(folder).run(), expected())


@pytest.mark.parametrize("content", [b"", b"{", b"[1, 2]", b'{"config": 3}', b"\x00\xff" * 40,
                                     b'{"polyloss_version": "0.2"}'])
def test_a_damaged_config_json_is_named_and_refused_while_pieces_exist(toy, content):
    folder, clean = toy
    (folder / "config.json").write_bytes(content)
    with pytest.raises((ResumeError, DamagedResultError), match=re.escape(str(folder / "config.json"))):
        toy_plan(folder)
    with pytest.raises(DamagedResultError, match="config.json"):
        RunStore.open(folder)
    assert {k: v for k, v in files(folder).items() if k != "config.json"} == \
           {k: v for k, v in clean.items() if k != "config.json"}  # nothing touched


def test_force_moves_a_damaged_configuration_aside(toy):
    folder, clean = toy
    (folder / "config.json").write_bytes(b"{")
    plan = Plan("toy", toy_task, {"what": "toy", "n": 5},
                [Task(f"t={i}", {"i": i, "n": 5}) for i in range(3)], folder=folder, force=True)
    assert plan.store.superseded is not None and plan.store.superseded.parent == folder
    assert (plan.store.superseded / "config.json").read_bytes() == b"{"
    assert (plan.store.superseded / "t=1.npz").read_bytes() == clean["t=1.npz"]
    assert same(plan.run(), expected())


def test_a_damaged_timing_record_is_not_a_result(toy):
    from polyloss.experiments.reproduce import task_seconds

    folder, _ = toy
    store = RunStore.open(folder)
    store.record_seconds("t=0", 2.5)
    store.record_seconds("t=1", 1.0)
    store.record_seconds("t=2", 0.5)
    assert task_seconds(folder) == 4.0
    (folder / "timing" / "t=1.json").write_bytes(b"{garbage")
    assert np.isnan(store.seconds("t=1"))
    assert task_seconds(folder) == 3.0


# ------------------------------------------------------------------------ spin-glass chunks
SG = dict(H=3, runs=8, chunk=2, method="gd", steps=40, seed=5, refine=False, progress=False)


@pytest.fixture(scope="module")
def sg_clean(tmp_path_factory):
    from polyloss.experiments.spinglass_minima import spinglass_minima

    folder = tmp_path_factory.mktemp("sg") / "run"
    spinglass_minima((6,), out=folder, **SG)
    return folder


def _sg_copy(sg_clean, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(sg_clean, folder)
    return folder


def test_spinglass_chunk_copied_over_another_is_recomputed(sg_clean, tmp_path):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    folder = _sg_copy(sg_clean, tmp_path)
    for suffix in (".npz", ".json"):
        shutil.copy(folder / f"Lambda=6_chunk=0000{suffix}", folder / f"Lambda=6_chunk=0001{suffix}")
    with pytest.raises(DamagedResultError, match=re.escape("Lambda=6_chunk=0001.json")):
        SpinGlassMinimaResult.load(folder)  # reading never recomputes: it refuses
    with pytest.warns(UserWarning, match=re.escape("Lambda=6_chunk=0001.json")):
        result = spinglass_minima((6,), out=folder, **SG)
    clean = SpinGlassMinimaResult.load(sg_clean)
    assert np.array_equal(result.energies[6], clean.energies[6])
    assert len(set(result.energies[6].tolist())) == 8  # no run counted twice


def test_spinglass_chunk_with_fewer_rows_is_recomputed(sg_clean, tmp_path):
    from polyloss.experiments.spinglass_minima import SpinGlassMinimaResult, spinglass_minima

    folder = _sg_copy(sg_clean, tmp_path)
    store = RunStore.open(folder)
    short = {k: v[:1] for k, v in store.load("Lambda=6_chunk=0002").items()}
    store.save("Lambda=6_chunk=0002", short, meta=store.meta("Lambda=6_chunk=0002"))
    with pytest.raises(DamagedResultError, match=r"Lambda=6_chunk=0002\.npz: array '\w+' has shape \(1,\)"):
        SpinGlassMinimaResult.load(folder)
    with pytest.warns(UserWarning, match=re.escape("Lambda=6_chunk=0002.npz")):
        result = spinglass_minima((6,), out=folder, **SG)
    assert result.summary()[0]["runs"] == 8
    assert np.array_equal(result.energies[6], SpinGlassMinimaResult.load(sg_clean).energies[6])
    assert json.loads((folder / "summary.json").read_text())[0]["runs"] == 8


def test_cli_names_a_damaged_config_without_a_traceback(sg_clean, tmp_path, capsys):
    from polyloss.cli import main

    folder = _sg_copy(sg_clean, tmp_path)
    (folder / "config.json").write_bytes(b'{"config": ')
    with pytest.raises(SystemExit) as exc:
        main(["spinglass", "--Lambda", "6", "--runs", "8", "--chunk", "2", "--method", "gd", "--steps", "40",
              "--seed", "5", "--no-refine", "--quiet", "--out", str(folder)])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "Traceback" not in err and str(folder / "config.json") in err and "--force" in err


# ------------------------------------------------------------------------------- training
TR = dict(epochs=3, seed=2, batch_size=500, progress=False, checkpoint_every=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from polyloss.numeric.training import train_replicas

    folder = tmp_path_factory.mktemp("tr") / "w10"
    clean = train_replicas(10, 2, out=folder, **TR)
    return folder, clean


def _forge_checkpoint(folder, w1, w2, epoch):
    store = RunStore.open(folder)
    store.discard("result")
    store.save("checkpoint", {"w1": w1, "w2": w2, "epoch": epoch}, {"epoch": epoch})


@pytest.mark.parametrize("kind", ["width 5", "epoch 500", "non-finite", "garbage"])
def test_a_wrong_checkpoint_is_named_then_training_restarts(trained, tmp_path, kind):
    from polyloss.numeric.training import train_replicas

    folder = tmp_path / "w10"
    shutil.copytree(trained[0], folder)
    w1 = np.zeros((2, 100, 10), dtype=np.float32)
    w2 = np.zeros((2, 10, 10), dtype=np.float32)
    if kind == "width 5":
        _forge_checkpoint(folder, w1[:, :, :5], w2[:, :5], 2)
        match = r"checkpoint\.npz: array 'w1' has shape \(2, 100, 5\)"
    elif kind == "epoch 500":
        _forge_checkpoint(folder, w1, w2, 500)
        match = r"checkpoint\.npz: it is at epoch 500, and this run has 3 epochs"
    elif kind == "non-finite":
        _forge_checkpoint(folder, w1 * np.nan, w2, 1)
        match = r"checkpoint\.npz: its weights are not finite"
    else:
        _forge_checkpoint(folder, w1, w2, 1)
        (folder / "checkpoint.npz").write_bytes(b"PK\x03\x04 not a zip")
        match = r"checkpoint\.npz"
    with pytest.warns(UserWarning, match=match):
        again = train_replicas(10, 2, out=folder, **TR)
    for m in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert np.array_equal(getattr(again, m), getattr(trained[1], m))
    assert RunStore.open(folder).meta("result")["epochs_run"] == 3


def test_a_damaged_training_result_is_recomputed(trained, tmp_path):
    from polyloss.numeric.training import train_replicas

    folder = tmp_path / "w10"
    shutil.copytree(trained[0], folder)
    path = folder / "result.npz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.warns(UserWarning, match=re.escape(str(path))):
        again = train_replicas(10, 2, out=folder, **TR)
    assert np.array_equal(again.test_loss, trained[1].test_loss)


# ------------------------------------------------------------------------------- reproduce
@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"scale": "smoke"}', b'{"scale": "huge", "seed": 0}',
                                     b'{"scale": "smoke", "seed": "zero"}'])
def test_a_damaged_reproduce_json_is_named_and_refused(tmp_path, content, capsys):
    from polyloss.cli import main
    from polyloss.experiments.reproduce import read_run, reproduce

    results = tmp_path / "results"
    results.mkdir()
    (results / "reproduce.json").write_bytes(content)
    with pytest.raises(DamagedResultError, match="reproduce.json"):
        read_run(results)
    with pytest.raises(ResumeError, match="reproduce.json"):
        reproduce(tmp_path / "out", results=results, scale="smoke", progress=False)
    assert not (tmp_path / "out" / "summary.md").exists()  # refused before anything was written
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--from", str(results), "--quiet"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "Traceback" not in err and "reproduce.json" in err


@pytest.mark.parametrize("content", [b"", b"{", b'{"format": 2}', b"\xff"])
def test_a_damaged_stage_json_is_named_and_counts_as_not_run(tmp_path, content):
    from polyloss.experiments.reproduce import _stages, read_marker
    from polyloss.experiments.summary import write_summary

    marker = tmp_path / "spinglass" / "stage.json"
    marker.parent.mkdir()
    marker.write_bytes(content)
    with pytest.warns(UserWarning, match=re.escape(str(marker))):
        assert read_marker(marker) is None
    with pytest.warns(UserWarning, match=re.escape(str(marker))):
        summary = write_summary(tmp_path, _stages())
    text = summary.read_text()
    assert "| Spin-glass minima | | (stage not run) | | |" in text  # the damaged marker's own row
