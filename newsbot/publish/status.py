"""The status page, ``{output}/index.html``, rewritten after every run: each spider's last
run, each site and column with its feeds, articles written per day over the last
``DAYS`` days (an inline SVG chart), alarms, failed articles, links to the reports.

Static HTML, no JavaScript. Everything that comes from a crawled page is untrusted:
every text and attribute value goes through ``html.escape``, and only http(s) URLs
become links.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path

from newsbot.dates import SHANGHAI, human_duration, operator_time
from newsbot.errors import OutputError
from newsbot.secrets import mask, public
from newsbot.sites import find_site
from newsbot.storage.files import write_atomic
from newsbot.storage.state import StateStore

logger = logging.getLogger(__name__)

DAYS = 30
FAILED_SHOWN = 100
FAILED_COLUMNS = ("url", "site", "reason", "attempts", "next_attempt", "given_up")


# --- what the state says (through its protocol: SQLite or Redis alike) ------------------
def articles_per_day(store: StateStore | None, today: date, days: int = DAYS) -> dict[str, dict[str, int]]:
    """{site: {"YYYY-MM-DD": articles written that day (Shanghai time)}} for the last days."""
    return store.articles_per_day(today, days) if store is not None else {}


def taken_down_urlnames(store: StateStore | None) -> set[str]:
    """The articles taken down (``newsbot takedown``): no feed and no page shows them."""
    try:
        return {t.urlname for t in store.takedowns()} if store is not None else set()
    except OutputError as exc:  # (a Redis gone: the run said so; their tombstones still hold)
        logger.warning("the state cannot be read: %s", exc)
        return set()


def failed_in_words(waiting: int, given_up: int) -> str:
    """The state's failed articles in the words the status page, the run summary and
    ``newsbot failed`` share."""
    return f"{waiting + given_up} failed article(s) in the state: {waiting} waiting for a retry, {given_up} given up"


def failed_counts(store: StateStore | None) -> tuple[int, int]:
    """(waiting for a retry, given up): every failed article of the state, as
    ``newsbot failed`` counts them."""
    failures = store.failures() if store is not None else []
    given_up = sum(1 for failure in failures if failure.given_up)
    return len(failures) - given_up, given_up


def failed_articles(store: StateStore | None, limit: int = FAILED_SHOWN) -> list[dict]:
    """The articles that failed last, newest first, as the table shows them."""
    if store is None:
        return []
    rows = []
    for failure in store.failures(limit=limit):
        row = {column: getattr(failure, column) for column in FAILED_COLUMNS}
        row["next_attempt"] = "" if failure.given_up else operator_time(failure.next_attempt)
        rows.append(row)
    return rows


def latest_reports(output: Path) -> dict[str, dict]:
    reports = {}
    for path in sorted((Path(output) / "reports").glob("*-latest.json")):
        try:
            reports[path.name[: -len("-latest.json")]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("status page: cannot read report %s: %r", path, exc)
    return reports


# --- HTML -------------------------------------------------------------------------------
def text(value) -> str:
    return escape("" if value is None else str(value))


def link(url, label=None) -> str:
    """A link to an http(s) URL or to a file beside the page; anything else stays text."""
    url = "" if url is None else str(url)
    label = text(label if label is not None else url)
    if url.startswith(("http://", "https://")) or (url and ":" not in url.split("/", 1)[0]):
        return f'<a href="{escape(url, quote=True)}">{label}</a>'
    return label


def bar_chart(per_day: dict[str, int], today: date, days: int = DAYS) -> str:
    """Articles per day as a small inline SVG: one bar a day, a tooltip on each."""
    width, height, gap = 8, 40, 2
    dates = [today - timedelta(days=days - 1 - i) for i in range(days)]
    values = [per_day.get(d.isoformat(), 0) for d in dates]
    top = max(values) or 1
    bars = []
    for i, (day, value) in enumerate(zip(dates, values)):
        bar = round(height * value / top) if value else 0
        bars.append(f'<rect x="{i * width}" y="{height - bar}" width="{width - gap}" height="{bar}">'
                    f'<title>{day.isoformat()}: {value}</title></rect>')
    total = sum(values)
    summary = f"{total} articles written in the last {days} days (most in a day: {max(values)})"
    baseline = f'<line x1="0" y1="{height}" x2="{days * width}" y2="{height}" stroke="#999"/>'
    return (f'<svg class="chart" role="img" width="{days * width}" height="{height + 1}" '
            f'viewBox="0 0 {days * width} {height + 1}" xmlns="http://www.w3.org/2000/svg">'
            f'<title>{summary}</title>' + "".join(bars) + baseline + "</svg>"
            f' <span class="muted">{dates[0].isoformat()} to {dates[-1].isoformat()}: {summary}</span>')


STYLE = """
body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
.alarm{color:#a00;font-weight:bold}.chart rect{fill:#3a6ea5}.muted{color:#777}
"""


def _run_section(spider: str, report: dict | None, output: Path) -> str:
    out = [f'<h2 id="spider-{text(spider)}">{text(spider)}</h2>']
    if not report:
        return "".join(out) + '<p class="muted">No run report yet.</p>'
    rows = [("finished", report.get("finish_reason")), ("started", operator_time(report.get("started"))),
            ("took", human_duration(report.get("duration_seconds"))), ("new articles", report.get("new")),
            ("already known", report.get("already_known")), ("skipped", report.get("skipped", 0)),
            ("errors", report.get("errors")), ("failed articles", report.get("failed_articles")),
            ("in the state", report.get("failed_summary"))]
    out.append('<table class="run"><caption>Last run</caption>'
               + "".join(f"<tr><th>{text(k)}</th><td>{text(v)}</td></tr>" for k, v in rows) + "</table>")
    alarms = report.get("alarms") or []
    if alarms:
        # An alarm may quote an error's text: no secret, no server path on a served page.
        out.append('<ul class="alarms">' + "".join(f'<li class="alarm">ALARM: {text(public(a, output))}</li>'
                                                   for a in alarms) + "</ul>")
    else:
        out.append('<p class="muted">No alarms.</p>')
    out.append(f"<p>Report: {link(f'reports/{spider}-latest.json', f'{spider}-latest.json')}</p>")
    return "".join(out)


def _feed_links(name: str) -> str:
    return f"{link(f'feeds/{name}.atom', 'Atom')} · {link(f'feeds/{name}.rss', 'RSS')}"


def _site_section(site: str, scan, per_day: dict[str, int], today: date) -> str:
    config = find_site(site)
    title = config.display_name if config else site
    home = f"{config.scheme}://{config.hosts[0]}/" if config else None
    out = [f'<h3 class="site" id="site-{text(site)}">{text(title)} <span class="muted">({text(site)})</span></h3>',
           f"<p>{link(home, home) if home else ''} Feeds: {_feed_links(site)}</p>",
           f"<p>Articles written per day, last {DAYS} days:</p><p>{bar_chart(per_day, today)}</p>"]
    rows = []
    for column in (config.columns if config else ()):
        name = f"{site}-{column.code}"
        held = scan.records.get(name, []) if column.code in scan.sites.get(site, ()) else []
        newest = held[0] if held else None
        feeds = _feed_links(name) if held else '<span class="muted">no articles yet</span>'
        latest = (f"{link(newest['url'], newest.get('title'))} "
                  f"<span class='muted'>{text(operator_time(newest.get('published')))}</span>") if newest else ""
        rows.append(f'<tr class="column"><td>{text(column.name)}</td><td>{text(column.code)}</td>'
                    f"<td>{link(column.url, 'list page')}</td><td>{feeds}</td><td>{latest}</td></tr>")
    if rows:
        out.append("<table><tr><th>column</th><th>code</th><th>source</th><th>feeds</th>"
                   "<th>newest written</th></tr>" + "".join(rows) + "</table>")
    return "".join(out)


def _failed_section(failed: list[dict], counts: tuple[int, int]) -> str:
    if not failed:
        return ""
    columns = [c for c in FAILED_COLUMNS if any(c in row for row in failed)]
    head = "".join(f"<th>{text(c)}</th>" for c in columns)

    def cell(row, column):
        if column == "url":
            return link(row.get(column))
        if column == "given_up":
            return "yes" if row.get(column) else "no"
        return text(row.get(column))

    body = "".join("<tr>" + "".join(f"<td>{cell(row, c)}</td>" for c in columns) + "</tr>" for row in failed)
    waiting, given_up = counts
    shown = f"the newest {len(failed)} of " if len(failed) < waiting + given_up else ""
    return (f'<h2 id="failed">Failed articles</h2><p class="failed-count">{shown}{failed_in_words(waiting, given_up)}</p>'
            f'<table class="failed"><tr>{head}</tr>{body}</table>')


def render_status_page(output: Path, store: StateStore | None, scans: dict, report: dict | None = None,
                       now: datetime | None = None) -> str:
    """The page; ``store``: the state (None: no state, no chart and no failed articles)."""
    now = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    today = now.date()
    reports = latest_reports(output)
    if report and report.get("spider"):  # this run's report, in case its file is not there yet
        reports[report["spider"]] = report
    try:
        per_day, failed, counts = articles_per_day(store, today), failed_articles(store), failed_counts(store)
    except OutputError as exc:  # (a Redis gone: the run said so; the page shows the rest)
        logger.warning("status page: the state cannot be read: %s", exc)
        per_day, failed, counts = {}, [], (0, 0)
    parts = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>newsbot status</title><style>{STYLE}</style></head><body>",
             f"<h1>newsbot status</h1><p class='muted'>Written {text(operator_time(now))}; every time on this "
             f"page is the sites' (Asia/Shanghai, +08:00)</p>"]
    for spider in sorted(set(reports) | set(scans)):
        parts.append(_run_section(spider, reports.get(spider), output))
        scan = scans.get(spider)
        for site in sorted(scan.sites) if scan else ():
            parts.append(_site_section(site, scan, per_day.get(site, {}), today))
    parts.append(_failed_section(failed, counts))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_status_page(output: Path, store: StateStore | None, scans: dict, report: dict | None = None) -> Path:
    path = Path(output) / "index.html"
    write_atomic(path, mask(render_status_page(output, store, scans, report)))
    return path
