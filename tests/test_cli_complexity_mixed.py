"""`polyloss complexity --xi`: the thresholds and scenario of a mixed spherical spin glass, its figure and
its LaTeX document, and clear refusals.

Oracles: the thresholds E_∞(ξ) = 2ξ'√ξ''/(ξ'+ξ'') and E'_∞(ξ) = (ξ''−ξ'+ξ'²)/(ξ'√ξ'') by hand in exact
fractions (ξ = ½x² + ½x³: ξ' = 5/2, ξ'' = 4, E_∞ = 20/13, E'_∞ = 31/20); E_0 as the zero, found here by
bisection, of the Kac–Rice exponent maximised over the GOE level by a grid written in this test
(independent of the closed forms); pdflatex compiles the written document; the PNG is a real image.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from polyloss.cli import main


def _theta0(v, x1, x2):
    """max over t ≤ −√2 of the index-0 Kac–Rice exponent at energy v (a grid of 40001 GOE levels)."""
    a2 = x2 + x1 - x1 * x1
    t = np.linspace(-8.0, -math.sqrt(2), 40001)
    rate = -t * np.sqrt(np.maximum(t * t - 2, 0)) / 2 - np.arccosh(np.maximum(-t / math.sqrt(2), 1))
    f = 0.5 * math.log(x2 / x1) - v * v / 2 + t * t / 2 - rate - (math.sqrt(2 * x2) * t - x1 * v) ** 2 / (2 * a2)
    return f.max()


def _value(out, name):
    line = next(line for line in out.splitlines() if line.split() and line.split()[0] == name)
    return float(line.split()[1])


def test_prints_thresholds_and_scenario(capsys):
    assert main(["complexity", "--xi", "2:0.5,3:0.5", "--kmax", "2", "--dps", "12"]) == 0
    out = capsys.readouterr().out
    assert "xi = 2:0.5,3:0.5" in out  # decimal text is read as floats and printed back as given
    assert abs(_value(out, "E_∞") - 20 / 13) < 1e-11 and abs(_value(out, "E'_∞") - 31 / 20) < 1e-11
    e = [_value(out, f"E_{k}") for k in range(3)]
    assert e[0] > e[1] > e[2] > 31 / 20  # the layered band of the pure-like scenario
    lo, hi = -1.60, -1.54  # the oracle's zero of θ_0 (θ_0 increases on this range)
    assert _theta0(lo, 2.5, 4.0) < 0 < _theta0(hi, 2.5, 4.0)
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _theta0(mid, 2.5, 4.0) < 0 else (lo, mid)
    assert abs(e[0] + (lo + hi) / 2) < 1e-6
    assert "scenario: pure-like" in out and "criterion" in out


def test_full_mixture_and_trivial_scenarios(capsys):
    assert main(["complexity", "--xi", "1:3/10,3:7/10", "--kmax", "3"]) == 0
    out = capsys.readouterr().out
    assert "scenario: full mixture" in out
    values = {_value(out, f"E_{k}") for k in range(4)}
    assert len(values) == 1  # no layers: every index has the same threshold
    assert _value(out, "E_∞") <= values.pop() <= _value(out, "E'_∞")
    assert main(["complexity", "--xi", "1:0.5,2:0.5"]) == 0
    out = capsys.readouterr().out
    assert "scenario: trivial" in out and "E_0" not in out


def test_pure_xi_is_the_pure_degree(capsys):
    """Plumbing only: --xi 3 takes the pure path (the pure thresholds are checked independently elsewhere)."""
    assert main(["complexity", "--xi", "3", "--kmax", "1"]) == 0
    via_xi = capsys.readouterr().out
    assert main(["complexity", "--H", "3", "--kmax", "1"]) == 0
    assert via_xi == capsys.readouterr().out


def test_writes_figure_and_compilable_latex_for_a_mixture(tmp_path, capsys, pdflatex):
    from polyloss.symbolic.latex import compile_pdf

    png, tex = tmp_path / "theta", tmp_path / "doc" / "mixed.tex"
    assert main(["complexity", "--xi", "2:0.5,3:0.5", "--kmax", "2", "--plot", str(png), "--latex", str(tex)]) == 0
    written = tmp_path / "theta.png"
    assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and written.stat().st_size > 20_000
    text = tex.read_text()
    assert r"\tfrac{1}{2}\,x^{2} + \tfrac{1}{2}\,x^{3}" in text and "pure-like" in text
    assert "1.5384615" in text  # E_inf = 20/13
    assert r"\cite" in text and "auffinger2013mixed" in text
    assert compile_pdf(tex).stat().st_size > 0
    assert capsys.readouterr().out.count("wrote") == 2


@pytest.mark.parametrize("argv, message", [
    (["--xi", "2:0.5,3:0.6"], "sum to 1"),
    (["--xi", "2:0.5,,3:0.5"], "degree:weight pairs"),
    (["--xi", "2:0.5,2:0.5"], "twice"),
    (["--xi", "1:1"], "degree >= 2"),
    (["--xi", "2:0.5,3:0.5", "--H", "3"], "not both"),
    (["--xi", "2:0.5,3:0.5", "--kmax", "101"], "kmax"),
    (["--xi", "2"], "H = 2 is degenerate"),
])
def test_bad_mixtures_are_one_line_exit_2(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["complexity", *argv, "--plot", str(tmp_path / "never.png")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "never.png").exists()
