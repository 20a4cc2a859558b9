"""Bad input on the command line: every subcommand, about a hundred invocations, none prints a traceback.

Each invocation of the table runs in this process through :func:`polyloss.cli.main` and must end with
exit status 2, one error line that names the bad argument, no traceback and no "unexpected error" (the
global guard's line for a bug). The arguments are chosen so that the refusal comes before any work.
Hypothesis then feeds random text to the numeric options and checks that the outcome is a success or
such a refusal. A few subprocess tests cover what only a real process shows: a reader that closes the
pipe (``polyloss derive ... | head -1``: exit 141, quiet) and Ctrl-C during start-up (exit 130, one line).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polyloss import cli
from polyloss.cli import main

BIG = "1" + "0" * 9  # 10^9
HUGE_DIGITS = "9" * 5000  # more digits than int() takes by default (4300)

# (argv, fragment that the error message must contain). Placeholders: {file} an existing file,
# {dir} an existing folder (both in the test's temporary folder, the working folder of the run).
CASES = {
    "derive": [
        ([], "--widths"),
        (["--widths", "0,1"], "--widths"),
        (["--widths", "a,b"], "--widths"),
        (["--widths", ""], "--widths"),
        (["--widths", "3,2"], "n_H must be 1"),
        (["--widths", "3,2,1", "--q", "1/0"], "division by zero"),
        (["--widths", "3,2,1", "--q", "0/0"], "division by zero"),
        (["--widths", "3,2,1", "--q", "0"], "non-zero"),
        (["--widths", "3,2,1", "--q", "2**99999999"], "--q"),
        (["--widths", "3,2,1", "--q", "10**10**10"], "--q"),
        (["--widths", "3,2,1", "--q", "1e99999999"], "1e300"),
        (["--widths", "3,2,1", "--q", "1e-400"], "1e-300"),
        (["--widths", "3,2,1", "--q", "nan"], "--q"),
        (["--widths", "3,2,1", "--q", "inf"], "--q"),
        (["--widths", "3,2,1", "--q", "x"], "--q"),
        (["--widths", "3,2,1", "--q", "1/2/3"], "--q"),
        (["--widths", "3,2,1", "--q", "sqrt(2)"], "--q"),
        (["--widths", "3,2,1", "--q", "1" * 200], "characters"),
        (["--widths", "3,2,1", "--latex", "/proc/polyloss.tex"], "--latex"),
        (["--widths", "3,2,1", "--latex", "{file}/x.tex"], "is a file, not a folder"),
        (["--widths", "3,2,1", "--latex", "{dir}"], "is a folder"),
        (["--widths", "3,2,1", "--latex", "{fifo}"], "not a regular file"),
        (["--widths", "3,2,1", "--latex", ""], "--latex needs a path"),
        (["--widths", "2,2,1", "--steps", "--latex", "{dir}"], "is a folder"),
        (["--widths", "2,2,1", "--steps", "--latex", "/proc/self/x.tex"], "--latex"),
        (["--widths", "3,2,1", "--loss", "absolute"], "--steps"),
        (["--widths", "3,2,1", "--loss", "square"], "--loss"),
        (["--widths", "2,2,1", "--steps", "--Lambda", "0"], "--Lambda"),
        (["--widths", "3,2,1", "--max-terms", "0"], "--max-terms"),
        (["--widths", "3,2,1", "--max-paths", "-1"], "--max-paths"),
        (["--widths", "3,2,1", "--max-paths", HUGE_DIGITS], "--max-paths"),
        (["--widths", "50,50,50,1", "--max-paths", "10"], "paths"),
        (["--widths", "3,2,1", "--bogus"], "unrecognized"),
    ],
    "complexity": [
        (["--H", "1"], "H (the spin-glass degree"),
        (["--H", "51"], "H (the spin-glass degree"),
        (["--H", "x"], "--H"),
        (["--H", "1e3"], "--H"),
        (["--kmax", "-1"], "kmax"),
        (["--kmax", "101"], "kmax"),
        (["--dps", "4"], "dps"),
        (["--dps", "100000"], "dps"),
        (["--dps", "10**9"], "--dps"),
        (["--dps", HUGE_DIGITS], "--dps"),
        (["--plot", "{dir}"], "--plot"),
        (["--plot", "{file}/fig.png"], "is a file, not a folder"),
        (["--plot", "/proc/fig.png"], "--plot"),
        (["--plot", "fig.xyz"], "unsupported format"),
        (["--plot", "{fifo}"], "not a regular file"),  # never {fifo}.png either
        (["--plot", "{dir}/sub"], "--plot"),  # {dir}/sub.png is made a folder by the test below
        (["--latex", "{dir}"], "--latex"),
        (["--latex", "/proc/x.tex"], "--latex"),
        (["--latex", "{file}/x.tex"], "is a file, not a folder"),
    ],
    "theory": [
        (["--out", "{file}"], "--out"),
        (["--out", "/proc/theory"], "--out"),
        (["--out", "{file}/sub"], "is a file, not a folder"),
        (["--out", ""], "--out"),
        (["--pdf", "--bogus"], "unrecognized"),
    ],
    "spinglass": [
        ([], "--out"),
        (["--runs", BIG], "--runs"),
        (["--runs", "0"], "--runs"),
        (["--runs", "-5"], "--runs"),
        (["--runs", "x"], "--runs"),
        (["--runs", "2.5"], "--runs"),
        (["--chunk", BIG], "--chunk"),
        (["--chunk", "0"], "--chunk"),
        (["--seed", "-1"], "--seed"),
        (["--seed=-1"], "--seed"),
        (["--seed", str(2**64)], "--seed"),
        (["--seed", "1.5"], "--seed"),
        (["--seed", HUGE_DIGITS], "--seed"),
        (["--lr", "nan"], "--lr"),
        (["--lr", "inf"], "--lr"),
        (["--lr", "1e999"], "--lr"),
        (["--lr", "0"], "--lr"),
        (["--lr", "-1"], "--lr"),
        (["--H", "1"], "--H"),
        (["--H", "21"], "--H"),
        (["--P", "0"], "--P"),
        (["--P", BIG], "--P"),
        (["--steps", "-1"], "--steps"),
        (["--steps", BIG], "--steps"),
        (["--Lambda", "0"], "--Lambda"),
        (["--Lambda", "x"], "--Lambda"),
        (["--method", "newton"], "--method"),
        (["--precision", "float16"], "--precision"),
        (["--out", "{file}"], "--out"),
        (["--out", "/proc/sg"], "--out"),
        (["--out", "{file}/sub"], "is a file, not a folder"),
        (["--workers", BIG], "--workers"),
        (["--workers", "-1"], "--workers"),
        (["--threads", "0"], "--threads"),
        (["--device", "nonsense"], "device"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
    ],
    "skips": [
        (["--H", "2"], "--H"), (["--H", "9"], "--H"), (["--width", "0"], "--width"),
        (["--C", "0"], "--C"), (["--C", "nan"], "--C"), (["--Lambda", "1"], "--Lambda"),
        (["--seeds", "0"], "--seeds"), (["--replicas", "0"], "--replicas"), (["--chunk", "0"], "--chunk"),
        (["--steps", "-1"], "--steps"), (["--lr", "0"], "--lr"), (["--seed", "-1"], "--seed"),
        (["--preset", "huge"], "--preset"),
        (["--architectures", "0-2"], "--architectures"), (["--architectures", "0:1"], "--architectures"),
        (["--architectures", "none;none"], "--architectures"), (["--architectures", "1:4"], "--architectures"),
        (["--out", "{file}"], "--out"), (["--out", "/proc/skips"], "--out"),
        (["--out", "{file}/sub"], "is a file, not a folder"),
        (["--workers", "-1"], "--workers"), (["--threads", "0"], "--threads"), (["--device", "nonsense"], "device"),
    ],
    "train": [
        (["--epochs", "1000000000000"], "--epochs"),
        (["--epochs", "-1"], "--epochs"),
        (["--replicas", "1"], "--replicas"),
        (["--replicas", BIG], "--replicas"),
        (["--widths", "0"], "--widths"),
        (["--widths", "x"], "--widths"),
        (["--seed", "-1"], "--seed"),
        (["--seed", str(2**63)], "--seed"),
        (["--out", "{file}"], "--out"),
        (["--out", "/proc/mnist"], "--out"),
        (["--data", "{file}"], "--data"),
        (["--index-widths", "100000"], "index width"),
        (["--widths", "2", "--anneal-width", "7"], "anneal_width"),
        (["--scale", "huge"], "--scale"),
        (["--block", "0"], "--block"),
        (["--threads", "0"], "--threads"),
        (["--device", "nonsense"], "device"),
    ],
    "reproduce": [
        (["--seed", "-1"], "--seed"),
        (["--seed=-1"], "--seed"),
        (["--seed", str(2**63)], "--seed"),
        (["--seed", "x"], "--seed"),
        (["--out", "{file}"], "--out"),
        (["--out", "/proc/report"], "--out"),
        (["--out", "{file}/sub"], "is a file, not a folder"),
        (["--results", "{file}"], "--results"),
        (["--from", "missing-folder"], "--from"),
        (["--from", "{file}"], "--from"),
        (["--from", "{dir}", "--results", "{dir}"], "--results"),
        (["--only", "nonsense"], "--only"),
        (["--scale", "huge"], "--scale"),
        (["--workers", "-1"], "--workers"),
        (["--device", "nonsense"], "device"),
    ],
    None: [  # no subcommand
        ([], "COMMAND"),
        (["bogus"], "bogus"),
        (["--bogus", "derive", "--widths", "2,1"], "--bogus"),
    ],
}

# options that make the heavy commands tiny or let them fail early, added unless the case gives them
_DEFAULTS = {
    "spinglass": ["--Lambda", "5", "--runs", "2", "--workers", "0", "--quiet"],
    "skips": ["--Lambda", "5", "--seeds", "1", "--replicas", "2", "--steps", "5", "--workers", "0", "--quiet"],
    "train": ["--scale", "smoke", "--widths", "2", "--replicas", "2", "--epochs", "1", "--no-index", "--workers",
              "0", "--quiet"],
    "reproduce": ["--scale", "smoke", "--only", "derivation", "--workers", "0", "--quiet"],
}


def _argv(command, args, tmp_path):
    args = [a.format(file=tmp_path / "afile", dir=tmp_path / "adir", fifo=tmp_path / "afifo") for a in args]
    if command is None:
        return args
    given = {a.split("=")[0] for a in args if a.startswith("--")}
    if "--index-widths" in given:
        given.add("--no-index")  # the case is about the index widths: do not switch them off
    extra = []
    defaults = _DEFAULTS.get(command, [])
    i = 0
    while i < len(defaults):  # a default option is added unless the case sets it
        name = defaults[i]
        takes_value = i + 1 < len(defaults) and not defaults[i + 1].startswith("--")
        if name not in given:
            extra += defaults[i:i + 1 + takes_value]
        i += 1 + takes_value
    if command in ("spinglass", "skips") and args and "--out" not in given:  # ([] is the case of the missing --out)
        extra += ["--out", "sg"]
    return [command, *extra, *args]


def run_cli(argv, capsys):
    """``(status, stdout, stderr)`` of ``polyloss ARGV`` run in this process."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    except BaseException as exc:  # KeyboardInterrupt too: nothing may escape main()
        out = capsys.readouterr()
        pytest.fail(f"polyloss {' '.join(map(str, argv))}: {type(exc).__name__} escaped main(): {exc}\n{out.err}")
    out = capsys.readouterr()
    return status, out.out, out.err


