"""Killed runs (SIGKILL, SIGTERM) and reruns over real HTTP: every article ends up written
exactly once, complete, in the files, the feed and the state alike."""

import json
import signal
import sqlite3
import subprocess
import threading
import time

import pytest
import yaml

from .conftest import ROOT, crawl, crawl_command
from .httpsite import Fault, Gate

pytestmark = pytest.mark.slow  # every test here starts a process

ARTICLES = 27


def md_files(output):
    return sorted((output / "nankai" / "hexo").glob("*.md")) if (output / "nankai").exists() else []


def start_gated_crawl(http_site, output, gate, *args):
    """A crawl whose article requests pass ``gate`` (tests/httpsite.py): the first N are
    answered, every later one is held until the test opens the gate."""
    for path in distinct_article_paths(http_site):
        http_site.faults[path] = Fault(block=gate)
    log = open(output.parent / f"{output.name}.log", "w")
    # Held requests must not time out while the test looks on.
    command = crawl_command("nankai", output, "-s", "DOWNLOAD_TIMEOUT=60", *args, site=http_site)
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)


def log_of(output):
    return (output.parent / f"{output.name}.log").read_text(encoding="utf-8", errors="replace")


def distinct_article_paths(http_site):
    root = http_site.root / "news.nankai.edu.cn"
    return ["/" + p.relative_to(root).as_posix() for p in root.rglob("*.shtml") if "/system/20" in p.as_posix()]


