"""Scheduled runs tell the truth and lose nothing (issue 7, §1 and §2): failed articles are
kept and retried with backoff whatever list page they were on, files deleted by hand are
restored, garbage feed lines are moved out, and the exit code and ALARM line say when the
site is unreachable, a column broke, new articles fail, or the output cannot be written."""

import asyncio
import json
import re
import sqlite3
import subprocess

import pytest

from .conftest import FIXTURES, ROOT, crawl, newsbot
from .httpsite import Fault
from .test_crash import ARTICLES, assert_consistent, md_files

# The oldest ywsd list page (page 3) lists this article: a failure there was lost for good.
DEEP_ARTICLE = "/ywsd/system/2022/03/29/030050730.shtml"
DEEP_URL = "https://news.nankai.edu.cn" + DEEP_ARTICLE


def state_rows(output, sql):
    db = sqlite3.connect(output / ".newsbot" / "state.sqlite")
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def time_passes(output):
    """Every failed article's backoff has run out (as if hours had passed)."""
    db = sqlite3.connect(output / ".newsbot" / "state.sqlite")
    db.execute("UPDATE pending SET next_attempt = 0")
    db.commit()
    db.close()


def alarm_lines(done):
    return [line for line in done.stderr.splitlines() if "ALARM:" in line]


# --- §1 nothing is lost ---------------------------------------------------------------------
@pytest.mark.slow
def test_an_article_failing_on_a_deep_list_page_is_retried_after_its_backoff(http_site, tmp_path):
    http_site.faults[DEEP_ARTICLE] = Fault(status=500)
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]  # one new failure of 27: no alarm
    assert report["new"] == ARTICLES - 1
    [failed] = report["failed"]
    assert (failed["url"], failed["reason"], failed["attempts"], failed["given_up"]) == (DEEP_URL, "http_500", 1, False)
    listed = newsbot("failed", "--output", str(tmp_path))
    assert DEEP_URL in listed.stdout and "http_500" in listed.stdout and "1 failed article(s) in the state: 1 waiting for a retry, 0 given up" in listed.stderr

    # An hour has not passed: the next run leaves it alone, and reads only the first list pages.
    http_site.faults.clear()
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0 and report["new"] == 0
    assert http_site.article_requests() == []

    time_passes(tmp_path)
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert http_site.article_requests() == [DEEP_ARTICLE]
    assert report["new"] == 1 and report["retried"] == 1 and report["failed"] == []
    assert_consistent(tmp_path)


@pytest.mark.slow
def test_a_broken_article_is_given_up_once_with_an_alarm_and_can_be_requeued(http_site, tmp_path):
    http_site.faults[DEEP_ARTICLE] = Fault(status=503)
    args = ("-s", "NEWSBOT_GIVE_UP_AFTER=3", "-s", "NEWSBOT_RETRY_BACKOFF_HOURS=0")
    codes = []
    for _ in range(4):
        done, report = crawl("nankai", tmp_path, *args, site=http_site)
        codes.append(done.returncode)
        if report["given_up"]:
            given_up_alarms = alarm_lines(done)
    # Attempts 1 and 2 wait for a retry without an alarm (not new after the first); the
    # third gives up, with one alarm; later runs neither fetch it nor raise it again.
    assert codes == [0, 0, 4, 0]
    assert len(given_up_alarms) == 1 and "gave up on 1 article(s)" in given_up_alarms[0]
    assert state_rows(tmp_path, "SELECT url, attempts, given_up FROM pending") == [(DEEP_URL, 3, 1)]
    listed = newsbot("failed", "--output", str(tmp_path), "--given-up", "--json")
    assert [f["url"] for f in json.loads(listed.stdout)] == [DEEP_URL]

    http_site.faults.clear()
    requeued = newsbot("failed", "--output", str(tmp_path), "--requeue", DEEP_URL)
    assert requeued.returncode == 0 and "re-queued 1 article(s)" in requeued.stdout
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, *args, site=http_site)
    assert done.returncode == 0 and report["new"] == 1
    assert http_site.article_requests() == [DEEP_ARTICLE]
    assert_consistent(tmp_path)