def assert_refused(status, err, fragment=None):
    assert "Traceback" not in err, err
    assert "unexpected error" not in err, err
    assert status == 2, (status, err)
    last = err.strip().splitlines()[-1]
    assert last.startswith("polyloss"), err
    assert "error:" in last, err
    if fragment is not None:
        assert fragment in last, (fragment, last)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("a file, not a folder\n")
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir" / "sub.png").mkdir()  # for --plot {dir}/sub: sub.png is a folder
    os.mkfifo(tmp_path / "afifo")  # a special file to refuse (never /dev/null: a regression would replace it)
    monkeypatch.chdir(tmp_path)
    return tmp_path


_TABLE = [(command, args, fragment) for command, cases in CASES.items() for args, fragment in cases]


def _case_id(case):
    command, args, _ = case
    text = " ".join([command or "polyloss", *args])
    return text if len(text) < 60 else text[:57] + "..."


def test_the_table_covers_every_subcommand():
    names = {module.NAME for module in cli._available_commands()}
    assert names <= set(CASES), names - set(CASES)
    assert len(_TABLE) >= 100, len(_TABLE)


@pytest.mark.parametrize("case", _TABLE, ids=[_case_id(c) for c in _TABLE])
def test_bad_invocation_is_refused_in_one_line(case, workdir, capsys):
    command, args, fragment = case
    argv = _argv(command, args, workdir)
    before = sorted(p.relative_to(workdir) for p in workdir.rglob("*"))
    status, out, err = run_cli(argv, capsys)
    assert_refused(status, err, fragment)
    after = sorted(p.relative_to(workdir) for p in workdir.rglob("*") if ".polyloss.lock" not in p.name)
    if command in ("derive", "complexity", "theory"):
        assert after == before, "a refused command wrote something"