def wait_until(predicate, process=None, timeout=60.0):
    """Poll for a state the test has arranged (a held request, a file count), not a time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the crawl ended (exit {process.returncode}) before the awaited point")
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


def assert_consistent(output, complete=True):
    files = md_files(output)
    names = {p.stem for p in files}
    for path in files:  # each file whole: front matter loads, the body and source link are there
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        assert yaml.safe_load(front)["urlname"] == path.stem
        assert "[转入文章首发地址](https://news.nankai.edu.cn/" in body
    assert not list(output.rglob(".newsbot-tmp-*"))
    raw = (output / "feeds" / "nankai.jsonl").read_bytes()
    assert raw == b"" or raw.endswith(b"\n")
    urlnames = [json.loads(line)["urlname"] for line in raw.decode("utf-8").splitlines()]
    assert len(urlnames) == len(set(urlnames)), "duplicate feed lines"
    db = sqlite3.connect(output / ".newsbot" / "state.sqlite")
    state = {row[0] for row in db.execute("SELECT urlname FROM articles")}
    db.close()
    assert set(urlnames) == state <= names
    if complete:
        assert len(names) == len(state) == ARTICLES


@pytest.mark.parametrize("kill_after", [0, 6, 18, ARTICLES - 2])
def test_sigkill_at_any_point_then_rerun_writes_each_article_once(http_site, tmp_path, kill_after):
    output = tmp_path / "out"
    gate = Gate(let_through=kill_after)
    process = start_gated_crawl(http_site, output, gate)
    try:
        # Exactly kill_after articles answered (and written, the last perhaps half-way),
        # the next one held: the kill lands there, whatever the machine's load.
        wait_until(lambda: http_site.held_paths() and len(md_files(output)) >= kill_after, process)
    finally:
        process.kill()
        process.wait(timeout=10)
        gate.set()
    assert len(md_files(output)) == kill_after
    http_site.faults.clear()
    done, report = crawl("nankai", output, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_consistent(output)


def test_torn_feed_line_and_a_mark_without_its_line_are_repaired_at_start(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    feed = tmp_path / "feeds" / "nankai.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    # The feed damaged by hand: its last line removed, the one before it torn half-way. The
    # state keeps no record once it is in the feed, so the two articles are fetched again.
    feed.write_bytes(b"".join(lines[:-2]) + lines[-2][: len(lines[-2]) // 2])
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "removed a torn last line" in done.stderr and "2 written articles have no line" in done.stderr
    assert len(http_site.article_requests()) == 2
    urlnames = lambda data: sorted(json.loads(line)["urlname"] for line in data.splitlines())  # noqa: E731
    assert urlnames(feed.read_bytes()) == urlnames(b"".join(lines))
    assert_consistent(tmp_path)


def test_a_kill_between_the_state_mark_and_the_feed_line_is_repaired_from_the_state(http_site, tmp_path):
    import sqlite3

    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    feed = tmp_path / "feeds" / "nankai.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    # What a kill leaves between the two: the state marked written (fed = 0, record kept)
    # and the feed without the line; the file's signature is the one newsbot last wrote.
    db = sqlite3.connect(tmp_path / ".newsbot" / "state.sqlite")
    last = json.loads(lines[-1])
    db.execute("UPDATE articles SET fed = 0, record = ? WHERE urlname = ?",
               (json.dumps(last, ensure_ascii=False), last["urlname"]))
    feed.write_bytes(b"".join(lines[:-1]))
    stat = feed.stat()
    db.execute("UPDATE meta SET value = ? WHERE key = 'feed_signature:nankai.jsonl'",
               (f"{stat.st_size}:{stat.st_mtime_ns}",))
    db.commit()
    db.close()
    http_site.reset_log()
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "added 1 records written but missing" in done.stderr
    assert http_site.article_requests() == []
    assert feed.read_bytes() == b"".join(lines)
    assert_consistent(tmp_path)


def test_sigterm_finishes_in_flight_items_and_leaves_a_consistent_output(http_site, tmp_path):
    output = tmp_path / "out"
    gate = Gate(let_through=4)
    process = start_gated_crawl(http_site, output, gate)
    try:
        wait_until(lambda: len(md_files(output)) == 4 and http_site.held_paths(), process)
        process.send_signal(signal.SIGTERM)
        wait_until(lambda: "Received SIGTERM" in log_of(output), process)
        in_flight = len(http_site.held_paths())
        gate.set()  # the held requests are answered, and their articles written
        assert process.wait(timeout=30) == 0
    finally:
        gate.set()
        if process.poll() is None:
            process.kill()
    # Those held, and those Scrapy had queued for the download slot, are finished; no more.
    assert 4 + in_flight <= len(md_files(output)) <= 4 + 8 < ARTICLES  # CONCURRENT_REQUESTS = 8
    assert_consistent(output, complete=False)
    report = json.loads((output / "reports" / "nankai-latest.json").read_text(encoding="utf-8"))
    assert report["finish_reason"] == "shutdown"
    http_site.faults.clear()
    done, _ = crawl("nankai", output, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_consistent(output)


def test_a_backfill_paused_with_sigterm_resumes_from_its_jobdir(http_site, tmp_path):
    output, job = tmp_path / "out", tmp_path / "job"
    last_list_page = "/ywsd/system/count//0003000/000000000000/000/000/c0003000000000000000_000000001.shtml"
    gate = threading.Event()
    http_site.faults[last_list_page] = Fault(block=gate)
    args = ("-a", "backfill=1", "-s", f"JOBDIR={job}")
    log_path = tmp_path / "first.log"
    process = subprocess.Popen(crawl_command("nankai", output, *args, site=http_site), cwd=ROOT,
                               stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    try:
        # Paused while reading the lists: every other list page read, the last one held (on a
        # loaded machine another column's page may come after it: its links must be in the
        # job or the state before the pause, or the resumed run rightly reads it).
        # (10: the default columns' list pages, as test_http_crawl's backfill reads them)
        wait_until(lambda: last_list_page in http_site.held_paths() and len(set(http_site.list_requests())) == 10,
                   process)
        process.send_signal(signal.SIGTERM)
        wait_until(lambda: "Received SIGTERM" in log_path.read_text(encoding="utf-8"), process)
        gate.set()
        assert process.wait(timeout=30) == 0
    finally:
        gate.set()
        if process.poll() is None:
            process.kill()
    # A backfill fetches articles while it reads its lists: some may be written already.
    first = len(md_files(output))
    http_site.faults.clear()
    http_site.reset_log()
    done, report = crawl("nankai", output, *args, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    # The list pages are not read again; the links they gave were kept (job and state).
    assert http_site.list_requests() == [] and report["new"] == ARTICLES - first
    assert_consistent(output)
