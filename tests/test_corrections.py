"""Corrections (issue 19 point 7; docs/crawling.md, "Corrections"): written articles published in the
last NEWSBOT_REVISIT_DAYS are fetched again by later runs, at most NEWSBOT_REVISIT_MAX per
run, conditionally where the site gives validators. Real crawls against the fixture site
served over HTTP (tests/httpsite.py answers If-None-Match / If-Modified-Since, and a
page's bytes are changed between runs). The fixtures' articles are from 2022 and 2023, so
these runs widen the window (NEWSBOT_REVISIT_DAYS) to reach them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from .conftest import FIXTURES, ROOT, crawl, feed_records
from .redisserver import redis_server, redis_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow  # every test here starts a process

NEWSBOT = [sys.executable, "-m", "newsbot.cli"]
ARTICLES = 27
LISTS = ["/robots.txt", "/ywsd/index.shtml", "/zhxw/index.shtml", "/mtnk/index.shtml", "/nkrw/index.shtml"]
CHANGED = "/mtnk/system/2023/05/24/030056284.shtml"  # listed in mtnk and zhxw
WINDOW = ("-s", "NEWSBOT_REVISIT_DAYS=100000", "-s", "NEWSBOT_REVISIT_INTERVAL_HOURS=0")
ATOM = "{http://www.w3.org/2005/Atom}"


def posts(output: Path) -> dict[Path, tuple[bytes, int]]:
    """Every post file: its bytes and its modification time (ns)."""
    return {path: (path.read_bytes(), path.stat().st_mtime_ns)
            for path in (output / "nankai").rglob("*") if path.is_file()}


def revisits_of(report: dict) -> dict:
    return report["revisits"]


def corrected_page() -> bytes:
    page = (FIXTURES / "nankai" / "news.nankai.edu.cn" / CHANGED.lstrip("/")).read_bytes()
    assert "历时五年".encode() in page
    return page.replace("历时五年".encode(), "历时六年".encode())


def atom_entry(output: Path, feed: str, urlname: str) -> etree._Element:
    root = etree.parse(str(output / "feeds" / feed))
    [entry] = [e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == f"urn:md5:{urlname}"]
    return entry


def test_an_idle_run_revisits_at_most_its_cap_conditionally_and_writes_nothing(http_site, tmp_path):
    http_site.validators = ("etag", "last-modified")
    output = tmp_path / "out"
    settings = (*WINDOW, "-s", "NEWSBOT_REVISIT_MAX=5")
    done, report = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0 and report["new"] == ARTICLES, done.stderr[-2000:]
    assert revisits_of(report)["checked"] == 0  # nothing was written before this run
    before, feed = posts(output), (output / "feeds" / "nankai.jsonl").read_bytes()

    seen = []
    for run in range(2):
        http_site.reset_log()
        done, report = crawl("nankai", output, *settings, site=http_site)
        assert done.returncode == 0, done.stderr[-2000:]
        revisited = http_site.article_requests()
        assert len(revisited) == 5 and sorted(http_site.paths()) == sorted(LISTS + revisited)  # the cap: 5 more
        assert [status for path, status in http_site.answers if path in revisited] == [304] * 5
        assert revisits_of(report) == {"checked": 5, "unchanged": 5, "corrected": 0, "failed": 0}
        assert report["new"] == 0 and "0 corrected of 5 revisited" in done.stderr
        assert posts(output) == before and (output / "feeds" / "nankai.jsonl").read_bytes() == feed  # nothing written
        seen += revisited
    assert len(set(seen)) == 10  # the least recently checked first: the second run took five others

    # A site that gives no validators: the page comes whole, its record is the same, nothing is written.
    http_site.validators = ()
    http_site.reset_log()
    done, report = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0 and revisits_of(report)["unchanged"] == 5
    assert [status for path, status in http_site.answers if "/system/20" in path] == [200] * 5
    assert posts(output) == before and (output / "feeds" / "nankai.jsonl").read_bytes() == feed


def test_a_changed_article_is_rewritten_as_a_correction(http_site, tmp_path):
    http_site.validators = ("etag",)
    output = tmp_path / "out"
    settings = (*WINDOW, "-s", "NEWSBOT_REVISIT_MAX=50", "-s", "NEWSBOT_FORMAT=hexo,text")
    done, _ = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    [first] = [r for r in feed_records(output) if r["url"].endswith(CHANGED)]
    urlname = first["urlname"]
    entry = atom_entry(output, "nankai-mtnk.atom", urlname)
    published, updated = entry.findtext(f"{ATOM}published"), entry.findtext(f"{ATOM}updated")
    before = posts(output)
    changed_files = {path for path in before if path.stem == urlname}
    assert len(changed_files) == 2 and first["updated"] is None

    http_site.pages[CHANGED] = corrected_page()
    http_site.reset_log()
    done, report = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert revisits_of(report) == {"checked": ARTICLES, "unchanged": ARTICLES - 1, "corrected": 1, "failed": 0}
    assert report["new"] == 0 and "1 corrected of 27 revisited" in done.stderr
    assert sorted(status for path, status in http_site.answers if "/system/20" in path) == [200] + [304] * (ARTICLES - 1)
    after = posts(output)
    assert set(after) == set(before)  # the same files, no other
    assert {path for path in after if after[path] != before[path]} == changed_files
    for path in changed_files:
        text = path.read_text(encoding="utf-8")
        assert "历时六年" in text and "历时五年" not in text
    assert not [p for p in output.rglob("*") if p.name.startswith(".") and p.is_file() and "tmp" in p.name]
    # The feed: the first record stays, the correction is the article's last line.
    lines = feed_records(output)
    assert len(lines) == ARTICLES + 1
    history = [r for r in lines if r["urlname"] == urlname]
    assert [r["updated"] for r in history] == [None, history[1]["crawled_at"]] and history[1]["updated"]
    assert "历时六年" in history[1]["body_text"] and history[1]["published"] == first["published"]
    assert history[1]["columns"] == first["columns"]
    # Atom: one entry, its updated changed, its published not.
    for feed in ("nankai.atom", "nankai-mtnk.atom", "nankai-zhxw.atom"):
        entry = atom_entry(output, feed, urlname)
        assert entry.findtext(f"{ATOM}published") == published and entry.findtext(f"{ATOM}updated") != updated
        assert "历时六年" in entry.findtext(f"{ATOM}content")

    # Unchanged since: the next run's 304 writes nothing.
    corrected = posts(output)
    done, report = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0 and revisits_of(report)["unchanged"] == ARTICLES
    assert posts(output) == corrected and len(feed_records(output)) == ARTICLES + 1
    # A state rebuilt from the feed takes the correction; a takedown ends the revisits.
    assert subprocess.run([*NEWSBOT, "takedown", f"https://news.nankai.edu.cn{CHANGED}", "--output", str(output)],
                          cwd=ROOT, capture_output=True, timeout=60).returncode == 0
    http_site.reset_log()
    done, report = crawl("nankai", output, *settings, site=http_site)
    assert done.returncode == 0 and CHANGED not in http_site.paths() and revisits_of(report)["checked"] == ARTICLES - 1


def test_revisits_off_and_bad_settings(http_site, tmp_path):
    output = tmp_path / "out"
    done, _ = crawl("nankai", output, "-s", "NEWSBOT_REVISIT_DAYS=100000", site=http_site)
    assert done.returncode == 0
    http_site.reset_log()
    done, report = crawl("nankai", output, "-s", "NEWSBOT_REVISIT_DAYS=0", "-s", "NEWSBOT_REVISIT_INTERVAL_HOURS=0",
                         site=http_site)
    assert done.returncode == 0 and sorted(http_site.paths()) == sorted(LISTS) and revisits_of(report)["checked"] == 0
    # The default window (3 days) reaches none of the fixtures' articles: an idle run stays at 5 requests.
    http_site.reset_log()
    done, report = crawl("nankai", output, site=http_site)
    assert done.returncode == 0 and sorted(http_site.paths()) == sorted(LISTS)
    for setting, value, unit in (("NEWSBOT_REVISIT_DAYS", "soon", "a number of days, 0 or more"),
                                 ("NEWSBOT_REVISIT_MAX", "-1", "a whole number, 0 or more"),
                                 ("NEWSBOT_REVISIT_INTERVAL_HOURS", "nan", "a number of hours, 0 or more")):
        done, _ = crawl("nankai", tmp_path / "bad", "-s", f"{setting}={value}", site=http_site)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [f"newsbot: -s {setting}={value!r} is not allowed: use {unit}"]
        assert not (tmp_path / "bad").exists()


def test_a_correction_on_a_clusters_redis_state(http_site, redis_url, tmp_path):
    http_site.validators = ("last-modified",)
    output = tmp_path / "shared"
    worker = ("-s", f"NEWSBOT_CLUSTER={redis_url}", "-s", "NEWSBOT_CLUSTER_WORKER=w1", "-s", "NEWSBOT_CLUSTER_LEASE=3",
              *WINDOW, "-s", "NEWSBOT_REVISIT_MAX=50")
    done, _ = crawl("nankai", output, *worker, site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    http_site.pages[CHANGED] = corrected_page()
    done, _ = crawl("nankai", output, *worker, site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((output / "reports" / "nankai.w1-latest.json").read_text(encoding="utf-8"))
    assert revisits_of(report)["corrected"] == 1 and revisits_of(report)["unchanged"] == ARTICLES - 1
    done = subprocess.run([*NEWSBOT, "merge-shards", "--output", str(output), "--spider", "nankai"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    history = [r for r in feed_records(output) if r["url"].endswith(CHANGED)]
    assert len(history) == 2 and "历时六年" in history[1]["body_text"] and len(feed_records(output)) == ARTICLES + 1
    [post] = (output / "nankai" / "hexo").glob(f"{history[0]['urlname']}.md")
    assert "历时六年" in post.read_text(encoding="utf-8")