# --------------------------------------------------------------------------- what refused paths mean


def test_plot_without_suffix_writes_and_reports_png(workdir, capsys):
    status, out, err = run_cli(["complexity", "--kmax", "1", "--plot", "fig"], capsys)
    assert status == 0, err
    assert (workdir / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (workdir / "fig").exists()
    assert "wrote fig.png" in out


def test_plot_into_an_existing_folder_is_refused_and_writes_nothing(workdir, capsys):
    status, out, err = run_cli(["complexity", "--kmax", "1", "--plot", "adir"], capsys)
    assert_refused(status, err, "--plot adir: is a folder")
    assert not (workdir / "adir.png").exists()
    assert list((workdir / "adir").iterdir()) == [workdir / "adir" / "sub.png"]


@pytest.mark.parametrize("q, same", [("2.5e-3", "1/400"), ("0.5", "1/2"), ("-2", "-4/2"), ("1e2", "100"),
                                     (" 1 / 3 ", "2/6")])
def test_q_values_are_exact_rationals(q, same, capsys):
    status, out, err = run_cli(["derive", "--widths", "2,1", f"--q={q}"], capsys)
    status2, out2, _ = run_cli(["derive", "--widths", "2,1", f"--q={same}"], capsys)
    assert status == status2 == 0, err
    assert out == out2


def test_q_parser_keeps_the_exact_value():
    from polyloss.commands.derive import _q_value

    for text, value in [("2.5e-3", Fraction(1, 400)), ("1/3", Fraction(1, 3)), ("-7", Fraction(-7)),
                        ("1e300", Fraction(10**300)), ("1e-300", Fraction(1, 10**300))]:
        q = _q_value(text)
        assert Fraction(int(q.p), int(q.q)) == value


def test_huge_q_is_refused_at_once():
    import argparse

    from polyloss.commands.derive import _q_value

    start = time.perf_counter()
    for text in ("2**99999999", "10**10**10", "1e99999999", "9" * 99 + "e99999999", "1/1e-99999999"):
        with pytest.raises(argparse.ArgumentTypeError):
            _q_value(text)
    assert time.perf_counter() - start < 1.0


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_output_checks_name_the_option_and_the_place(tmp_path):
    from polyloss.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match=r"--latex /proc/self/x\.tex: cannot write in /proc/self"):
        cli.check_output_file("--latex", "/proc/self/x.tex")
    with pytest.raises(InvalidInputError, match=r"--out /proc/a/b: cannot write in /proc"):
        cli.check_output_folder("--out", "/proc/a/b")
    # a writable place passes and nothing is left behind by the probe
    assert cli.check_output_file("--latex", tmp_path / "new" / "x.tex") == tmp_path / "new" / "x.tex"
    assert cli.check_output_folder("--out", tmp_path / "run") == tmp_path / "run"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInputError, match="NUL"):
        cli.check_output_file("--latex", "a\0b.tex")


