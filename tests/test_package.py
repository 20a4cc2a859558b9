"""Package-level contracts: light import, public names, error types, LaTeX writer, run store."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import sympy

import polyloss
from polyloss.errors import InvalidInputError, LaTeXError, ResumeError
from polyloss.store import RunStore
from polyloss.symbolic.formula import Formula
from polyloss.symbolic.latex import Document, compile_pdf, join_terms


def test_import_is_light():
    code = ("import sys, polyloss; heavy = [m for m in ('torch', 'matplotlib') if m in sys.modules]; "
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve():
    for name in polyloss.__all__:
        assert getattr(polyloss, name) is not None, name


def test_errors_are_builtin_types_too():
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(polyloss.SizeLimitError, MemoryError)
    assert issubclass(ResumeError, polyloss.PolylossError)


def test_formula_compiles_to_every_backend_consistently():
    import mpmath
    import torch

    u, H = sympy.symbols("u H")
    f = Formula("f", sympy.sqrt(H) * sympy.log(1 + u**2), (u, H), lhs="f(u,H)")
    x = np.linspace(-2, 2, 7)
    ref = [float(f.expr.subs({u: sympy.Rational(str(v)), H: 3}).evalf(30)) for v in x]
    np.testing.assert_allclose(f.compile("numpy")(x, 3.0), ref, rtol=1e-14)
    with mpmath.workdps(30):
        assert abs(f.compile("mpmath")(mpmath.mpf("0.5"), 3) - f.expr.subs({u: sympy.Rational(1, 2), H: 3}).evalf(30)) < 1e-28
    t = torch.tensor(x, dtype=torch.float64)
    np.testing.assert_allclose(f.compile("torch")(t, torch.tensor(3.0, dtype=torch.float64)).numpy(), ref, rtol=1e-14)
    assert "Arguments, in order: u, H" in f.compile("numpy").__doc__
    assert f.latex().startswith("f(u,H) = ")


def test_formula_refuses_unlisted_symbols():
    u, H = sympy.symbols("u H")
    with pytest.raises(InvalidInputError, match="H"):
        Formula("g", u * H, (u,))


def test_join_terms_folds_signs():
    assert join_terms(["a", "-b", "c"]) == "a - b + c"
    assert join_terms([]) == "0"


def test_document_compiles_with_pdflatex(tmp_path, pdflatex):
    doc = Document("Test document")
    doc.section("Section with _underscore & ampersand")
    doc.equation(r"E_\infty = 2\sqrt{\frac{H-1}{H}}", label="einf")
    doc.long_equation("Y", [f"x_{{{i}}} w_{{{i}}}" for i in range(10)] + ["-z"], per_line=3, label="y")
    tex = doc.write(tmp_path / "doc.tex")
    pdf = compile_pdf(tex)
    assert pdf.stat().st_size > 1000


def test_compile_pdf_reports_latex_errors(tmp_path, pdflatex):
    doc = Document("Broken")
    doc.equation(r"\frac{1}{")
    tex = doc.write(tmp_path / "bad.tex")
    with pytest.raises(LaTeXError, match="failed"):
        compile_pdf(tex)


def test_run_store_roundtrip_and_resume_guard(tmp_path):
    store = RunStore(tmp_path / "run", {"H": 3, "seed": 1})
    assert not store.has("Lambda=25")
    store.save("Lambda=25", {"energies": np.arange(3.0)}, meta={"seconds": 1.5})
    again = RunStore(tmp_path / "run", {"H": 3, "seed": 1})
    assert again.has("Lambda=25") and again.keys() == ["Lambda=25"]
    np.testing.assert_array_equal(again.load("Lambda=25")["energies"], np.arange(3.0))
    assert again.meta("Lambda=25") == {"seconds": 1.5}
    cfg = json.loads((tmp_path / "run" / "config.json").read_text())
    assert cfg["polyloss_version"] == polyloss.__version__
    with pytest.raises(ResumeError, match="seed"):
        RunStore(tmp_path / "run", {"H": 3, "seed": 2})
    assert again.load("Lambda=25")["energies"].sum() == 3.0  # untouched
    assert not list((tmp_path / "run").glob(".*.tmp"))


def test_cli_unknown_option_is_usage_error():
    out = subprocess.run([sys.executable, "-m", "polyloss", "--no-such-option"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "usage:" in out.stderr and "Traceback" not in out.stderr
