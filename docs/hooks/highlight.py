"""mkdocs hook: the stylesheet of the code blocks that Pygments highlights at build time.

With ``theme: highlightjs: false`` the theme loads no highlight.js, and ``pymdownx.highlight`` (Pygments)
writes each fenced code block as ``<div class="highlight"><pre><code>`` with one ``<span class="…">`` per
token (``k`` keyword, ``kn`` import keyword, ``s2`` string, ``mi`` integer, …). This hook writes the rules
that colour those classes, ``css/pygments.css``, generated from the installed Pygments (so its classes
always match the ones it emitted), and links it from every page. Light pages use ``LIGHT``; a page in the
theme's dark mode (``data-bs-theme="dark"``) uses ``DARK``.
"""

from __future__ import annotations

from mkdocs.structure.files import File

STYLESHEET = "css/pygments.css"
LIGHT = "friendly"
DARK = "github-dark"
SELECTOR = ".highlight"


def pygments_css(light: str = LIGHT, dark: str = DARK, selector: str = SELECTOR) -> str:
    """Pygments' rules for ``selector`` in the style ``light``, then those of ``dark`` under dark mode."""
    from pygments.formatters import HtmlFormatter

    light_rules = HtmlFormatter(style=light).get_style_defs(selector)
    dark_rules = HtmlFormatter(style=dark).get_style_defs(f'[data-bs-theme="dark"] {selector}')
    return f"/* Pygments styles {light!r} and {dark!r} (dark mode); written by docs/hooks/highlight.py */\n" \
           f"{light_rules}\n{dark_rules}\n"


def on_config(config, **kwargs):
    if STYLESHEET not in config.extra_css:
        config.extra_css.append(STYLESHEET)
    return config


def on_files(files, config, **kwargs):
    files.append(File.generated(config, STYLESHEET, content=pygments_css()))
    return files