# --------------------------------------------------------------------------- the global guard


def test_an_unexpected_exception_is_one_line_exit_1(monkeypatch, capsys):
    from polyloss.commands import theory

    def boom(args):
        return 1 // 0

    monkeypatch.setattr(theory, "run", boom)
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    status, out, err = run_cli(["theory", "--out", "x"], capsys)
    assert status == 1
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert "ZeroDivisionError" in err and "POLYLOSS_DEBUG=1" in err

    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    status, out, err = run_cli(["theory", "--out", "x"], capsys)
    assert status == 1
    assert "Traceback" in err and "1 // 0" in err


@pytest.mark.parametrize("exc, status, fragment", [
    (KeyboardInterrupt(), 130, "interrupted"),
    (BrokenPipeError(32, "Broken pipe"), 141, None),
    (PermissionError(13, "Permission denied", "/somewhere/file.tex"), 2, "'/somewhere/file.tex'"),
    (MemoryError(), 1, "MemoryError"),
])
def test_exceptions_from_a_command(exc, status, fragment, monkeypatch, capsys):
    from polyloss.commands import theory

    def raise_it(args):
        raise exc

    monkeypatch.setattr(theory, "run", raise_it)
    got, out, err = run_cli(["theory", "--out", "x"], capsys)
    assert got == status
    assert "Traceback" not in err
    if fragment is None:
        assert err == ""
    else:
        assert fragment in err and err.count("\n") == 1


