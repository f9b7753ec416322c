"""Golden files: beside every article page of the replay fixtures, the JSONL record newsbot
makes of it (``<page>.expected.json``), so any change to what is extracted shows as a diff
that is reviewed like code. ``newsbot fixtures`` checks them, ``newsbot fixtures --update``
rewrites them; ``tests/test_golden.py`` compares them field by field.

The record is what ``extract`` + ``prepare`` make of the page alone, served as the replay
serves it (``text/html``, no charset). Not in the file: ``crawled_at`` and ``updated`` (the crawl's clock).
Fixed: the clock is ``GOLDEN_NOW``, so a page without a date gets a stable ``published``.
``columns`` is the page's own column; a crawl adds every column whose list links it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from newsbot.dates import SHANGHAI
from newsbot.extract import extract
from newsbot.errors import Dropped
from newsbot.extract import prepare
from newsbot.items import article_record
from newsbot.sites import site_for_url

SUFFIX = ".expected.json"
EXCLUDED = ("crawled_at", "updated")  # the crawl's clock
GOLDEN_NOW = datetime(2026, 1, 1, tzinfo=SHANGHAI)
FIXTURE_SETS = ("nankai", "bistu", "eastmoney", "campus")


def page_url(root: Path, page: Path) -> str:
    """The URL a replay fixture page is served for (newsbot/replay.py's mapping, reversed)."""
    host, *segments = page.relative_to(root).parts
    name, _, query = segments[-1].partition("@")
    path = "/".join([*segments[:-1], name])
    site = site_for_url(f"https://{host}/")
    scheme = site.scheme if site else "https"
    return f"{scheme}://{host}/{path}" + (f"?{query.replace('%2F', '/')}" if query else "")


def article_pages(fixtures: Path) -> list[tuple[Path, str]]:
    """Every article page (the site's article URL shape) of every fixture set, with its URL."""
    found = []
    for name in FIXTURE_SETS:
        root = fixtures / name
        for page in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(SUFFIX)):
            if page.parent == root:
                continue  # README.md
            url = page_url(root, page)
            site = site_for_url(url)
            if site is not None and site.is_article(url):
                found.append((page, url))
    return found


def golden_record(page: Path, url: str) -> dict:
    """The record for one page, or ``{"dropped": reason}`` when the pipelines drop it."""
    try:
        article = prepare(extract(url, page.read_bytes(), {"Content-Type": "text/html"}), now=GOLDEN_NOW)
    except Dropped as drop:
        return {"url": url, "dropped": str(drop)}
    return {k: v for k, v in article_record(article).items() if k not in EXCLUDED}


def golden_path(page: Path) -> Path:
    return page.with_name(page.name + SUFFIX)


def as_text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def field_diff(expected: dict, got: dict) -> list[str]:
    """One readable line per field that differs."""
    lines = []
    for key in dict.fromkeys([*expected, *got]):
        if expected.get(key, "<absent>") != got.get(key, "<absent>"):
            lines.append(f"{key}:\n    expected {expected.get(key, '<absent>')!r}\n    got      {got.get(key, '<absent>')!r}")
    return lines


def check(fixtures: Path, update: bool = False) -> list[str]:
    """Compare (or with ``update``, rewrite) every golden file; return what differed."""
    problems = []
    pages = article_pages(fixtures)
    for page, url in pages:
        path = golden_path(page)
        text = as_text(golden_record(page, url))
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        if update:
            path.write_text(text, encoding="utf-8")
        name = path.relative_to(fixtures)
        if old is None:
            problems.append(f"{name}: missing")
        else:
            problems.append(f"{name}:\n  " + "\n  ".join(field_diff(json.loads(old), json.loads(text))))
    wanted = {golden_path(page) for page, _ in pages}
    for stale in sorted(p for name in FIXTURE_SETS for p in (fixtures / name).rglob(f"*{SUFFIX}")):
        if stale not in wanted:
            if update:
                stale.unlink()
            problems.append(f"{stale.relative_to(fixtures)}: no article page beside it")
    return problems