@pytest.mark.slow
def test_a_permanently_broken_article_raises_no_alarm_on_the_idle_runs_after_it(http_site, tmp_path):
    # Two broken pages among 27 new: under the share, no alarm; retried every run (backoff
    # 0) without raising one either, since they are not new any more.
    for path in (DEEP_ARTICLE, "/nkrw/system/2022/07/15/030052147.shtml"):
        http_site.faults[path] = Fault(status=500)
    args = ("-s", "NEWSBOT_RETRY_BACKOFF_HOURS=0")
    for run in range(3):
        done, report = crawl("nankai", tmp_path, *args, site=http_site)
        assert done.returncode == 0 and report["alarms"] == [], done.stderr[-2000:]
        assert report["failed_articles"] == 2 and report["retried"] == (2 if run else 0)


def test_an_exception_inside_extraction_is_caught_counted_and_retried(tmp_path, monkeypatch):
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    import newsbot.extract
    from newsbot.crawl.spiders.nankai import NankaiSpider

    crawler = get_crawler(NankaiSpider, {"NEWSBOT_OUTPUT_DIR": str(tmp_path)})
    crawler.spider = spider = NankaiSpider.from_crawler(crawler)
    crawler.stats.open_spider()

    def broken_extractor(*args, **kwargs):
        raise ValueError("Invalid URL 'Nucl.%20Phys.%20B%20612'")

    monkeypatch.setattr(newsbot.extract, "extract", broken_extractor)  # (what read_page calls)
    page = (FIXTURES / "nankai" / "news.nankai.edu.cn" / DEEP_ARTICLE.lstrip("/")).read_bytes()
    response = HtmlResponse(DEEP_URL, body=page, request=Request(DEEP_URL))
    async def articles():
        return [a async for a in spider.parse_article(response, site="nankai", columns=["南开要闻"])]

    assert asyncio.run(articles()) == []
    assert crawler.stats.get_value("newsbot/errors/extract_ValueError") == 1
    [failed] = spider.store.failures()
    assert (failed.url, failed.reason, failed.columns) == (DEEP_URL, "extract_ValueError", ["南开要闻"])
    spider.store.close()