def test_ctrl_c_while_the_parser_is_built(monkeypatch, capsys):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    status, out, err = run_cli(["derive", "--widths", "2,1"], capsys)
    assert status == 130
    assert err.startswith("polyloss: interrupted") and err.count("\n") == 1


# --------------------------------------------------------------------------- hypothesis: numeric options

_NUMBERISH = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="0123456789-+.eE/*x_ ", max_size=16),
    st.integers().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e999", "0", "-0", "1/0", "2**64", "1e-400", "", " ", "٣", "1_0"]),
)

# (command, option, the rest of the command line): a valid value gives a tiny run, or, for the heavy
# commands, a refusal of the output folder (an existing file) after the value was accepted
_FILE_OUT = ["--out", "afile"]
_NUMERIC_OPTIONS = [
    ("derive", "--q", ["--widths", "2,1"]),
    ("derive", "--max-terms", ["--widths", "2,1"]),
    ("derive", "--max-paths", ["--widths", "2,1"]),
    ("derive", "--Lambda", ["--widths", "2,1", "--steps"]),
    ("derive", "--widths", ["--max-paths", "16"]),
    ("complexity", "--H", ["--kmax", "1"]),
    ("complexity", "--kmax", []),
    ("complexity", "--dps", ["--kmax", "1"]),
    ("spinglass", "--H", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--runs", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--chunk", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--seed", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--lr", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--P", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--steps", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--Lambda", [*_FILE_OUT]),
    ("spinglass", "--workers", ["--Lambda", "5", *_FILE_OUT]),
    ("spinglass", "--threads", ["--Lambda", "5", *_FILE_OUT]),
    ("train", "--epochs", [*_FILE_OUT]),
    ("train", "--replicas", [*_FILE_OUT]),
    ("train", "--seed", [*_FILE_OUT]),
    ("train", "--widths", [*_FILE_OUT]),
    ("train", "--block", [*_FILE_OUT]),
    ("reproduce", "--seed", [*_FILE_OUT]),
]


@pytest.mark.parametrize("command, option, rest", _NUMERIC_OPTIONS,
                         ids=[f"{c} {o}" for c, o, _ in _NUMERIC_OPTIONS])
def test_random_values_of_numeric_options(command, option, rest, workdir, capsys):
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=_NUMBERISH)
    def check(value):
        argv = [command, *rest, f"{option}={value}"]  # '=' so that a value like '-5' is not taken for an option
        status, out, err = run_cli(argv, capsys)
        assert "Traceback" not in err, (argv, err)
        assert "unexpected error" not in err, (argv, err)
        assert status in (0, 2), (argv, status, err)
        if status == 2:
            assert err.strip().splitlines()[-1].startswith("polyloss"), (argv, err)

    check()


