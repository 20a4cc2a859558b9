"""The report's summary page: for each claim of the paper, what was measured and whether it agrees.

Written as Markdown (``summary.md``) and HTML (``summary.html``, figures embedded as images beside
it) from the ``stage.json`` files of the finished stages; stages not run yet are listed as such.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from .. import __version__
from ..store import atomic_write_text

VERDICT = {True: "agrees", False: "DISAGREES", None: "not comparable at this scale"}


def _load(out: Path, stages):
    for st in stages:
        marker = out / st.name / "stage.json"
        yield st, (json.loads(marker.read_text()) if marker.exists() else None)


def write_summary(out, stages) -> Path:
    out = Path(out)
    md = [f"# The Loss Surfaces of Multilayer Networks, reproduced by polyloss {__version__}", "",
          "Choromanska, Henaff, Mathieu, Ben Arous, LeCun, AISTATS 2015 (arXiv:1412.0233).", ""]
    body = [f"<h1>The Loss Surfaces of Multilayer Networks, reproduced by polyloss {__version__}</h1>",
            "<p>Choromanska, Henaff, Mathieu, Ben Arous, LeCun, AISTATS 2015 (arXiv:1412.0233).</p>"]
    rows_md, rows_html = [], []
    for st, data in _load(out, stages):
        if data is None:
            rows_md.append(f"| {st.title} | (stage not run) | | |")
            rows_html.append(f"<tr><td>{html.escape(st.title)}</td><td colspan=3>(stage not run)</td></tr>")
            continue
        for c in data["claims"]:
            verdict = VERDICT[c["agrees"]]
            rows_md.append(f"| {c['claim']} | {c['measured']} | **{verdict}** | {c['source']} |")
            rows_html.append("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in
                                               (c["claim"], c["measured"], verdict, c["source"])) + "</tr>")
    md += ["## Claims", "", "| claim | measured | verdict | source |", "|---|---|---|---|", *rows_md, ""]
    body += ["<h2>Claims</h2>", "<table border=1 cellpadding=4><tr><th>claim</th><th>measured</th>"
             "<th>verdict</th><th>source</th></tr>", *rows_html, "</table>"]
    for st, data in _load(out, stages):
        md += [f"## {st.title}", ""]
        body.append(f"<h2>{html.escape(st.title)}</h2>")
        if data is None:
            md += [f"Not run yet: `polyloss reproduce --only {st.name}`.", ""]
            body.append(f"<p>Not run yet: <code>polyloss reproduce --only {st.name}</code>.</p>")
            continue
        md += [f"Scale `{data['scale']}`, seed {data['seed']}, {data['seconds']:.1f} s.", ""]
        body.append(f"<p>Scale <code>{data['scale']}</code>, seed {data['seed']}, {data['seconds']:.1f} s.</p>")
        for title, table in data.get("tables", {}).items():
            md += [f"**{title}**", "", table, ""]
            body.append(f"<h3>{html.escape(title)}</h3>{_md_table_to_html(table)}")
        for caption, rel in data.get("files", {}).items():
            if rel.endswith(".png"):
                md += [f"![{caption}]({rel})", "", f"*{caption}*", ""]
                body.append(f'<figure><img src="{html.escape(rel)}" style="max-width:900px">'
                            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
            else:
                md += [f"- {caption}: [{rel}]({rel})"]
                body.append(f'<p>{html.escape(caption)}: <a href="{html.escape(rel)}">{html.escape(rel)}</a></p>')
        md.append("")
    atomic_write_text(out / "summary.html", "<!doctype html><html><head><meta charset='utf-8'>"
                      "<title>polyloss report</title></head><body style='font-family:sans-serif;max-width:1000px;"
                      "margin:auto'>" + "\n".join(body) + "</body></html>\n")
    return atomic_write_text(out / "summary.md", "\n".join(md) + "\n")


def _md_table_to_html(table: str) -> str:
    lines = [ln.strip().strip("|") for ln in table.strip().splitlines()]
    lines = [ln for ln in lines if not set(ln.replace("|", "").strip()) <= set("-: ")]
    rows = [[html.escape(c.strip()) for c in ln.split("|")] for ln in lines]
    if not rows:
        return ""
    head = "".join(f"<th>{c}</th>" for c in rows[0])
    rest = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table border=1 cellpadding=4><tr>{head}</tr>{rest}</table>"


def markdown_table(header, rows) -> str:
    """A Markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(map(str, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(lines)
