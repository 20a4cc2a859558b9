"""Package-level contracts: light import, public names, error types, LaTeX writer, run store, the sdist."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


ROOT = Path(__file__).resolve().parents[1]


def test_sdist_holds_the_tests_documents_and_package_data_and_nothing_built(tmp_path):
    """``python -m build --sdist`` of a copy of this tree (a planted ``results/`` and ``__pycache__``
    in it): the required files are checked against the files of the tree itself, found here by glob."""
    import shutil
    import tarfile
    import tomllib

    try:
        import build  # noqa: F401
    except ImportError:
        pytest.fail("the package build is missing: pip install -e '.[dev]' (`bash run.sh test` does)")
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "build", "dist", "results", "report", "runs", ".pytest_cache", "site"))
    (src / "results" / "paper").mkdir(parents=True)
    (src / "results" / "paper" / "reproduce.json").write_text("{}\n")
    (src / "polyloss" / "__pycache__").mkdir(exist_ok=True)
    (src / "polyloss" / "__pycache__" / "planted.cpython-311.pyc").write_bytes(b"\0")
    proc = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(tmp_path / "dist"),
                           str(src)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (sdist,) = (tmp_path / "dist").glob("polyloss-*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = f"polyloss-{polyloss.__version__}/"
        names = {m.name.removeprefix(top) for m in tar.getmembers() if m.isfile()}
        pkg_info = tar.extractfile(top + "PKG-INFO").read().decode()

    def tree(pattern):
        return {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern) if "__pycache__" not in p.parts}

    required = ({"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "constraints.txt", "run.sh", "MANIFEST.in",
                 "mkdocs.yml", "polyloss/py.typed", "polyloss/references.bib"}
                | tree("polyloss/**/*.py") | tree("tests/*.py") | tree("theory/*.tex") | tree("docs/**/*.md"))
    assert required - names == set()
    built = {n for n in names if n.startswith(("results/", ".venv/", ".git/")) or "__pycache__" in n
             or n.endswith((".pyc", ".tmp"))}
    assert built == set()
    assert f"\nVersion: {polyloss.__version__}\n" in pkg_info
    assert "\nLicense-Expression: BSD-3-Clause\n" in pkg_info
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]  # polyloss.__version__ is the one source


def test_licence_is_bsd_3_clause():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    clauses = ["Redistributions of source code must retain", "Redistributions in binary form must reproduce",
               "Neither the name of the copyright holder"]
    assert all(c in text for c in clauses) and "Copyright (c) 2026, the polyloss developers" in text
