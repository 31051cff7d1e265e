"""The report's pages as HTML text: pure functions of the gathered data. Self-contained (inline
CSS and SVG, charts of summaries embedded as PNG data), no script, no request anywhere;
readable on a phone. Every value from the store is escaped."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime
from html import escape

from jobs.clock import iso
from jobs.report.data import IndexRow, ReportIndex, SubjectReport
from jobs.report.svg import Bars, Line, bar_chart, line_chart
from storage.subjects import Subject

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:12px;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}.scroll{overflow-x:auto}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #ddd;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto;max-width:720px;font-size:11px}
.chart .grid{stroke:#e3e3e3}.chart text{fill:#555}
.part{white-space:pre-wrap;background:#f6f6f6;padding:6px;margin:4px 0}
.state-failed,.failing{color:#b00}.state-waiting{color:#a60}
img.png{width:100%;max-width:600px;height:auto}
nav a{margin-right:1em}
"""
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
POSITIVE, NEUTRAL, NEGATIVE = "#2e7d32", "#9e9e9e", "#c62828"


def _page(title: str, body: Iterable[str]) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def _t(at: datetime | None) -> str:
    return escape(iso(at) or "-")


def _num(value: object, cls: str) -> str:
    shown = f"{value:,}" if isinstance(value, int) else escape(str(value))
    return f'<td class="n {cls}" data-value="{escape(str(value))}">{shown}</td>'


def _collection(subject: Subject) -> str:
    if subject.failure:
        return f'<span class="failing">failing: {escape(subject.failure)}</span>'
    through = subject.collected_through
    return f"complete through {_t(through)}" if through else "not collected yet"


def render_index(index: ReportIndex) -> str:
    rows = [_index_row(r) for r in index.rows]
    st = index.status
    jobs = []
    for job in st.jobs:
        last = job["last_run"]
        if isinstance(last, dict):
            jobs.append(
                f"<tr><td>{escape(str(job['job']))}</td>"
                f'<td class="state-{escape(str(last["status"]))}">{escape(str(last["status"]))}</td>'
                f"<td>{escape(str(last['started_at']))}</td>{_num(last['items'], 'items')}"
                f"<td>{escape(str(last['error'] or ''))}</td></tr>"
            )
        else:
            jobs.append(f"<tr><td>{escape(str(job['job']))}</td><td>never run</td></tr>")
    u = st.api_usage
    usage = (
        f'<p class="usage">API use in {escape(str(u["month"]))}: {int(str(u["requests"])):,} '
        f"requests, {int(str(u['posts_read'])):,} of {int(str(u['cap'])):,} posts read, about "
        f"${float(str(u['estimated_usd'])):.2f} of a ${float(str(u.get('budget_usd', 0))):.2f} "
        "budget</p>"
    )
    errors = "".join(
        f"<li>{escape(str(e['job']))} at {escape(str(e['at']))}: {escape(str(e['error']))}</li>"
        for e in st.errors
    )
    return _page(
        "pollbot report",
        [
            "<h1>pollbot report</h1>",
            f"<p>Generated at {_t(index.generated_at)} from the store.</p>",
            "<h2>Subjects</h2>",
            '<div class="scroll"><table id="subjects"><thead><tr><th>platform</th><th>kind'
            '</th><th>subject</th><th class="n">replies</th><th class="n">accounts</th>'
            "<th>last summary</th><th>collection</th></tr></thead><tbody>",
            *rows,
            "</tbody></table></div>",
            "<h2>Jobs</h2>",
            '<div class="scroll"><table id="jobs"><thead><tr><th>job</th><th>last run</th>'
            '<th>started</th><th class="n">items</th><th>error</th></tr></thead><tbody>',
            *jobs,
            "</tbody></table></div>",
            usage,
            f"<h2>Last errors</h2><ul>{errors or '<li>none</li>'}</ul>",
        ],
    )


def _index_row(r: IndexRow) -> str:
    s = r.subject
    last = r.last_summary
    summary = (
        f'{_t(last.window_end)} <span class="state-{escape(last.state)}">{escape(last.state)}'
        "</span>"
        if last
        else "none yet"
    )
    return (
        f'<tr data-subject="{escape(s.subject_key)}"><td>{escape(s.platform)}</td>'
        f'<td>{escape(s.kind)}</td><td><a href="{escape(r.page)}.html">{escape(s.name)}</a>'
        f"</td>{_num(r.replies, 'replies')}{_num(r.authors, 'authors')}<td>{summary}</td>"
        f"<td>{_collection(s)}</td></tr>"
    )


