"""The status page, {output}/index.html (newsbot/publish/status.py): what it shows, that page text
cannot inject markup, and that a real browser renders it."""

import json
import shutil
import subprocess
import tempfile
from datetime import datetime

import pytest
from lxml import html as lxml_html

from newsbot.dates import SHANGHAI
from newsbot.publish.status import articles_per_day, render_status_page
from newsbot.storage.state.base import RetrySchedule
from newsbot.storage.state.sqlite import SqliteStateStore

from .redisserver import redis_server, redis_url  # noqa: F401 (fixtures)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def page(output):
    return lxml_html.fromstring((output / "index.html").read_text(encoding="utf-8"))


def test_crawl_writes_the_status_page(nankai_crawl):
    output, report = nankai_crawl
    doc = page(output)
    assert not doc.xpath("//script")
    run = {row.xpath("string(th)"): row.xpath("string(td)") for row in doc.xpath("//table[@class='run']//tr")}
    assert run["new articles"] == str(report["new"]) and run["finished"] == "finished"
    assert doc.xpath("//h3[@class='site']/text()")[0].strip() == "南开大学"
    columns = [row.xpath("string(td[1])") for row in doc.xpath("//tr[@class='column']")]
    assert columns == ["南开要闻", "综合新闻", "媒体南开", "南开人物", "学术活动", "国际交流"]
    links = doc.xpath("//a/@href")
    for href in ("feeds/nankai.atom", "feeds/nankai-ywsd.atom", "feeds/nankai-ywsd.rss", "reports/nankai-latest.json"):
        assert href in links and (output / href).exists()
    assert "feeds/nankai-gjjl.atom" not in links  # not crawled: no feed to link to
    newest = doc.xpath("//tr[@class='column'][td[2]='ywsd']/td[5]/a")[0]
    ywsd = [json.loads(line) for line in (output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines()]
    ywsd = [r for r in ywsd if "南开要闻" in r["columns"]]
    assert (newest.get("href"), newest.text) == (ywsd[-1]["url"], ywsd[-1]["title"])  # the newest written
    bars = doc.xpath("//svg//rect")
    assert len(bars) == 30
    today = datetime.now(SHANGHAI).date().isoformat()
    assert bars[-1].xpath("string(title)") == f"{today}: {report['new']}"


@pytest.fixture(params=["sqlite", "redis"])
def open_state(request, tmp_path):
    """Open the state of one output through the protocol, on SQLite or a real Redis: the
    status page reads both alike (on Redis its chart and table were once silently empty)."""
    opened = []

    def open_(**kwargs):
        if request.param == "sqlite":
            store = SqliteStateStore(tmp_path / "out" / ".newsbot" / "state.sqlite", **kwargs)
        else:
            from newsbot.storage.state.redis import RedisStateStore

            store = RedisStateStore(request.getfixturevalue("redis_url"), worker=f"w{len(opened)}", **kwargs)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


def test_articles_per_day_counts_written_at_days(open_state):
    store = open_state()
    for i, written in enumerate(["2024-03-01T23:59:00+08:00", "2024-03-02T00:01:00+08:00",
                                 "2024-03-02T10:00:00+08:00", "2024-01-01T10:00:00+08:00"]):
        store.mark_written([(f"u{i}", f"https://x/{i}", "nankai" if i < 3 else "tju", written, {}, [], [])])
    store.adopt("a-post", "https://x/adopted", "nankai", "adopted")  # an existing blog's: not newsbot's writing
    today = datetime(2024, 3, 2).date()
    assert articles_per_day(store, today) == {"nankai": {"2024-03-01": 1, "2024-03-02": 2}}
    assert articles_per_day(None, today) == {}  # no state yet


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def test_page_text_is_escaped_and_failed_articles_are_listed(open_state, tmp_path):
    output = tmp_path / "out"
    (output / "reports").mkdir(parents=True)
    report = {"spider": "nankai", "finish_reason": HOSTILE, "new": 1, "alarms": [f"column {HOSTILE} lists no articles"]}
    (output / "reports" / "nankai-latest.json").write_text(json.dumps(report), encoding="utf-8")
    store = open_state(retry=RetrySchedule(give_up_after=1))
    without_failed = render_status_page(output, store, {})
    assert "Failed articles" not in without_failed
    store.fail("u1", HOSTILE, now=1_700_000_000, entry=("javascript:alert(3)", "javascript:alert(3)", "nankai", []))
    store.fail("u2", "http_500", now=1_700_000_100,
               entry=("https://news.nankai.edu.cn/a.shtml", "https://news.nankai.edu.cn/a.shtml", "nankai", []))
    text = render_status_page(output, store, {})
    assert "<script" not in text and "<img" not in text
    doc = lxml_html.fromstring(text)
    assert not doc.xpath("//script | //img | //*[@onerror]")
    assert doc.xpath("string(//li[@class='alarm'])") == f"ALARM: column {HOSTILE} lists no articles"
    rows = doc.xpath("//table[@class='failed']//tr")
    assert [th.text for th in rows[0]] == ["url", "site", "reason", "attempts", "next_attempt", "given_up"]
    assert rows[2].xpath("string(td[1])") == "javascript:alert(3)" and not rows[2].xpath(".//a")  # not a link
    assert rows[2].xpath("string(td[3])") == HOSTILE
    assert rows[1].xpath("td[1]/a/@href") == ["https://news.nankai.edu.cn/a.shtml"]


@pytest.mark.slow
def test_newsbot_feeds_reads_a_clusters_state_for_the_page(nankai_crawl, redis_url, tmp_path):
    import subprocess
    import sys

    from newsbot.storage.state.redis import RedisStateStore

    store = RedisStateStore(redis_url, worker="w1", lock=False)
    today = datetime.now(SHANGHAI)
    try:
        store.mark_written([(f"u{i}", f"https://news.nankai.edu.cn/{i}.shtml", "nankai", today.isoformat(), {}, [], [])
                            for i in range(3)])
        store.fail("u9", "http_500", entry=("https://news.nankai.edu.cn/9.shtml",) * 2 + ("nankai", []))
    finally:
        store.close()
    output = tmp_path / "out"
    (output / "feeds").mkdir(parents=True)
    shutil.copy(nankai_crawl[0] / "feeds" / "nankai.jsonl", output / "feeds")  # the site's section, with its chart
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "feeds", "--output", str(output), "--state", redis_url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    doc = page(output)
    assert doc.xpath("//table[@class='failed']//tr[2]/td[1]/a/@href") == ["https://news.nankai.edu.cn/9.shtml"]
    assert doc.xpath("string(//svg/title)").startswith("3 articles written in the last 30 days")


@pytest.mark.slow
@pytest.mark.browser
def test_a_headless_browser_renders_the_sites_and_columns(nankai_crawl):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    output, _ = nankai_crawl
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", (output / "index.html").resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    doc = lxml_html.fromstring(done.stdout)  # the DOM as the browser built it
    assert doc.xpath("string(//h1)") == "newsbot status"
    assert doc.xpath("//h3[@class='site']/text()")[0].strip() == "南开大学"
    assert [row.xpath("string(td[2])") for row in doc.xpath("//tr[@class='column']")] == [
        "ywsd", "zhxw", "mtnk", "nkrw", "xshd", "gjjl"]
    assert "feeds/nankai-ywsd.atom" in doc.xpath("//a/@href")
    assert len(doc.xpath("//*[local-name()='svg']//*[local-name()='rect']")) == 30
