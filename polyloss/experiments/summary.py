"""The report's summary page: for each claim of the paper, what was measured and whether it agrees.

Written as Markdown (``summary.md``) and HTML (``summary.html``, figures embedded as images beside
it) from the ``stage.json`` files of the finished stages; stages not run yet are listed as such.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from .. import __version__
from ..store import atomic_write_text
from .stage import read_marker

SCALE_TEXT = {
    "smoke": "the smoke scale (seconds; a handful of tiny runs: statistical claims are not judged)",
    "default": "the default scale (minutes on 2 cores; 5–20× smaller than the paper's sizes)",
    "paper": "the paper's sizes",
}


def _load(out: Path, stages):
    for st in stages:
        marker = out / st.name / "stage.json"
        yield st, read_marker(marker)  # None when missing or damaged (reported by name): not run


def _failure(out: Path, st) -> dict | None:
    """Why the stage's last attempt did not run and how to fix it (``<stage>/failed.json``), or None."""
    path = out / st.name / "failed.json"
    try:
        record = json.loads(path.read_text())
        return {"why": str(record["why"]), "fix": str(record["fix"])}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return {"why": f"its failure record {path} is unreadable", "fix": f"run the stage again (--only {st.name})"}


def _verdict_md(v: dict) -> str:
    word = v["word"].upper() if v["word"] == "disagrees" else v["word"]
    return f"**{word}** ({v['criterion']}{'; ' + v['detail'] if v.get('detail') else ''})"


def write_summary(out, stages) -> Path:
    out = Path(out)
    loaded = list(_load(out, stages))
    md = [f"# The Loss Surfaces of Multilayer Networks, reproduced by polyloss {__version__}", "",
          "Choromanska, Henaff, Mathieu, Ben Arous, LeCun, AISTATS 2015 (arXiv:1412.0233).", ""]
    body = [f"<h1>The Loss Surfaces of Multilayer Networks, reproduced by polyloss {__version__}</h1>",
            "<p>Choromanska, Henaff, Mathieu, Ben Arous, LeCun, AISTATS 2015 (arXiv:1412.0233).</p>"]
    runs = {(d["scale"], d["seed"], d.get("data", "embedded")) for _, d in loaded if d is not None}
    for scale, seed, data in sorted(runs):
        text = (f"Run at {SCALE_TEXT.get(scale, scale)} (`--scale {scale}`), seed {seed}; networks trained on "
                f"{'the embedded 5,000-image MNIST sample' if data == 'embedded' else 'MNIST from ' + data}. Every "
                "verdict states the rule that gave it; the rules were fixed in code before the results were seen.")
        md += [text, ""]
        body.append(f"<p>{html.escape(text)}</p>")
    rows_md, rows_html = [], []
    failures = {st.name: _failure(out, st) for st, _ in loaded}
    for st, data in loaded:
        if failures[st.name] is not None:
            f = failures[st.name]
            rows_md.append(f"| {st.title} | | (stage did not run: {_cell(f['why'])}) | **NOT RUN** | |")
            rows_html.append(f"<tr><td>{html.escape(st.title)}</td><td colspan=4>(stage did not run: "
                             f"{html.escape(f['why'])})</td></tr>")
            continue
        if data is None:
            rows_md.append(f"| {st.title} | | (stage not run) | | |")
            rows_html.append(f"<tr><td>{html.escape(st.title)}</td><td colspan=4>(stage not run)</td></tr>")
            continue
        for c in data["claims"]:
            cells = (c["claim"], c["paper"], c["measured"], _verdict_md(c["verdict"]), c["source"])
            rows_md.append("| " + " | ".join(_cell(x) for x in cells) + " |")
            rows_html.append("<tr>" + "".join(f"<td>{html.escape(str(x)).replace('**', '')}</td>" for x in cells)
                             + "</tr>")
    md += ["## Claims", "", "| claim | the paper | measured | verdict (rule) | source |", "|---|---|---|---|---|",
           *rows_md, ""]
    body += ["<h2>Claims</h2>", "<table border=1 cellpadding=4><tr><th>claim</th><th>the paper</th><th>measured</th>"
             "<th>verdict (rule)</th><th>source</th></tr>", *rows_html, "</table>"]
    for st, data in loaded:
        md += [f"## {st.title}", ""]
        body.append(f"<h2>{html.escape(st.title)}</h2>")
        if failures[st.name] is not None:
            f = failures[st.name]
            earlier = (f" An earlier report of this stage is in `{st.name}/` (its `stage.json`); it is not listed "
                       "here because the last attempt failed." if data is not None else "")
            text = f"**Not run**: {f['why']}. **To fix**: {f['fix']}.{earlier}"
            md += [text, ""]
            body.append(f"<p>{html.escape(text).replace('**', '')}</p>")
            continue
        if data is None:
            md += [f"Not run yet (or not finished): `polyloss reproduce --only {st.name}` with this report's "
                   "`--scale`, `--results` and `--out` computes and reports it.", ""]
            body.append(f"<p>Not run yet (or not finished): <code>polyloss reproduce --only {st.name}</code> with this "
                        "report's <code>--scale</code>, <code>--results</code> and <code>--out</code> computes and "
                        "reports it.</p>")
            continue
        origin = ("rebuilt from saved results" if data.get("rebuilt_from_results")
                  else f"computed {data.get('executed_on') or 'on this machine'}")
        origin += f" in {data['seconds']:.1f} s"
        if data.get("task_seconds"):
            origin += f" (the saved tasks took {_duration(data['task_seconds'])} in all)"
        md += [f"Scale `{data['scale']}`, seed {data['seed']}, {origin}.", ""]
        body.append(f"<p>Scale <code>{data['scale']}</code>, seed {data['seed']}, {html.escape(origin)}.</p>")
        for note in data.get("notes", []):
            md += [note, ""]
            body.append(f"<p>{html.escape(note).replace('**', '')}</p>")
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
                      "margin:auto'>" + "\n".join(typographic_minus(line) for line in body) + "</body></html>\n")
    return atomic_write_text(out / "summary.md", "\n".join(typographic_minus(line) for line in md) + "\n")