@pytest.mark.slow
def test_files_deleted_or_truncated_by_hand_are_restored_by_the_next_run(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0
    files = md_files(tmp_path)
    before = {path.name: path.read_bytes() for path in files}
    feed = (tmp_path / "feeds" / "nankai.jsonl").read_bytes()
    files[0].unlink()
    files[1].write_bytes(files[1].read_bytes()[:100])
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(http_site.article_requests()) == 2
    assert {path.name: path.read_bytes() for path in md_files(tmp_path)} == before
    assert (tmp_path / "feeds" / "nankai.jsonl").read_bytes() == feed  # no line twice
    assert report["new"] == 2 and report["stats"]["newsbot/restore_queued"] == 2
    assert_consistent(tmp_path)


@pytest.mark.slow
def test_a_garbage_line_in_the_feed_is_moved_out_of_it(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=http_site)
    feed = tmp_path / "feeds" / "nankai.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    feed.write_bytes(b"".join(lines[:5]) + b"<<<not json>>>\n" + b"".join(lines[5:]) + lines[0])
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert feed.read_bytes() == b"".join(lines)
    assert (tmp_path / "feeds" / "nankai.jsonl.rejected").read_bytes() == b"<<<not json>>>\n" + lines[0]
    assert http_site.article_requests() == []
    assert_consistent(tmp_path)


# --- §2 the exit code and the alarm never lie -------------------------------------------------
@pytest.mark.slow
def test_an_unreachable_site_exits_5_with_one_alarm(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    from .conftest import crawl_command

    command = crawl_command("nankai", tmp_path) + [
        "-s", "NEWSBOT_HOST_MAP=" + json.dumps({"news.nankai.edu.cn": f"http://127.0.0.1:{port}"}),
        "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "ROBOTSTXT_OBEY=0"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 5, done.stderr[-3000:]
    [alarm] = alarm_lines(done)
    assert "the site is unreachable: all 4 list page requests failed" in alarm
    report = json.loads((tmp_path / "reports" / "nankai-latest.json").read_text())
    assert report["exit_code"] == 5 and report["errors"] == 4 == report["errors_by_reason"]["connection"]


@pytest.mark.slow
@pytest.mark.parametrize("fault, why", [
    (Fault(status=404), "failed: http_404"),
    (Fault(status=410), "failed: http_410"),
    (Fault(status=502), "failed: http_502"),
    (Fault(redirect="/other/index.shtml"), "redirects to https://news.nankai.edu.cn/other/index.shtml"),
])
def test_a_broken_or_moved_column_exits_4_naming_it(http_site, tmp_path, fault, why):
    http_site.faults["/mtnk/index.shtml"] = fault
    http_site.pages["/other/index.shtml"] = b"<html><body>moved</body></html>"
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 4, done.stderr[-3000:]
    [alarm] = alarm_lines(done)
    assert "column nankai/媒体南开" in alarm and why in alarm
    assert report["exit_code"] == 4
    # The other columns are written all the same.
    assert report["new"] >= 20


@pytest.mark.slow
def test_an_unwritable_output_exits_6_and_loses_nothing(http_site, tmp_path):
    (tmp_path / "nankai").mkdir(parents=True)
    (tmp_path / "nankai" / "hexo").write_text("a file where the posts' directory should be")
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 6, done.stderr[-3000:]
    assert any("the output cannot be written" in line for line in alarm_lines(done))
    assert report["exit_code"] == 6 and report["finish_reason"] == "output_error"
    (tmp_path / "nankai" / "hexo").unlink()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_consistent(tmp_path)  # all 27, each once


@pytest.mark.slow
def test_a_missing_robots_txt_is_not_an_error_and_the_summary_says_where_things_went(http_site, tmp_path):
    http_site.faults["/robots.txt"] = Fault(status=404)
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0 and report["errors"] == 0 and report["alarms"] == []
    assert report["errors"] == sum(v for k, v in report["stats"].items() if re.fullmatch(r"newsbot/errors/\w+", k))
    [summary] = [line for line in done.stderr.splitlines() if "run summary:" in line]
    assert f"files in {tmp_path}" in summary and f"report {tmp_path / 'reports' / 'nankai-latest.json'}" in summary


# --- since, pagers, locks, state ----------------------------------------------------------
def listed_dates():
    """(path, date) of every fixture article, from the fixtures' own README table."""
    table = (FIXTURES / "nankai" / "README.md").read_text(encoding="utf-8")
    return re.findall(r"\| https://news\.nankai\.edu\.cn(/\S+) \| [^|]+ \| (\d{4}-\d{2}-\d{2})", table)


@pytest.mark.slow
def test_since_writes_only_articles_published_since_and_stops_paging(http_site, tmp_path):
    done, report = crawl("nankai", tmp_path, "-a", "since=2023-01-01", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    wanted = {path for path, day in listed_dates() if day >= "2023-01-01"}
    written = {json.loads(line)["url"].removeprefix("https://news.nankai.edu.cn")
               for line in (tmp_path / "feeds" / "nankai.jsonl").read_text().splitlines()}
    assert written == wanted
    # ywsd's page 2 lists only 2022 articles: paging stops there, its page 3 is not read.
    assert not any("c0003000000000000000_000000001" in p for p in http_site.list_requests())
    assert any("c0003000000000000000_000000002" in p for p in http_site.list_requests())


@pytest.mark.slow
def test_a_pager_that_leads_back_stops_with_an_alarm(http_site, tmp_path):
    page2 = "/ywsd/system/count//0003000/000000000000/000/000/c0003000000000000000_000000002.shtml"
    path = http_site.root / "news.nankai.edu.cn" / page2.replace("//", "/").lstrip("/")
    html = path.read_text(encoding="utf-8")
    http_site.pages[page2] = re.sub(
        r'href="[^"]*"(>\s*下一页)', r'href="/ywsd/index.shtml"\1', html).encode()
    done, report = crawl("nankai", tmp_path, "-a", "columns=ywsd", site=http_site)
    assert done.returncode == 4, done.stderr[-3000:]
    assert any("its pager does not end" in line for line in alarm_lines(done))
    assert report["new"] > 0


@pytest.mark.slow
def test_the_run_lock_covers_the_output_directory(http_site, tmp_path):
    from newsbot.storage.state.sqlite import SqliteStateStore

    other = SqliteStateStore(tmp_path / "elsewhere.sqlite", output=tmp_path / "out")  # a run on another state
    try:
        done, _ = crawl("nankai", tmp_path / "out", site=http_site)
    finally:
        other.close()
    assert done.returncode == 3 and "run.lock" in done.stderr
    assert not md_files(tmp_path / "out")


@pytest.mark.slow
def test_a_corrupt_state_gives_one_clear_line(http_site, tmp_path):
    state = tmp_path / ".newsbot" / "state.sqlite"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"this is not a database" * 100)
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "state file" in done.stderr and "newsbot rebuild-state" in done.stderr


@pytest.mark.slow
def test_eastmoney_skips_other_outlets_per_outlet(tmp_path):
    replay = FIXTURES / "eastmoney"
    done, report = crawl("eastmoney", tmp_path, replay=replay)
    assert done.returncode == 0 and report["new"] == 6
    done, report = crawl("eastmoney", tmp_path, "-a", "outlet=证券时报", replay=replay)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 2  # skipped by the first run, wanted by this one
    done, report = crawl("eastmoney", tmp_path, replay=replay)
    assert report["new"] == 0 and report["article_pages"] == 0


@pytest.mark.slow
def test_rebuild_state_from_the_files_and_the_feed_after_corruption(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0
    state = tmp_path / ".newsbot" / "state.sqlite"
    for extra in (state, state.with_name("state.sqlite-wal"), state.with_name("state.sqlite-shm")):
        extra.unlink(missing_ok=True)
    state.write_bytes(b"garbage" * 500)
    assert crawl("nankai", tmp_path, site=http_site)[0].returncode == 1
    rebuilt = newsbot("rebuild-state", "--output", str(tmp_path))
    assert rebuilt.returncode == 0 and f"{ARTICLES} articles" in rebuilt.stdout, rebuilt.stderr
    md_files(tmp_path)[0].unlink()  # the rebuilt state knows the files: a deleted one comes back
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(http_site.article_requests()) == 1 and report["new"] == 1
    assert_consistent(tmp_path)


@pytest.mark.slow
def test_since_stops_paging_by_the_dates_a_list_prints_where_urls_have_none(tmp_path):
    # tju (VSB): article URLs carry no date (info/1011/68512.htm); each list row prints one.
    # Page 1 lists 05-18, 05-16, 05-11; page 2 05-08, 05-04 (all older); page 3 is not read.
    done, report = crawl("campus", tmp_path, "-a", "site=tju", "-a", "since=2023-05-10",
                         replay=FIXTURES / "campus")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 3 and report["list_pages"] == 2
    published = sorted(json.loads(line)["published"][:10] for line in
                       (tmp_path / "feeds" / "campus.jsonl").read_text().splitlines())
    assert published == ["2023-05-11", "2023-05-16", "2023-05-18"]


@pytest.mark.slow
def test_timeouts_on_every_list_page_are_an_unreachable_site(http_site, tmp_path):
    for column in ("ywsd", "zhxw", "mtnk", "nkrw"):
        http_site.faults[f"/{column}/index.shtml"] = Fault(delay=2.5)
    done, report = crawl("nankai", tmp_path, "-s", "DOWNLOAD_TIMEOUT=1", "-s", "RETRY_TIMES=0", site=http_site)
    assert done.returncode == 5, done.stderr[-3000:]
    [alarm] = alarm_lines(done)
    assert "the site is unreachable" in alarm
    assert report["errors_by_reason"] == {"timeout": 4}


def test_an_exception_in_a_spider_callback_is_an_alarm_not_a_quiet_exit_0():
    # A list page whose callback raises leaves its column's older pages unread: a run
    # that lost them must not exit 0 (found when a state write failed in parse_list).
    from types import SimpleNamespace

    from newsbot.errors import EXIT_ALARM
    from newsbot.crawl.extensions.report import alarms, summarise

    stats = {"spider_exceptions/count": 2, "spider_exceptions/OperationalError": 2,
             "newsbot/list_pages": 40, "newsbot/written": 900}
    raised = alarms(stats, SimpleNamespace(), max_broken_share=0.2)
    assert [code for code, _ in raised] == [EXIT_ALARM]
    assert "2 page(s) raised an exception in the spider (OperationalError)" in raised[0][1]
    assert summarise(stats, "nankai", "finished")["spider_exceptions"] == 2
    assert alarms({"newsbot/list_pages": 40, "newsbot/written": 900}, SimpleNamespace(), 0.2) == []
