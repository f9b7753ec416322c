"""Crawls over real HTTP (tests/httpsite.py on 127.0.0.1): request counts of incremental
runs, the overlapping-run lock."""

import pytest

from .conftest import crawl, feed_records

pytestmark = pytest.mark.slow  # every test here starts a process

ARTICLES = 27  # distinct articles in fixtures/nankai
COLUMNS = 4  # the default columns


def test_crawl_over_http_keeps_the_real_sites_urls(http_site, tmp_path):
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == ARTICLES
    assert len(http_site.article_requests()) == ARTICLES
    assert http_site.paths().count("/robots.txt") == 1
    assert all(ua.startswith("newsbot/") for _, ua in http_site.requests)  # the contact: test_operations.py
    urls = [r["url"] for r in feed_records(tmp_path)]
    assert len(urls) == ARTICLES and all(u.startswith("https://news.nankai.edu.cn/") for u in urls)


def first_run(http_site, output, *args):
    done, report = crawl("nankai", output, *args, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    http_site.reset_log()
    return report


def test_rerun_with_nothing_new_costs_one_list_page_per_column_and_robots(http_site, tmp_path):
    first_run(http_site, tmp_path)
    posts = {p: p.read_bytes() for p in (tmp_path / "nankai").rglob("*.md")}
    feed_before = (tmp_path / "feeds" / "nankai.jsonl").read_bytes()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 0 and report["article_pages"] == 0 and report["list_pages"] == COLUMNS
    assert sorted(http_site.paths()) == sorted(
        ["/robots.txt", "/ywsd/index.shtml", "/zhxw/index.shtml", "/mtnk/index.shtml", "/nkrw/index.shtml"])
    # and writes nothing: every post and the feed as the first run left them
    assert len(posts) == ARTICLES and {p: p.read_bytes() for p in (tmp_path / "nankai").rglob("*.md")} == posts
    assert (tmp_path / "feeds" / "nankai.jsonl").read_bytes() == feed_before


def test_rerun_with_two_new_articles_fetches_exactly_those_two(http_site, tmp_path):
    first_run(http_site, tmp_path)
    root = http_site.root / "news.nankai.edu.cn"
    new = ["/ywsd/system/2023/07/01/030057001.shtml", "/ywsd/system/2023/07/02/030057002.shtml"]
    http_site.pages[new[0]] = (http_site.root.parent.parent / "tests/data/nankai_noisy_article.html").read_bytes()
    http_site.pages[new[1]] = (root / "ywsd/system/2023/05/18/030056201.shtml").read_bytes()
    index = (root / "ywsd/index.shtml").read_text(encoding="utf-8")
    rows = "".join(f'<tr><td><div><a href="https://news.nankai.edu.cn{p}" target="_blank">新</a></div></td></tr>' for p in new)
    http_site.pages["/ywsd/index.shtml"] = index.replace("<table", f"<table>{rows}</table><table", 1).encode()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 2
    assert sorted(http_site.article_requests()) == sorted(new)
    # ywsd's first page lists something new, so its second page is read too (only known: stop).
    assert len(http_site.list_requests()) == COLUMNS + 1
    assert [r["url"] for r in feed_records(tmp_path)].count("https://news.nankai.edu.cn" + new[1]) == 1


def test_backfill_rereads_every_list_page_but_no_known_article(http_site, tmp_path):
    first_run(http_site, tmp_path)
    done, report = crawl("nankai", tmp_path, "-a", "backfill=1", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 0 and http_site.article_requests() == []
    assert len(http_site.list_requests()) == 10  # every list page of the fixtures


def test_max_pages_bounds_the_list_pages_of_each_column(http_site, tmp_path):
    done, report = crawl("nankai", tmp_path, "-a", "max_pages=1", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(http_site.list_requests()) == sorted(
        ["/ywsd/index.shtml", "/zhxw/index.shtml", "/mtnk/index.shtml", "/nkrw/index.shtml"])
    assert 0 < report["new"] == len(http_site.article_requests()) < ARTICLES


def test_since_stops_paging_at_older_list_pages(http_site, tmp_path):
    done, report = crawl("nankai", tmp_path, "-a", "columns=ywsd", "-a", "since=2023-01-01", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    # ywsd: page 1 (2023) and page 2 (older only: stop); page 3 is never read.
    assert http_site.list_requests() == ["/ywsd/index.shtml",
        "/ywsd/system/count//0003000/000000000000/000/000/c0003000000000000000_000000002.shtml"]


def test_a_second_run_on_a_held_state_exits_at_once_with_code_3(http_site, tmp_path):
    from newsbot.storage.state.sqlite import SqliteStateStore

    store = SqliteStateStore(tmp_path / ".newsbot" / "state.sqlite")  # a run in progress holds the lock
    try:
        done, report = crawl("nankai", tmp_path, site=http_site, timeout=30)
    finally:
        store.close()
    assert done.returncode == 3
    assert "another newsbot run holds" in done.stderr and "Traceback" not in done.stderr
    assert http_site.paths() == [] and report is None
    assert not (tmp_path / "nankai").exists()


def test_a_column_that_lists_nothing_raises_the_alarm_exit_4(http_site, tmp_path):
    http_site.pages["/zhxw/index.shtml"] = "<html><body><p>新版网站</p></body></html>".encode()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 4, done.stderr[-3000:]
    assert "ERROR: ALARM: column nankai/综合新闻 lists no articles" in done.stderr
    assert report["alarms"] == ["column nankai/综合新闻 lists no articles on its first page"]
    assert report["new"] > 0  # the other columns are written all the same


def test_too_many_broken_article_pages_raise_the_alarm_exit_4(http_site, tmp_path):
    # nkrw lists 5 articles; 2 without a body is 40%, over the default 20%.
    for path in ("/nkrw/system/2022/07/15/030052147.shtml", "/nkrw/system/2022/11/02/030053652.shtml"):
        html = (http_site.root / "news.nankai.edu.cn" / path.lstrip("/")).read_text(encoding="utf-8")
        start = html.index('id="txt">') + len('id="txt">')
        http_site.pages[path] = (html[:start] + "</td></tr></table></body></html>").encode()
    done, report = crawl("nankai", tmp_path, "-a", "columns=nkrw", site=http_site)
    assert done.returncode == 4, done.stderr[-3000:]
    assert report["alarms"] == ["2 of 5 new article pages failed or lack a title, a date or a body (more than 20%)"]
    done, report = crawl("nankai", tmp_path / "lenient", "-a", "columns=nkrw",
                         "-s", "NEWSBOT_ALARM_MAX_BROKEN_SHARE=0.5", site=http_site)
    assert done.returncode == 0 and report["alarms"] == []
