"""Documentation is executable: every ```python block of README.md and docs/ runs, and the site builds.

Blocks of one Markdown file run in order in one namespace (so later blocks may use earlier names),
in a temporary working folder. A block fenced as ```python no-run is shown but not executed
(use only for commands that need a GPU or hours).

The built site works with no network: no page loads a script, stylesheet, font or image from another
host (math is MathML written at build time by docs/hooks/mathml.py, code is coloured by Pygments with the
stylesheet of docs/hooks/highlight.py).
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```python[ \t]*(?P<flags>[^\n]*)\n(?P<code>.*?)^```", re.S | re.M)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def python_blocks(path: Path):
    return [m.group("code") for m in FENCE.finditer(path.read_text()) if "no-run" not in m.group("flags")]


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_code_examples_run(page, tmp_path, monkeypatch):
    blocks = python_blocks(page)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{page.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            raise AssertionError(f"{page.name}, python block {i} failed: {exc!r}\n---\n{code}") from exc


def test_readme_has_examples():
    assert len(python_blocks(ROOT / "README.md")) >= 1


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built once (strict) into a temporary folder."""
    target = tmp_path_factory.mktemp("site") / "site"
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return target


def test_site_builds_strict(site):
    assert (site / "index.html").exists()


# --- no network: what a page or stylesheet would fetch from another host ---------------------------------

REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*(?P<q>['"]?)(?P<url>.*?)(?P=q)\s*\)""", re.I | re.S)
CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?['"]?(?P<url>[^'")\s;]+)""", re.I)
#: <link rel=…> values that make a browser fetch the target (not plain references such as canonical)
FETCHING_RELS = {"stylesheet", "preload", "modulepreload", "prefetch", "icon", "shortcut", "manifest",
                 "apple-touch-icon", "import"}
SOURCE_ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src",
                "video": "src", "embed": "src", "track": "src", "object": "data"}


def remote_urls_in_css(css: str) -> list[str]:
    """The URLs of other hosts that ``css`` fetches, with @import or url()."""
    found = [m["url"] for m in CSS_URL.finditer(css)] + [m["url"] for m in CSS_IMPORT.finditer(css)]
    return [url for url in dict.fromkeys(found) if REMOTE.match(url)]


class _RemoteLoads(HTMLParser):
    def __init__(self):
        super().__init__()
        self.remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        urls = []
        if tag in SOURCE_ATTRS:
            urls.append(attrs.get(SOURCE_ATTRS[tag], ""))
        if tag == "img":
            urls += [part.split()[0] for part in attrs.get("srcset", "").split(",") if part.strip()]
        if tag == "link" and FETCHING_RELS & set(attrs.get("rel", "").lower().split()):
            urls.append(attrs.get("href", ""))
        self.remote += [f"<{tag}> {url}" for url in urls if REMOTE.match(url)]
        self.remote += [f"<{tag} style> {url}" for url in remote_urls_in_css(attrs.get("style", ""))]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.remote += [f"<style> {url}" for url in remote_urls_in_css(data)]


def remote_loads_in_html(text: str) -> list[str]:
    """What the HTML page ``text`` fetches from other hosts (scripts, stylesheets, fonts, images, frames)."""
    parser = _RemoteLoads()
    parser.feed(text)
    parser.close()
    return parser.remote


def test_remote_load_detection_catches_cdn_assets():
    """The checks below can fail: each way a page loads from a CDN is caught, links to read are not."""
    page = """<html><head>
      <script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
      <link rel="stylesheet" href="//cdnjs.cloudflare.com/ajax/libs/highlight.js/styles/github.min.css">
      <style>@import url("https://fonts.googleapis.com/css?family=Lato");</style>
      <link rel="canonical" href="https://example.org/"><script src="js/base.js"></script>
    </head><body><a href="https://arxiv.org/abs/1412.0233">paper</a><img src="img/a.png"></body></html>"""
    assert len(remote_loads_in_html(page)) == 3
    css = "@font-face{src:url('https://fonts.gstatic.com/x.woff2')} a{background:url(data:image/svg+xml,x)}" \
          "@import 'http://example.org/x.css';"
    assert remote_urls_in_css(css) == ["https://fonts.gstatic.com/x.woff2", "http://example.org/x.css"]


def test_no_page_loads_anything_from_the_network(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(PAGES) - 1  # README.md is not a page of the site; 404.html is
    remote = {str(p.relative_to(site)): remote_loads_in_html(p.read_text()) for p in pages}
    remote.update({str(p.relative_to(site)): remote_urls_in_css(p.read_text()) for p in site.rglob("*.css")})
    assert {page: urls for page, urls in remote.items() if urls} == {}


# --- math: MathML written at build time ---------------------------------------------------------------

CODE_FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
DISPLAY_MATH = re.compile(r"(?<!\\)\$\$(?P<tex>.+?)\$\$", re.S)


class _PageText(HTMLParser):
    """The visible text of a page outside code, and the TeX annotations of its <math> elements."""

    SKIP = {"code", "pre", "script", "style", "annotation"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.math: list[tuple[str, str]] = []  # (display, TeX of the annotation)
        self._skip = 0
        self._display = None
        self._annotation: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "math":
            self._display = attrs.get("display", "inline")
        if tag == "annotation" and attrs.get("encoding") == "application/x-tex":
            self._annotation = []
        if tag in self.SKIP:
            self._skip += 1

    def handle_startendtag(self, tag, attrs):
        pass  # <mspace/>, <br/>: no text

    def handle_endtag(self, tag):
        if tag == "annotation" and self._annotation is not None:
            self.math.append((self._display, "".join(self._annotation)))
            self._annotation = None
        if tag in self.SKIP:
            self._skip -= 1

    def handle_data(self, data):
        if self._annotation is not None:
            self._annotation.append(data)
        elif not self._skip:
            self.text.append(data)


def page_text(path: Path) -> _PageText:
    parser = _PageText()
    parser.feed(path.read_text())
    parser.close()
    return parser


def squash(tex: str) -> str:
    return re.sub(r"\s+", "", tex)


def math_pages():
    return [p for p in sorted((ROOT / "docs").glob("*.md"))
            if DISPLAY_MATH.search(CODE_FENCE.sub("", p.read_text()))]


def built(site: Path, page: Path) -> Path:
    return site / ("index.html" if page.stem == "index" else f"{page.stem}/index.html")


def test_docs_have_display_math():
    assert len(math_pages()) >= 3


@pytest.mark.parametrize("page", math_pages(), ids=lambda p: p.name)
def test_math_is_mathml(site, page):
    """Each $$…$$ formula of the Markdown is a <math display="block"> whose TeX annotation is that formula,
    and no TeX delimiter ($$, \\(, \\[) or unconverted arithmatex wrapper is left in the page's text."""
    source = CODE_FENCE.sub("", page.read_text())
    displayed = [squash(m["tex"]) for m in DISPLAY_MATH.finditer(source)]
    html_path = built(site, page)
    content = page_text(html_path)
    blocks = [squash(tex) for display, tex in content.math if display == "block"]
    assert blocks == displayed
    assert html_path.read_text().count("<math ") == len(content.math) > len(displayed)  # inline math too
    assert 'class="arithmatex"' not in html_path.read_text()
    assert html_path.read_text().count('<div class="math-display"><math ') == len(displayed)
    assert "css/mathml.css" in html_path.read_text()  # the displayed formulas scroll in their column
    text = "".join(content.text)
    for delimiter in ("$$", "\\(", "\\)", "\\[", "\\]"):
        assert delimiter not in text, f"{page.name}: raw {delimiter!r} left in the text"


def test_no_page_shows_raw_tex_delimiters(site):
    """Outside code, no page of the site (the API reference's docstrings included) shows $$, \\( or \\[."""
    raw = {}
    for path in sorted(site.rglob("*.html")):
        text = "".join(page_text(path).text)
        found = [d for d in ("$$", "\\(", "\\)", "\\[", "\\]") if d in text]
        if found:
            raw[str(path.relative_to(site))] = found
    assert raw == {}


def test_tex_to_mathml_elements():
    """docs/hooks/mathml.py writes MathML's own elements for TeX's fractions, roots and scripts."""
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        from mathml import tex_to_mathml
    finally:
        sys.path.remove(str(ROOT / "docs" / "hooks"))
    out = tex_to_mathml(r"\frac{a}{b} + \sqrt{x_1^2} < 1", display=True)
    assert out.startswith("<math ") and 'display="block"' in out and out.endswith("</math>")
    for element in ("<mfrac>", "<msqrt>", "<msubsup>"):
        assert element in out
    assert '<annotation encoding="application/x-tex">\\frac{a}{b} + \\sqrt{x_1^2} &lt; 1</annotation>' in out
    assert 'display="inline"' in tex_to_mathml("x", display=False)


# --- code: highlighted by Pygments at build time ------------------------------------------------------

def test_code_blocks_are_highlighted_by_pygments(site):
    """The first python block of docs/paths.md appears with the token classes Pygments gives its source."""
    from pygments.lexers import PythonLexer
    from pygments.token import STANDARD_TYPES, Token

    page = ROOT / "docs" / "paths.md"
    code = FENCE.search(page.read_text())["code"]
    tokens = [(STANDARD_TYPES.get(t) or STANDARD_TYPES[t.parent], v) for t, v in PythonLexer().get_tokens(code)
              if v.strip() and t is not Token.Text]
    built_page = built(site, page).read_text()
    assert '<div class="highlight">' in built_page
    for css_class, value in tokens[:10]:
        assert f'<span class="{css_class}">{html.escape(value, quote=False)}</span>' in built_page
    assert "hljs" not in built_page and "highlight.js" not in built_page
    stylesheet = (site / "css" / "pygments.css").read_text()
    assert "css/pygments.css" in built_page
    assert {f".highlight .{c} " for c, _ in tokens} <= set(re.findall(r"\.highlight \.\w+ ", stylesheet))
