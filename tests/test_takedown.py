"""Taking an article down (issue 19 point 6; docs/operations.md, "Taking an article down"), through the
real ``newsbot takedown`` command after a crawl of the nankai fixtures (served over HTTP
with their images, so posts have local images): its files, its images folder, its Atom/RSS
entries and its status-page rows go, its JSONL history ends with a tombstone, and a rerun,
a backfill, ``failed --requeue-all`` and ``rebuild-state`` bring nothing back. On SQLite
beside a running crawl (refused, or waiting for it), and on a cluster's Redis state."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT, crawl, crawl_command, feed_records, newsbot
from .httpsite import Fault
from .redisserver import redis_server, redis_url  # noqa: F401 (fixtures)

NEWSBOT = [sys.executable, "-m", "newsbot.cli"]
IMAGE_SRC = re.compile(rb'src="http://news\.nankai\.edu\.cn(/pic/[^"]+)"')
TWO_COLUMNS = "https://news.nankai.edu.cn/mtnk/system/2023/05/24/030056284.shtml"  # listed in mtnk and zhxw
WITH_IMAGES = "https://news.nankai.edu.cn/zhxw/system/2023/05/10/030056127.shtml"  # 2 images
OVER_HTTP = "http://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml"  # seed 001: the http URL
BYSTANDER = "https://news.nankai.edu.cn/nkrw/system/2022/11/02/030053652.shtml"


@pytest.fixture
def site(http_site):
    """The fixture site, answering every article image with bytes of its own."""
    root = http_site.root / "news.nankai.edu.cn"
    for page in root.glob("*/system/**/*.shtml"):
        for path in IMAGE_SRC.findall(page.read_bytes()):
            http_site.pages[path.decode()] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + path + b"\xff\xd9"
    return http_site


def urlname_of(output: Path, url: str) -> str:
    path = url.split("news.nankai.edu.cn", 1)[1]
    [urlname] = {r["urlname"] for r in feed_records(output) if r["url"].endswith(path)}
    return urlname


def published_text(output: Path) -> str:
    """Every Atom/RSS feed and the status page, as readers and browsers get them."""
    files = sorted((output / "feeds").glob("*.atom")) + sorted((output / "feeds").glob("*.rss")) + [output / "index.html"]
    return "".join(path.read_text(encoding="utf-8") for path in files)


def assert_gone(output: Path, blog: Path, gone: dict[str, str]) -> None:
    """Nothing of these articles ({url: urlname}) is published, and each one's JSONL
    history is its first line and then its tombstone, nothing after."""
    text = published_text(output)
    lines = feed_records(output)
    for url, urlname in gone.items():
        assert [p for root in (output, blog) for p in root.rglob(f"*{urlname}*")] == [], url
        assert f"urn:md5:{urlname}" not in text and url.split("//")[1] not in text, url
        history = [r for r in lines if r["urlname"] == urlname]
        assert len(history) == 2 and "taken_down" not in history[0], history
        assert history[1]["taken_down"] and history[1]["reason"] == "a copyright complaint"
        assert history[1]["url"] == history[0]["url"] and history[1]["columns"] == history[0]["columns"]


@pytest.mark.slow
def test_a_takedown_removes_the_article_everywhere_and_no_later_run_brings_it_back(site, tmp_path):
    output, blog = tmp_path / "newsbot", tmp_path / "blog" / "source" / "_posts"
    blog.mkdir(parents=True)
    settings = ("-s", "NEWSBOT_IMAGES=local", "-s", "NEWSBOT_FORMAT=hexo,text", "-s", f"NEWSBOT_POSTS_DIR={blog}")
    done, report = crawl("nankai", output, *settings, site=site)
    assert done.returncode == 0 and report["new"] == 27, done.stderr[-2000:]
    # The status page shows each column's newest written article: one of them goes too.
    [on_the_page, *_] = [url for url in re.findall(r'href="(https://news\.nankai\.edu\.cn/[a-z]+/system/[^"]+)"',
                                                   (output / "index.html").read_text(encoding="utf-8"))
                         if url != BYSTANDER]
    gone = {url: urlname_of(output, url) for url in (TWO_COLUMNS, WITH_IMAGES, OVER_HTTP, on_the_page)}
    for url, urlname in gone.items():  # every profile's post, and the hexo post's images folder
        assert (blog / f"{urlname}.md").is_file() and (output / "nankai" / "text" / f"{urlname}.txt").is_file()
        assert f"urn:md5:{urlname}" in published_text(output)
    assert len(list((blog / gone[WITH_IMAGES]).iterdir())) == 2
    untouched = {path: path.read_bytes() for path in blog.glob("*.md") if path.stem not in gone.values()}

    listed = tmp_path / "complaints.txt"
    listed.write_text(f"# from the site's editors\n{WITH_IMAGES}\n\n{OVER_HTTP}\n{on_the_page}\n", encoding="utf-8")
    done = newsbot("takedown", TWO_COLUMNS, "--all-from-file", listed, "--output", output,
                   "--reason", "a copyright complaint")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("taken down: ") == len(gone) and "rewrote" in done.stdout
    assert_gone(output, blog, gone)
    assert {path: path.read_bytes() for path in blog.glob("*.md")} == untouched  # the others stay as they were
    listing = newsbot("takedown", "--list", "--output", output)
    assert listing.returncode == 0 and all(
        any(url.split("//")[1] in line and "(a copyright complaint)" in line and "+08:00" in line
            for line in listing.stdout.splitlines()) for url in gone)
    # Taking one down again changes nothing and says so.
    again = newsbot("takedown", TWO_COLUMNS, "--output", output)
    assert again.returncode == 0 and "taken down before" in again.stdout and "removed no files" in again.stdout
    assert len(feed_records(output)) == 27 + len(gone)

    # A post of another article deleted by hand is still restored; these never are.
    (blog / f"{urlname_of(output, BYSTANDER)}.md").unlink()
    site.reset_log()
    for extra in ((), ("-a", "backfill=1")):
        done, report = crawl("nankai", output, *settings, *extra, site=site)
        assert done.returncode == 0, done.stderr[-2000:]
        assert_gone(output, blog, gone)
    assert (blog / f"{urlname_of(output, BYSTANDER)}.md").is_file()
    fetched = site.article_requests()
    assert fetched == ["/nkrw/system/2022/11/02/030053652.shtml"], fetched  # the restore, and nothing taken down
    assert report["new"] == 0 and report["already_known"] > 0

    # Nor does re-queueing every failed article, or a state rebuilt from the feed.
    assert newsbot("failed", "--output", output, "--requeue-all").returncode == 0
    rebuilt = newsbot("rebuild-state", "--output", output)
    assert rebuilt.returncode == 0, rebuilt.stderr
    listing = newsbot("takedown", "--list", "--output", output)
    assert sum(url.split("//")[1] in listing.stdout for url in gone) == len(gone)  # the rebuilt state knows them
    done, report = crawl("nankai", output, *settings, "-a", "backfill=1", site=site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_gone(output, blog, gone)
    assert not any(path.split("/")[-1] in " ".join(gone) for path in site.article_requests())


@pytest.mark.slow
def test_a_bad_url_or_file_changes_nothing(site, tmp_path):
    output = tmp_path / "out"
    done, _ = crawl("nankai", output, site=site)
    assert done.returncode == 0
    before = (output / "feeds" / "nankai.jsonl").read_bytes()
    done = newsbot("takedown", TWO_COLUMNS, "https://example.com/news/1.html", "--output", output)
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0 and "example.com" in done.stderr
    done = newsbot("takedown", "--all-from-file", tmp_path / "missing.txt", "--output", output)
    assert done.returncode == 1 and "missing.txt" in done.stderr and "Traceback" not in done.stderr
    done = newsbot("takedown", "--output", output)
    assert done.returncode == 1 and "give the URLs" in done.stderr
    assert (output / "feeds" / "nankai.jsonl").read_bytes() == before
    assert newsbot("takedown", "--list", "--output", output).stderr.strip() == "0 article(s) taken down"


@pytest.mark.slow
def test_a_takedown_during_a_crawl_refuses_or_waits_for_it(http_site, tmp_path):
    output = tmp_path / "out"
    done, _ = crawl("nankai", output, site=http_site)
    assert done.returncode == 0
    urlname = urlname_of(output, TWO_COLUMNS)
    post = output / "nankai" / "hexo" / f"{urlname}.md"
    feed = (output / "feeds" / "nankai.jsonl").read_bytes()
    hold = threading.Event()
    http_site.faults["/ywsd/index.shtml"] = Fault(block=hold)  # the next crawl waits on its first list page
    log = open(tmp_path / "crawl.log", "w")
    running = subprocess.Popen(crawl_command("nankai", output, site=http_site), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while "/ywsd/index.shtml" not in http_site.held_paths():
            assert time.monotonic() < deadline and running.poll() is None, "the crawl did not start"
            time.sleep(0.1)
        refused = newsbot("takedown", TWO_COLUMNS, "--output", output)
        assert refused.returncode == 3, refused.stderr
        assert refused.stderr.startswith("newsbot: ") and refused.stderr.count("\n") == 1
        assert post.is_file() and (output / "feeds" / "nankai.jsonl").read_bytes() == feed  # nothing changed
        waiting = subprocess.Popen([*NEWSBOT, "takedown", TWO_COLUMNS, "--output", str(output), "--wait", "60"],
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2)
        assert waiting.poll() is None and post.is_file()  # still waiting for the crawl
        hold.set()
        assert running.wait(60) == 0, (tmp_path / "crawl.log").read_text()[-2000:]
        out, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 0, err
    finally:
        hold.set()
        if running.poll() is None:
            running.kill()
        running.wait()
        log.close()
    assert not post.exists() and feed_records(output)[-1]["taken_down"]


@pytest.mark.slow
def test_a_takedown_on_a_clusters_redis_state(http_site, redis_url, tmp_path):
    output = tmp_path / "shared"
    worker = ("-s", f"NEWSBOT_CLUSTER={redis_url}", "-s", "NEWSBOT_CLUSTER_WORKER=w1", "-s", "NEWSBOT_CLUSTER_LEASE=3")
    done, _ = crawl("nankai", output, *worker, site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    assert newsbot("merge-shards", "--output", output, "--spider", "nankai").returncode == 0
    urlname = urlname_of(output, TWO_COLUMNS)
    done = newsbot("takedown", TWO_COLUMNS, "--output", output, "--state", redis_url, "--reason", "a copyright complaint")
    assert done.returncode == 0, done.stderr
    assert "tombstone in " + str(output / "feeds" / "nankai.jsonl") in done.stdout
    shard = (output / "feeds" / "nankai.w1.jsonl").read_bytes()
    http_site.reset_log()
    done, _ = crawl("nankai", output, *worker, "-a", "backfill=1", site=http_site)
    assert done.returncode == 0, done.stderr[-2000:]
    # The worker's own feeds come from its shard too, which has no tombstone: the state says.
    assert f"urn:md5:{urlname}" not in published_text(output)
    assert newsbot("merge-shards", "--output", output, "--spider", "nankai").returncode == 0
    assert (output / "feeds" / "nankai.w1.jsonl").read_bytes() == shard  # no line written for it
    assert not list(output.rglob(f"*{urlname}*"))
    assert TWO_COLUMNS.split("/")[-1] not in " ".join(http_site.article_requests())
    history = [r for r in feed_records(output) if r["urlname"] == urlname]
    assert len(history) == 2 and history[-1]["taken_down"]
    assert f"urn:md5:{urlname}" not in published_text(output)
    listing = newsbot("takedown", "--list", "--state", redis_url)
    assert TWO_COLUMNS.split("//")[1] in listing.stdout and "(a copyright complaint)" in listing.stdout


# --- every JSONL reader: the last line of an urlname is its record, a tombstone its end ---
def record(urlname: str, when: str, title: str = "t", **more) -> dict:
    return {"urlname": urlname, "url": f"https://news.nankai.edu.cn/ywsd/system/2023/05/18/{urlname}.shtml",
            "site": "nankai", "title": title, "published": "2023-05-18T16:12:00+08:00", "crawled_at": when,
            "updated": None, "columns": ["南开要闻"], **more}


def stone(urlname: str, when: str) -> dict:
    from newsbot.storage.jsonl import tombstone

    return tombstone(urlname, record(urlname, when)["url"], "nankai", ["南开要闻"], when, "a complaint")


def jsonl(*records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def test_the_feeds_start_up_scrub_keeps_corrections_and_rejects_what_follows_a_tombstone(tmp_path):
    from newsbot.storage.feed import DurableFeed

    path = tmp_path / "nankai.jsonl"
    a1, a2, b1 = record("a", "2026-01-01T10:00:00+08:00"), record("a", "2026-01-02T10:00:00+08:00", "v2"), \
        record("b", "2026-01-01T11:00:00+08:00")
    after = record("b", "2026-01-03T10:00:00+08:00", "back?")
    path.write_bytes(jsonl(a1, a2, b1, a2, stone("b", "2026-01-02T12:00:00+08:00"), after) + b"not json\n")
    feed = DurableFeed(path)
    try:
        rejected, present = feed.scrub()
    finally:
        feed.close()
    assert (rejected, present) == (3, {"a"})  # the repeat of a2, b's line after its tombstone, the garbage
    assert [(r["urlname"], r.get("taken_down") or r["crawled_at"]) for r in map(json.loads, path.read_bytes().splitlines())] == [
        ("a", a1["crawled_at"]), ("a", a2["crawled_at"]), ("b", b1["crawled_at"]), ("b", "2026-01-02T12:00:00+08:00")]
    assert (tmp_path / "nankai.jsonl.rejected").read_bytes().count(b"\n") == 3


@pytest.mark.slow
def test_merge_shards_takes_corrections_and_nothing_of_an_article_taken_down(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    a1, a2 = record("a", "2026-01-01T10:00:00+08:00"), record("a", "2026-01-02T10:00:00+08:00", "v2")
    b1, b2 = record("b", "2026-01-01T11:00:00+08:00"), record("b", "2026-01-02T11:00:00+08:00", "v2")
    (feeds / "nankai.jsonl").write_bytes(jsonl(a1, b1, stone("b", "2026-01-02T09:00:00+08:00")))
    (feeds / "nankai.w1.jsonl").write_bytes(jsonl(a1, b1, a2))
    (feeds / "nankai.w2.jsonl").write_bytes(jsonl(b2))  # a correction written before b was taken down
    done = newsbot("merge-shards", "--output", tmp_path, "--spider", "nankai")
    assert done.returncode == 0 and "1 lines added" in done.stdout, done.stderr
    merged = [(r["urlname"], r["title"] if "title" in r else "tombstone") for r in feed_records(tmp_path)]
    assert merged == [("a", "t"), ("b", "t"), ("b", "tombstone"), ("a", "v2")]
    assert "0 lines added" in newsbot("merge-shards", "--output", tmp_path, "--spider", "nankai").stdout
    atom = (feeds / "nankai.atom").read_text(encoding="utf-8")
    assert "urn:md5:a" in atom and "<title>v2</title>" in atom and "urn:md5:b" not in atom


@pytest.mark.slow
def test_rebuild_state_takes_the_last_line_and_rebuilds_takedowns(tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir(parents=True)
    (feeds / "nankai.jsonl").write_bytes(jsonl(record("a", "2026-01-01T10:00:00+08:00"),
                                               record("b", "2026-01-01T11:00:00+08:00"),
                                               record("a", "2026-01-02T10:00:00+08:00", "v2"),
                                               stone("b", "2026-01-02T12:00:00+08:00")))
    done = newsbot("rebuild-state", "--output", tmp_path)
    assert done.returncode == 0 and "1 articles" in done.stdout, done.stderr
    from newsbot.storage.state.sqlite import SqliteStateStore

    store = SqliteStateStore(tmp_path / ".newsbot" / "state.sqlite", lock=False)
    try:
        url = record("b", "")["url"]
        assert "a" in store and "b" not in store and store.known([url]) == {url}
        [b] = store.takedowns()
        assert (b.urlname, b.when, b.reason, b.tombstoned) == ("b", "2026-01-02T12:00:00+08:00", "a complaint", True)
    finally:
        store.close()


@pytest.mark.redis  # a RedisServer of its own
@pytest.mark.slow
def test_a_takedown_whose_redis_is_gone_is_exit_6_and_changes_nothing(http_site, tmp_path):
    import shutil

    from .redisserver import RedisServer

    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    output = tmp_path / "shared"
    with RedisServer(tmp_path / "redis") as server:
        done, _ = crawl("nankai", output, "-s", f"NEWSBOT_CLUSTER={server.url}", "-s", "NEWSBOT_CLUSTER_WORKER=w1",
                        site=http_site)
        assert done.returncode == 0, done.stderr[-2000:]
        server.kill()  # as a crash would
        before = {path: path.read_bytes() for path in output.rglob("*") if path.is_file() and "run.lock" not in path.name}
        done = newsbot("takedown", TWO_COLUMNS, "--output", output, "--state", server.url)
    assert done.returncode == 6 and done.stderr.startswith("newsbot: ") and "Redis server" in done.stderr
    assert done.stderr.count("\n") == 1
    assert {path: path.read_bytes() for path in output.rglob("*")
            if path.is_file() and "run.lock" not in path.name} == before


def test_a_takedown_removes_the_article_from_its_files_feeds_and_page(nankai_crawl, tmp_path, capsys):
    """The command in-process on a copy of the shared crawl (the fast subset's takedown)."""
    import shutil

    from newsbot import cli

    output = tmp_path / "out"
    shutil.copytree(nankai_crawl[0], output)
    urlname = urlname_of(output, TWO_COLUMNS)
    assert list(output.rglob(f"*{urlname}*")) and f"urn:md5:{urlname}" in published_text(output)
    assert cli.main(["takedown", TWO_COLUMNS, "--output", str(output), "--reason", "a copyright complaint"]) == 0
    assert capsys.readouterr().out.count("taken down: ") == 1
    assert_gone(output, tmp_path / "no blog", {TWO_COLUMNS: urlname})
    assert len(feed_records(output)) == 27 + 1  # the tombstone
