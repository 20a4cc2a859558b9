"""mkdocs hook: render the pages' math as MathML at build time, so that no page loads a script to show it.

``pymdownx.arithmatex`` (``generic: true``) leaves each formula of the Markdown as TeX in a wrapper,
``<span class="arithmatex">\\(TeX\\)</span>`` for ``$TeX$`` and ``<div class="arithmatex">\\[TeX\\]</div>``
for ``$$TeX$$``. This hook replaces every wrapper by the MathML that ``latex2mathml`` writes for its TeX
(``display="inline"`` or ``display="block"``, the latter inside a ``<div class="math-display">`` that
scrolls sideways when the formula is wider than the page), which browsers render natively, and links
the small stylesheet ``css/mathml.css`` that it writes. The TeX is kept in the
MathML as an ``application/x-tex`` annotation (not shown; it is what a reader copying the formula gets).
A formula that ``latex2mathml`` cannot convert is logged as a warning, which a strict build turns into an
error, and is left as TeX.
"""

from __future__ import annotations

import html
import re

from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File

log = get_plugin_logger("mathml")

#: a displayed formula sits in ``<div class="math-display">``, which scrolls sideways when it is wider
#: than the text column (instead of widening the page)
DISPLAY_CLASS = "math-display"
STYLESHEET = "css/mathml.css"
CSS = f"""/* written by docs/hooks/mathml.py */
.{DISPLAY_CLASS} {{ overflow-x: auto; overflow-y: hidden; margin: 0.75em 0; padding: 0.1em 0; }}
.{DISPLAY_CLASS} > math {{ margin: 0 auto; }}
math {{ font-size: 1.05em; }}
"""

ARITHMATEX = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.S)
WRAPPERS = {"span": ("\\(", "\\)"), "div": ("\\[", "\\]")}
MATH_OPEN = re.compile(r"^<math (?P<attrs>[^>]*)>")


def tex_to_mathml(tex: str, display: bool) -> str:
    """The MathML ``<math>`` element for ``tex``, with the TeX kept as an ``application/x-tex`` annotation."""
    from latex2mathml.converter import convert

    mathml = convert(tex, display="block" if display else "inline")
    opening = MATH_OPEN.match(mathml)
    if opening is None or not mathml.endswith("</math>"):  # pragma: no cover - latex2mathml's format changed
        raise ValueError(f"unexpected latex2mathml output {mathml[:60]!r}")
    body = mathml[opening.end():-len("</math>")]
    annotation = f'<annotation encoding="application/x-tex">{html.escape(tex, quote=False)}</annotation>'
    return f"<math {opening['attrs']}><semantics><mrow>{body}</mrow>{annotation}</semantics></math>"


def _replace(match: re.Match, page) -> str:
    opening, closing = WRAPPERS[match["tag"]]
    tex = html.unescape(match["tex"]).strip()
    if not (tex.startswith(opening) and tex.endswith(closing)):
        log.warning("%s: math wrapper without %s…%s: %r", page.file.src_uri, opening, closing, tex[:80])
        return match.group(0)
    tex = tex[len(opening):-len(closing)].strip()
    try:
        mathml = tex_to_mathml(tex, display=match["tag"] == "div")
    except Exception as exc:  # latex2mathml raises its own exception classes
        log.warning("%s: cannot render %r as MathML: %s", page.file.src_uri, tex[:80], exc)
        return match.group(0)
    return f'<div class="{DISPLAY_CLASS}">{mathml}</div>' if match["tag"] == "div" else mathml


def on_config(config, **kwargs):
    try:
        import latex2mathml.converter  # noqa: F401
    except ImportError as exc:
        raise PluginError("docs/hooks/mathml.py needs latex2mathml: pip install -e '.[docs]'") from exc
    if STYLESHEET not in config.extra_css:
        config.extra_css.append(STYLESHEET)
    return config


def on_files(files, config, **kwargs):
    files.append(File.generated(config, STYLESHEET, content=CSS))
    return files


def on_page_content(html_text: str, page, config, files) -> str:
    return ARITHMATEX.sub(lambda m: _replace(m, page), html_text)