# --------------------------------------------------------------------------- real processes

_POLYLOSS = [sys.executable, "-m", "polyloss"]


def _env():
    env = dict(os.environ)
    env.pop(cli.DEBUG_ENV, None)
    return env


def test_closed_pipe_is_quiet_exit_141(tmp_path):
    """``polyloss derive ... | head -1``: the output (about 480 kB, more than a pipe holds) stops at once."""
    proc = subprocess.Popen([*_POLYLOSS, "derive", "--widths", "30,30,10,1", "--q", "1", "--max-terms", "100000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=_env())
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert first.startswith(b"Path polynomial"), first
    assert proc.returncode == cli.EXIT_BROKEN_PIPE, (proc.returncode, err)
    assert err == ""


def test_closed_pipe_through_head(tmp_path):
    script = (f"{sys.executable} -m polyloss derive --widths 30,30,10,1 --q 1 --max-terms 100000 2>err.txt "
              f"| head -1 >/dev/null; echo ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "141"  # ~480 kB cannot all fit in the pipe before head closes it
    assert (tmp_path / "err.txt").read_text() == ""


def _numpy_loaded(pid: int) -> bool:
    try:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def _start(tmp_path):
    return subprocess.Popen([*_POLYLOSS, "spinglass", "--Lambda", "20", "--runs", "4", "--workers", "0",
                             "--out", "sg", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, env=_env(), text=True,
                            preexec_fn=_default_sigint)


def _default_sigint():
    """The child gets the default SIGINT disposition: a test suite started in the background (``cmd &``
    in a non-interactive shell) inherits SIGINT ignored, and the child would never see the signal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_right_after_start(tmp_path):
    proc = _start(tmp_path)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    # before the interpreter installs its handler the signal ends it (-SIGINT); after, main() says so
    assert proc.returncode in (-signal.SIGINT, cli.EXIT_INTERRUPTED), (proc.returncode, err)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc to see the start-up")
def test_ctrl_c_during_start_up(tmp_path):
    """The signal lands while main() imports the subcommands (numpy is loaded, the run has not begun)."""
    proc = _start(tmp_path)
    deadline = time.monotonic() + 60
    while not _numpy_loaded(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == cli.EXIT_INTERRUPTED, (proc.returncode, err)
    assert err.startswith("polyloss: interrupted") and err.count("\n") == 1, err


def test_closed_standard_error_is_not_a_crash(workdir, monkeypatch, capsys):
    """``polyloss ... 2>&-``: Python sets sys.stderr to None; the progress bar and the error line go nowhere,
    the status still says what happened."""
    monkeypatch.setattr(sys, "stderr", None)
    status, out, _ = run_cli(["theory", "--out", "afile"], capsys)
    assert status == 2
    monkeypatch.setattr(sys, "stderr", None)
    status, out, _ = run_cli(["spinglass", "--Lambda", "3", "--runs", "1", "--steps", "2", "--workers", "0",
                              "--out", "sg"], capsys)
    assert status == 0
    assert (workdir / "sg" / "spinglass_minima.png").is_file()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_standard_output_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run([*_POLYLOSS, "derive", "--widths", "3,2,1"], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path, env=_env(), timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "polyloss: error: No space left on device\n"
