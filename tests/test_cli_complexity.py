"""`polyloss complexity`: the thresholds table, the figure, the LaTeX document, clear errors.

Oracles: threshold values (H = 3, 4) computed outside polyloss with mpmath (30 digits: quadrature of the
integral defining I_1, root finding for Θ_{k,H}(-E_k) = 0; :func:`_theta_mpmath` below is that computation)
from the formulas of Auffinger, Ben Arous and Černý (2013) as Choromanska et al. (2015), Sec. 4 [unverified],
print them; pdflatex compiles the written document; the PNG is a real image of the requested file name.
"""

from __future__ import annotations

import mpmath as mp
import pytest

from polyloss.cli import main


def test_prints_reference_thresholds(capsys):
    assert main(["complexity", "--H", "3", "--kmax", "3", "--dps", "12"]) == 0
    out = capsys.readouterr().out
    # computed independently (module docstring), H = 3: E_inf = 1.63299316, E_0 = 1.65699836, E_1 = 1.65287320, E_2 = 1.65025313, E_3 = 1.64839902
    for name, value in (("E_∞", 1.63299316), ("E_0", 1.65699836), ("E_1", 1.65287320),
                        ("E_2", 1.65025313), ("E_3", 1.64839902)):
        line = next(line for line in out.splitlines() if line.split() and line.split()[0] == name)
        assert len(line.split()[1]) == 13 and abs(float(line.split()[1]) - value) < 5e-9, line
    assert "0.0132402569" in out  # ½ log 2 - 1/3


def test_writes_figure_and_compilable_latex(tmp_path, capsys, pdflatex):
    from polyloss.symbolic.latex import compile_pdf

    png, tex = tmp_path / "theta.png", tmp_path / "doc" / "complexity.tex"
    assert main(["complexity", "--H", "4", "--kmax", "2", "--plot", str(png), "--latex", str(tex)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    text = tex.read_text()
    assert "1.79408502" in text  # E_0(4) = 1.794085028, computed independently
    assert "$H = 4$" in text
    assert compile_pdf(tex).stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--H", "2"], "H = 2 is degenerate"),
    (["--H", "51"], "3..50"),
    (["--kmax", "-1"], "kmax"),
    (["--dps", "4"], "5..1000"),
])
def test_bad_input_is_one_line_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["complexity", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def _theta_mpmath(u, H: int, k: int):
    """Θ_{k,H}(u) below −E_∞, written out independently of polyloss: ½ log(H−1) − (H−2)u²/(4(H−1)) − (k+1) I_1(u),
    I_1(u) = (2/E_∞²) ∫_u^{−E_∞} √(z² − E_∞²) dz, E_∞ = 2√((H−1)/H), by mpmath quadrature."""
    with mp.workdps(30):
        e_inf = 2 * mp.sqrt(mp.mpf(H - 1) / H)
        i1 = 2 / e_inf**2 * mp.quad(lambda z: mp.sqrt(z**2 - e_inf**2), [u, -e_inf])
        return mp.log(H - 1) / 2 - (H - 2) * mp.mpf(u) ** 2 / (4 * (H - 1)) - (k + 1) * i1


def test_the_independent_oracle_finds_the_printed_thresholds():
    for k, E_k in enumerate((1.65699836, 1.65287320, 1.65025313, 1.64839902)):
        with mp.workdps(30):
            root = mp.findroot(lambda e: _theta_mpmath(-e, 3, k), (1.6331, 1.7), solver="anderson")
        assert abs(float(root) - E_k) < 5e-9, (k, root)


def test_index_k_points_are_stated_above_minus_E_k(capsys):
    """Θ_{k,H}(u) < 0 for u < −E_k (and > 0 just above): index-k points lie *above* −ΛE_k.

    The printed text, the thresholds docstring, the figure title and the document must say so.
    """
    import inspect

    from polyloss.numeric.complexity import EnergyThresholds, energy_thresholds, theta
    from polyloss.documents.complexity import complexity_document

    th = energy_thresholds(3, 2, dps=20)
    for k in range(3):
        E_k = float(th.E[k])
        assert _theta_mpmath(-E_k - 1e-3, 3, k) < 0 < _theta_mpmath(-E_k + 1e-3, 3, k)  # independent of polyloss
        assert theta(-E_k - 1e-3, 3, k) < 0 < theta(-E_k + 1e-3, 3, k)
    assert main(["complexity", "--H", "3", "--kmax", "2"]) == 0
    out = capsys.readouterr().out
    assert "lie above −ΛE_k" in out and "lie below −ΛE_k" not in out
    doc = inspect.getdoc(EnergyThresholds)
    assert "lie *above* ``-Λ E_k``" in doc
    tex = complexity_document(H_values=(3,), kmax=2, digits=10, finite_sizes=()).render()
    assert r"lie above $-\Lambda E_k$" in tex and r"lie below $-\Lambda E_k$" not in tex
    from polyloss.figures.complexity import complexity_curves

    titles = [ax.get_title() for ax in complexity_curves(3, 2).axes]
    assert any("points lie above $-E_k$" in t for t in titles)
    assert not any("below $-E_k$" in t for t in titles)