def render_subject(report: SubjectReport) -> str:
    s = report.subject
    body = [
        '<nav><a href="index.html">All subjects</a></nav>',
        f"<h1>{escape(s.name)}</h1>",
        '<div class="scroll"><table id="facts">',
        f"<tr><th>platform</th><td>{escape(s.platform)}</td></tr>",
        f"<tr><th>kind</th><td>{escape(s.kind)}</td></tr>",
        f"<tr><th>key</th><td>{escape(s.key)}</td></tr>",
        f"<tr><th>tracked since</th><td>{_t(s.added_at)}</td></tr>",
        f"<tr><th>collection</th><td>{_collection(s)}</td></tr>",
        f"<tr><th>replies stored</th>{_num(report.replies, 'replies')}</tr>",
        f"<tr><th>accounts</th>{_num(report.speakers.authors, 'authors')}</tr>",
        f"<tr><th>copies</th>{_num(report.speakers.copies, 'copies')}</tr>",
        "</table></div>",
    ]
    if s.is_poll:
        body += ["<h2>Votes</h2>", _votes_chart(report)]
    body += ["<h2>Sentiment of the English replies</h2>", *_sentiment_charts(report)]
    body += ["<h2>Replies and accounts per summary window</h2>", _windows_chart(report)]
    body += ["<h2>Summaries as posted</h2>", *_summaries(report)]
    return _page(f"{s.name} · pollbot report", body)


def _votes_chart(report: SubjectReport) -> str:
    votes = report.votes
    if not votes:
        return line_chart("vote shares over time: no votes read yet", [])
    labels = votes[-1].labels
    lines = [
        Line(
            label,
            COLORS[i % len(COLORS)],
            [(v.taken_at, v.votes[i] / v.total) for v in votes if len(v.votes) == len(labels)],
        )
        for i, label in enumerate(labels)
    ]
    last = votes[-1]
    shares = ", ".join(
        f"{escape(label)} {n / last.total:.1%}" for label, n in zip(labels, last.votes, strict=True)
    )
    return (
        line_chart("each option's share of the votes over time", lines)
        + f'<p class="votes">Last read {_t(last.taken_at)}: {shares} of '
        f'<span data-value="{last.total}">{last.total:,}</span> votes.</p>'
    )


def _sentiment_charts(report: SubjectReport) -> list[str]:
    shares: dict[str, list[tuple[datetime, float]]] = {"pos": [], "neu": [], "neg": []}
    means: list[tuple[datetime, float]] = []
    for b in report.sentiment:
        c = b.counts
        if not c.scored:
            continue
        mid = b.start + (b.end - b.start) / 2
        shares["pos"].append((mid, c.positive / c.scored))
        shares["neu"].append((mid, c.neutral / c.scored))
        shares["neg"].append((mid, c.negative / c.scored))
        means.append((mid, c.compound_sum / c.scored))
    per = "hour" if report.bucket.total_seconds() <= 3600 else "day"
    return [
        line_chart(
            f"shares of positive, neutral and negative replies per {per}",
            [
                Line("positive", POSITIVE, shares["pos"]),
                Line("neutral", NEUTRAL, shares["neu"]),
                Line("negative", NEGATIVE, shares["neg"]),
            ],
        ),
        line_chart(
            f"mean compound score per {per}",
            [Line("mean compound", "#333", means)],
            low=-1.0,
            high=1.0,
            percent=False,
        ),
    ]


def _windows_chart(report: SubjectReport) -> str:
    made = [s for s in report.summaries if s.counts]
    labels = [f"{s.window_end:%d %b %H:%M}" for s in made]

    def series(key: str) -> list[int]:
        return [int((s.counts or {}).get(key) or 0) for s in made]

    return bar_chart(
        "replies, accounts and copies per summary window",
        labels,
        [
            Bars("replies", "#1f77b4", series("replies")),
            Bars("accounts", "#ff7f0e", series("authors")),
            Bars("copies", "#d62728", series("copies")),
        ],
    )


def _summaries(report: SubjectReport) -> list[str]:
    if not report.summaries:
        return ["<p>No summary yet.</p>"]
    out = []
    for s in reversed(report.summaries):  # newest first, as the platform shows them
        c = s.counts or {}
        cells = "".join(
            _num(c[k] if c.get(k) is not None else "-", k)
            for k in ("replies", "scored", "authors", "copies")
        )
        parts = "".join(f'<div class="part">{escape(p.text)}</div>' for p in s.parts)
        ids = ", ".join(str(p.post_id) for p in s.parts if p.post_id is not None) or "-"
        png = report.charts.get(s.id)
        img = (
            f'<img class="png" alt="the chart posted with this summary" width="1200" '
            f'height="675" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            if png
            else ""
        )
        out.append(
            f'<section class="summary" data-window-end="{_t(s.window_end)}">'
            f"<h3>{_t(s.window_start)} to {_t(s.window_end)} "
            f'<span class="state-{escape(s.state)}">{escape(s.state)}</span>'
            f"{' (final)' if s.final else ''}</h3>"
            '<div class="scroll"><table><tr><th class="n">replies</th><th class="n">scored</th>'
            f'<th class="n">accounts</th><th class="n">copies</th></tr><tr>{cells}</tr></table>'
            f'</div>{parts}<p class="post-ids">posted as {escape(ids)}</p>{img}</section>'
        )
    return out