_CODE_OR_LINK = re.compile(r"(`[^`]*`|\]\([^)]*\)|<code>.*?</code>|(?:src|href)=\"[^\"]*\")")


def typographic_minus(text: str) -> str:
    """One minus sign throughout: ``-`` before a number (``-1.63``, ``Λ^(-0.62)``, ``{-1,0,1}``) becomes ``−``,
    except inside code spans, link targets and attributes, and in exponents (``1e-3``) and ranges (``2-3``)."""
    pieces = _CODE_OR_LINK.split(text)
    for i in range(0, len(pieces), 2):  # the even pieces lie outside code and links
        pieces[i] = re.sub(r"(?<![\w.\-])-(?=\.?\d)", "−", pieces[i])
    return "".join(pieces)


def _cell(text) -> str:
    """A Markdown table cell: its pipes escaped (|x| inside a cell would split it)."""
    return re.sub(r"(?<!\\)\|", r"\\|", str(text))


def _md_table_to_html(table: str) -> str:
    """The first Markdown table of ``table`` as HTML (escaped pipes stay inside their cell), then any
    paragraph after it."""
    lines = table.strip().splitlines()
    rows, rest = [], []
    for i, ln in enumerate(lines):
        if not ln.strip().startswith("|"):
            rest = lines[i:]
            break
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln.strip().strip("|"))]
        if all(set(c) <= set("-: ") for c in cells):
            continue
        rows.append([html.escape(c) for c in cells])
    if not rows:
        return ""
    head = "".join(f"<th>{c}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows[1:])
    after = "".join(f"<p>{html.escape(p.strip())}</p>" for p in rest if p.strip())
    return f"<table border=1 cellpadding=4><tr>{head}</tr>{body}</table>{after}"


def _duration(seconds: float) -> str:
    """``seconds`` as the report states a cost: seconds, minutes or hours of task time."""
    if seconds < 120:
        return f"{seconds:.0f} task-seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} task-minutes"
    return f"{seconds / 3600:.1f} task-hours"
