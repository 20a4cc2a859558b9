"""One bibliography: polyloss/references.bib, docs/bibliography.md, and what the code and documents cite.

Oracles: the tracked files themselves (``git ls-files``), the text of references.bib parsed here with a
small regex (no BibTeX library), and the LaTeX the theory documents render. The checks:

* no tracked file outside results/ cites the nonexistent reference document (:data:`MISSING_DOCUMENT`
  followed by a section number), or uses the assumption labels attributed to the COLT note
  (:data:`UNCONFIRMED_LABELS`: A1 … A7 with a suffix p, A5 and A6 with a suffix u), which could not be
  confirmed;
* docs/bibliography.md lists exactly the entries of references.bib, each row with the entry's year and
  arXiv id;
* every ``\\cite`` of the generated theory documents, and every ``cite`` key the code attaches to an
  assumption, a derivation step or a formula, is an entry of references.bib.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "polyloss" / "references.bib"
PAGE = ROOT / "docs" / "bibliography.md"

# spelled in two pieces so that this file does not match itself
MISSING_DOCUMENT = "REFERENCE" + " §"
UNCONFIRMED_LABELS = re.compile(r"\bA[1-7]" + r"p\b|\bA[56]" + r"u\b")

ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,(.*?)\n\}", re.S)
FIELD = re.compile(r"(\w+)\s*=\s*\{(.*?)\}\s*,?\s*$", re.M)
CITE = re.compile(r"\\(?:no)?cite[tp]?\*?(?:\[[^\]]*\])*\{([^}]*)\}")
ROW_KEY = re.compile(r"^\|\s*`([^`]+)`\s*\|", re.M)


def bib_entries() -> dict:
    """``{key: {field: value}}`` of references.bib (lower-case field names)."""
    entries = {}
    for kind, key, body in ENTRY.findall(BIB.read_text(encoding="utf-8")):
        fields = {name.lower(): value for name, value in FIELD.findall(body)}
        entries[key] = {"type": kind.lower(), **fields}
    return entries


def tracked_files() -> list:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout (e.g. an unpacked sdist)")
    names = [n for n in out.stdout.decode().split("\0") if n]
    return [ROOT / n for n in names if not n.startswith("results/") and (ROOT / n).is_file()]


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def test_the_bib_parser_reads_every_entry():
    entries = bib_entries()
    assert len(entries) == BIB.read_text(encoding="utf-8").count("\n@")
    assert entries["auffinger2013"]["volume"] == "66" and entries["auffinger2013"]["eprint"] == "1003.1129"
    assert entries["choromanska2015"]["year"] == "2015"
    assert all(e.get("title") and e.get("year") for e in entries.values())


def test_no_tracked_file_cites_the_missing_reference_document():
    offenders = [str(p.relative_to(ROOT)) for p in tracked_files()
                 if (text := text_of(p)) is not None and MISSING_DOCUMENT in text]
    assert not offenders, f"{MISSING_DOCUMENT!r} still cited in: {offenders}"


def test_no_tracked_file_uses_the_unconfirmed_assumption_labels():
    offenders = [str(p.relative_to(ROOT)) for p in tracked_files()
                 if (text := text_of(p)) is not None and UNCONFIRMED_LABELS.search(text)]
    assert not offenders, f"unconfirmed assumption labels ({UNCONFIRMED_LABELS.pattern}) still in: {offenders}"


def test_bibliography_page_lists_exactly_the_bib_entries():
    entries = bib_entries()
    page = PAGE.read_text(encoding="utf-8")
    rows = ROW_KEY.findall(page)
    assert len(rows) == len(set(rows)), "a key is listed twice"
    assert set(rows) == set(entries), (sorted(set(entries) - set(rows)), sorted(set(rows) - set(entries)))
    for key, entry in entries.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{key}` |"))
        assert f"| {entry['year']} |" in row, (key, row)
        if "eprint" in entry:
            assert entry["eprint"] in row, (key, row)
        assert f"**`{key}`**" in page, f"{key}: no paragraph saying what it is cited for"


def _render_all():
    from polyloss.documents.theory import render_all

    return render_all()


def test_every_cite_in_the_theory_documents_is_a_bib_entry():
    keys = set(bib_entries())
    cited = {}
    for name, tex in _render_all().items():
        for group in CITE.findall(tex):
            for key in (k.strip() for k in group.split(",")):
                cited.setdefault(key, set()).add(name)
    unknown = {k: sorted(v) for k, v in cited.items() if k not in keys}
    assert not unknown, f"cited but not in references.bib: {unknown}"


def test_cite_regex_reads_optional_arguments_and_lists():
    tex = r"see \cite[Eq.~(1), unverified]{choromanska2015} and \cite{auffinger2013, mehta2004}."
    assert CITE.findall(tex) == ["choromanska2015", "auffinger2013, mehta2004"]


def test_every_cite_key_in_the_code_is_a_bib_entry():
    from polyloss.symbolic import assumptions, complexity, finite_size
    from polyloss.symbolic.hamiltonian import derive_hamiltonian

    keys = set(bib_entries())
    attached = [(a.label, a.cite) for a in assumptions.ASSUMPTIONS]
    attached += [(f.name, f.cite) for f in complexity.formulas()]
    attached += [(f.name, f.cite) for f in (finite_size.total_critical_points_formula(2),
                                            finite_size.index_critical_points_formula(3, 1))]
    derivation = derive_hamiltonian((2, 2, 1), loss="hinge")
    attached += [(s.name, s.cite) for s in derivation.steps] + [("hamiltonian", derivation.hamiltonian.cite)]
    assert any(cite for _, cite in attached)
    for name, cite in attached:
        assert isinstance(cite, tuple), name
        assert set(cite) <= keys, (name, cite)


def test_references_bib_is_package_data():
    """The documents write references.bib beside their .tex from the installed package: it must be
    package data (pyproject) and readable through importlib.resources."""
    import importlib.resources
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "references.bib" in data["polyloss"]
    installed = importlib.resources.files("polyloss").joinpath("references.bib")
    assert installed.is_file() and installed.read_text(encoding="utf-8") == BIB.read_text(encoding="utf-8")
