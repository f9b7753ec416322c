"""The crawl benchmark (bench/crawl): the simulated site follows the real pagination
scheme, and the runner, at a tiny N, prints both tables with the counts each run must have.
No timing is asserted: only that the instrument measures the right runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "crawl"
sys.path.insert(0, str(BENCH))

from simsite import COLUMNS, PAGE_SIZE, Site, article_url  # noqa: E402

LINK = re.compile(r'<a href="([^"]*/system/\d{4}/[^"]+)" target="_blank">')
OLDER = re.compile(r'<a href="([^"]+)">下一页</a>')


def walk_column(site: Site, code: str) -> list[str]:
    """Follow a column from its index through 下一页 to the oldest page; the links listed."""
    path, links, pages = f"/{code}/index.shtml", [], 0
    while path:
        kind, status, body = site.respond(path)
        assert (kind, status) == ("list", 200), path
        text = body.decode()
        links += [href if href.startswith("https://") else "https://news.nankai.edu.cn" + href
                  for href in LINK.findall(text)]
        pages += 1
        older = OLDER.search(text)
        path = older.group(1) if older else None
    assert pages == site.pages([column[0] for column in COLUMNS].index(code))
    return links


def test_every_article_is_listed_once_newest_first_and_served():
    site = Site(170)
    listed = []
    for code, number, _ in COLUMNS:
        links = walk_column(site, code)
        assert links == sorted(links, key=lambda u: int(u[-15:-6]), reverse=True)
        assert all(f"/{code}/system/" in u for u in links)
        listed += links
    assert sorted(listed) == sorted(article_url(i) for i in range(170))
    kind, status, body = site.respond(article_url(169)[len("https://news.nankai.edu.cn"):])
    assert (kind, status) == ("article", 200)
    assert 17_000 < len(body) < 23_000 and "发稿时间：" in body.decode()
    assert site.respond("/ywsd/system/2006/01/04/039999999.shtml")[1] == 404


def test_pager_urls_are_the_real_scheme_and_new_articles_land_on_the_index():
    site = Site(4 * PAGE_SIZE * 3)  # three full pages per column: the index and _2, _1
    text = site.respond("/ywsd/index.shtml")[2].decode()
    assert OLDER.search(text).group(1) == (
        "/ywsd/system/count//0003000/000000000000/000/000/c0003000000000000000_000000002.shtml")
    oldest = "/ywsd/system/count//0003000/000000000000/000/000/c0003000000000000000_000000001.shtml"
    oldest_links = LINK.findall(site.respond(oldest)[2].decode())
    site.set(4 * PAGE_SIZE * 3, new=20)
    index = site.respond("/ywsd/index.shtml")[2].decode()
    assert article_url(4 * PAGE_SIZE * 3 + 16) in index  # the newest ywsd article
    # Numbered pages are fixed chunks from the oldest: publishing does not change their rows.
    assert LINK.findall(site.respond(oldest)[2].decode()) == oldest_links
    assert "共4页" in index


@pytest.mark.slow
@pytest.mark.skipif(not (BENCH.parent.parent / "scrapy.cfg").exists(), reason="needs the repository checkout")
def test_runner_at_tiny_n_prints_both_tables_with_the_right_counts(tmp_path):
    report = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--n", "30", "--extract-pages", "3", "--json", str(report)],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {row["run"]: row for row in json.loads(report.read_text())["crawls"]}
    assert {r: rows[r]["articles"] for r in rows} == {
        "bare idle": 0, "bare backfill": 30, "backfill": 30, "idle rerun": 0, "+20 new": 20}
    assert rows["+20 new"]["article_requests"] == 20  # exactly the new ones fetched
    assert rows["idle rerun"]["article_requests"] == 0
    assert rows["backfill"]["article_requests"] == 30
    for row in rows.values():
        assert row["wall"] > 0 and row["cpu"] > 0 and row["rss_mb"] > 20, row
        assert row["requests"] >= 5 and 0 < row["first_request"] < row["wall"], row
    table = run.stdout
    for name in rows:
        assert re.search(rf"\| 30 +\| {re.escape(name)} +\|", table), name
    extraction = {row["pages"]: row["count"] for row in json.loads(report.read_text())["extraction"]}
    assert extraction["nankai fixtures"] == 27 and extraction["simulated site"] == 3
    for pages, count in extraction.items():
        assert re.search(rf"\| {re.escape(pages)} +\| {count} +\|", table), pages
    assert "x lxml" in table
    assert "EXPECTED" not in table
