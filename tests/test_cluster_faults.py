"""The cluster keeps the single machine's promise under faults (issue 18, section 1): a
worker SIGKILLed at any point of its crawl, or the redis-server killed and restarted with
``appendonly yes``, loses no article and writes none twice once the workers have run
again; a rerun that cannot finish what a dead worker left says so (an ALARM, exit 4).

Real components only: a real redis-server (tests/redisserver.py), ``scrapy crawl``
workers as subprocesses, and bench/crawl's simulated news.nankai.edu.cn (200 articles,
4 columns of 3 list pages) served over HTTP on 127.0.0.1. The victim dies at a chosen
point of its crawl (tests/killpoint.py wraps the function that does that step and
SIGKILLs the process right after its Nth occurrence), so every kill point is hit on
every run, not by a lucky sleep. Every wait polls for a condition with a deadline.

What is asserted is the article set: every article of the site has exactly one line
over the feed shards, one file per profile, and the state counts it written with
nothing pending; not only exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, crawl_command
from .httpsite import Fault, HttpSite
from .redisserver import RedisServer, redis_server, redis_url  # noqa: F401 (fixtures)
from .test_cluster import finish, log_of

sys.path.insert(0, str(ROOT / "bench" / "crawl"))
import simsite  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.redis]  # every test here starts crawls and needs redis-server

N = 200  # articles: 4 columns of 50, each column 3 list pages (index + 2 numbered)
SPIDER = "nankai"
LEASE = 2.0  # seconds: a killed worker's claims, lock and in-flight record outlive it this long
DEADLINE = 120  # seconds any one wait may take before the test fails


# --- the site ---------------------------------------------------------------------------
@pytest.fixture
def sim_site():
    """bench/crawl's simulated site (N articles), served by the tests' HTTP server, so
    faults and the request log work as on the fixture site."""
    site = simsite.Site(N)
    with HttpSite(FIXTURES / "nankai") as http:
        for path in site.paths():
            http.pages[path] = site.respond(path)[2]
        yield http


def expected_urls() -> set[str]:
    return {simsite.article_url(i) for i in range(N)}


# --- workers ----------------------------------------------------------------------------
def worker(output: Path, name: str, url: str, site, *args: str, kill_at: str | None = None) -> subprocess.Popen:
    """A cluster worker's ``scrapy crawl nankai -a backfill=1``; ``kill_at`` (``POINT:N``
    of tests/killpoint.py) makes it the victim."""
    command = crawl_command(SPIDER, output, "-a", "backfill=1", "-s", f"NEWSBOT_CLUSTER={url}",
                            "-s", f"NEWSBOT_CLUSTER_WORKER={name}", "-s", f"NEWSBOT_CLUSTER_LEASE={LEASE}",
                            "-s", "NEWSBOT_WRITE_BATCH=8", "-s", "NEWSBOT_RETRY_BACKOFF=0.2",
                            "-s", "NEWSBOT_WORKERS=0", *args, site=site)
    if kill_at:
        assert command[1:3] == ["-m", "scrapy"]
        command[1:3] = ["-m", "tests.killpoint", kill_at]
    log = open(output.parent / f"{output.name}-{name}.log", "a")
    log.write(f"\n===== {' '.join(command[3:])}\n")
    log.flush()
    env = {**os.environ, "NEWSBOT_KILLPOINT_LOG": str(output.parent / "killpoints.log")}
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)


def wait_for(condition, what: str, timeout: float = DEADLINE, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def client(url: str):
    from .redisserver import inspector

    return inspector(url)  # as the administrator: newsbot's ACL user may not run EXISTS


def lock_expired(url: str, name: str) -> bool:
    """The worker's name is free: its killed run's lock has run out with its lease."""
    with client(url) as db:
        return not db.exists(f"newsbot:worker:{name}")


def joined(url: str, name: str) -> bool:
    """The worker is crawling: its spider is open and its first heartbeat is in Redis."""
    with client(url) as db:
        return any(run.startswith(f"{name}:".encode()) for run in db.zrange(f"newsbot:busy:{SPIDER}", 0, -1))


def report(output: Path, name: str) -> dict:
    return json.loads((output / "reports" / f"{SPIDER}.{name}-latest.json").read_text(encoding="utf-8"))


# --- the article set --------------------------------------------------------------------
def article_set(output: Path, url: str) -> dict:
    """Where every article stands: feed shard lines, files and the state, by canonical URL."""
    from newsbot.storage.state.redis import RedisStateStore

    lines = [json.loads(line) for shard in sorted((output / "feeds").glob(f"{SPIDER}.*.jsonl"))
             for line in shard.read_bytes().split(b"\n") if line.strip()]
    files = sorted(p.stem for p in (output / SPIDER).rglob("*.md")) if (output / SPIDER).exists() else []
    store = RedisStateStore(url, worker="test", lock=False)
    try:
        written = store.written(expected_urls())
        return {"lines": [r["url"] for r in lines], "urlnames": [r["urlname"] for r in lines], "files": files,
                "written": written, "count": store.count(SPIDER), "pending": store.pending_count([SPIDER])}
    finally:
        store.close()


def assert_every_article_once(output: Path, url: str) -> None:
    found = article_set(output, url)
    expected = expected_urls()
    lines = found["lines"]
    missing = expected - set(lines)
    twice = len(lines) - len(set(lines))
    assert not missing and not twice, (f"{len(missing)} of {N} articles have no feed line, {twice} lines are "
                                       f"duplicates; state: {found['count']} written, {found['pending']} pending")
    assert set(lines) == expected
    assert sorted(found["files"]) == sorted(found["urlnames"]), "one file per article (the hexo profile)"
    assert found["written"] == expected and found["count"] == N and found["pending"] == 0


def lost(output: Path, url: str) -> int:
    return len(expected_urls() - set(article_set(output, url)["lines"]))


# --- 1. a worker killed at any point ------------------------------------------------------
# Before issue 18's fix, each lost articles (of 200, after both workers ran again, all
# exits 0): the in-flight record of a list page was dropped when its download ended,
# before what it lists was in Redis, and the shared dupefilter then kept the restarted
# workers from reading it again.
KILL_POINTS = [
    "popped:3",              # taken from the shared queue (lost 50: popped, then recorded)
    "list_received:2",       # before list-page parsing (lost 190)
    "list_queued:2",         # during it: the articles queued, the next page not yet (lost 180)
    "list_fingerprinted:1",  # during it: the next page about to be scheduled (lost 160: dupefilter, then queue)
    "list_pushed:2",         # after it: the next page in the queue (lost 80, the other list pages in flight)
    "list_retry_wait:1",     # a list page's retry waiting for its backoff (lost 50)
    "write_claimed:5",       # between the write claim and the files (lost none)
]
# (Between the state and the feed shard, "marked_written": test 3, where the reruns are
# first the survivor alone, then the victim.)


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_a_worker_killed_at_any_point_loses_nothing_once_both_run_again(sim_site, redis_url, tmp_path, kill_at):
    output = tmp_path / "shared"
    if kill_at.startswith("list_retry_wait"):
        for path in sim_site.pages:  # every list page answers 503 once, then the page
            if path.endswith("index.shtml") or "/system/count/" in path:
                sim_site.faults[path] = Fault(status=503, times=1)
    victim = worker(output, "w1", redis_url, sim_site, kill_at=kill_at)
    # The survivor joins once the victim has queued the columns' first pages: both then
    # take list pages and articles from the shared queue.
    wait_for(lambda: sim_site.list_requests() or victim.poll() is not None, "the victim's first list page")
    survivor = worker(output, "w2", redis_url, sim_site)
    assert finish(victim) == -signal.SIGKILL, "the kill point was not reached:\n" + log_of(output, "w1")
    killed_with = article_set(output, redis_url)["count"]
    first = finish(survivor)
    assert first in (0, 4), log_of(output, "w2")  # 4: the victim died owing feed lines (test 3)
    # Both run again: the victim under its name once its lock ran out (it completes its
    # shard), then the survivor.
    wait_for(lambda: lock_expired(redis_url, "w1"), "w1's lock to expire")
    again = worker(output, "w1", redis_url, sim_site)
    wait_for(lambda: not lock_expired(redis_url, "w1") or again.poll() is not None, "w1 to start again")
    other = worker(output, "w2", redis_url, sim_site)
    codes = [finish(again), finish(other)]
    assert codes == [0, 0], log_of(output, "w1") + log_of(output, "w2")
    print(f"\n{kill_at}: {killed_with} articles written at the kill; {lost(output, redis_url)} of {N} missing "
          f"after both ran again")
    assert_every_article_once(output, redis_url)


# --- 2. the redis-server killed and restarted ----------------------------------------------
# The victim stops itself (SIGSTOP) at the point; the redis-server is SIGKILLed and the
# worker let go (SIGCONT) into a missing Redis; the other worker meets it wherever it is.
REDIS_KILL_POINTS = [
    "list_received:2",       # a list page arrived; its results cannot be recorded (lost 190 before the fix)
    "list_fingerprinted:1",  # a next page about to be scheduled (lost 160)
    "marked_written:2",      # mid-run, articles being written (lost 0 to 40: the list pages in flight)
]


@pytest.mark.parametrize("stop_at", REDIS_KILL_POINTS)
def test_a_redis_server_killed_and_restarted_with_appendonly_loses_nothing(sim_site, tmp_path, stop_at):
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    output = tmp_path / "shared"
    with RedisServer(tmp_path / "redis", appendonly=True) as server:
        url = server.url
        victim = worker(output, "w1", url, sim_site, kill_at=f"{stop_at}:stop")
        wait_for(lambda: sim_site.list_requests() or victim.poll() is not None, "the victim's first list page")
        other = worker(output, "w2", url, sim_site)
        marks = output.parent / "killpoints.log"
        wait_for(lambda: marks.exists() or victim.poll() is not None, f"the victim to stop at {stop_at}")
        assert victim.poll() is None, "the victim ended before its stop point:\n" + log_of(output, "w1")
        # (The other worker joined the crawl: a worker that cannot reach Redis at start-up
        # is another test's subject.)
        wait_for(lambda: joined(url, "w2") or other.poll() is not None, "w2 to join")
        server.kill()
        victim.send_signal(signal.SIGCONT)
        codes = [finish(victim), finish(other)]
        # Exit 6 when a run meets the missing Redis; 0 when it had ended before.
        assert codes[0] == 6 and codes[1] in (0, 6), (codes, log_of(output, "w1") + log_of(output, "w2"))
        server.start()  # same port, same directory: the append-only file is read back
        for name in ("w1", "w2"):
            wait_for(lambda name=name: lock_expired(url, name), f"{name}'s lock to expire")
        again = worker(output, "w1", url, sim_site)
        wait_for(lambda: not lock_expired(url, "w1") or again.poll() is not None, "w1 to start again")
        second = worker(output, "w2", url, sim_site)
        codes = [finish(again), finish(second)]
        assert codes == [0, 0], log_of(output, "w1") + log_of(output, "w2")
        print(f"\nredis killed at {stop_at}: {lost(output, url)} articles missing after the reruns")
        assert_every_article_once(output, url)


# --- 3. a rerun that cannot finish what a dead worker left says so --------------------------
def test_a_rerun_that_cannot_finish_a_dead_workers_work_raises_an_alarm(sim_site, redis_url, tmp_path):
    # w1 dies between recording a batch written and appending its feed lines: only w1
    # (its name, its shard) can write those lines. w2 alone finishes everything else,
    # but must not exit 0 while the merged feed would miss them.
    output = tmp_path / "shared"
    victim = worker(output, "w1", redis_url, sim_site, kill_at="marked_written:1")
    wait_for(lambda: sim_site.list_requests() or victim.poll() is not None, "the victim's first list page")
    survivor = worker(output, "w2", redis_url, sim_site)
    assert finish(victim) == -signal.SIGKILL, "the kill point was not reached:\n" + log_of(output, "w1")
    owed = N - len(article_set(output, redis_url)["lines"])
    assert owed > 0
    finish(survivor)
    wait_for(lambda: lock_expired(redis_url, "w1"), "w1's lock to expire")
    rerun = worker(output, "w2", redis_url, sim_site)  # w2 only: w1 is not restarted
    code = finish(rerun)
    missing = lost(output, redis_url)
    assert missing > 0  # what only w1 can write is still missing...
    text = log_of(output, "w2")
    assert code == 4, f"exit {code} with {missing} articles without a feed line:\n{text}"  # ...and the run says so
    alarms = report(output, "w2")["alarms"]
    assert any("w1" in alarm and "NEWSBOT_CLUSTER_WORKER=w1" in alarm for alarm in alarms), alarms
    assert "ALARM" in text
    # Once w1 runs again, everything is there, once; and nothing is left to alarm about.
    assert finish(worker(output, "w1", redis_url, sim_site)) == 0, log_of(output, "w1")
    assert finish(worker(output, "w2", redis_url, sim_site)) == 0, log_of(output, "w2")
    assert_every_article_once(output, redis_url)


# --- 4. a worker whose Redis goes away says so once -----------------------------------------
def run_log(output: Path, name: str) -> str:
    """The log of the worker's last run only."""
    return (output.parent / f"{output.name}-{name}.log").read_text(encoding="utf-8").rsplit("\n===== ", 1)[-1]


def test_a_worker_whose_redis_goes_away_logs_one_line_per_cause_and_exits_6(sim_site, tmp_path):
    import re
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    output = tmp_path / "shared"
    with RedisServer(tmp_path / "redis") as server:
        # Stopped mid-run (its second batch written), the server killed, then let go:
        # list pages, articles, claims, batches and the heartbeat all meet the missing Redis.
        process = worker(output, "w1", server.url, sim_site, kill_at="marked_written:2:stop")
        marks = output.parent / "killpoints.log"
        wait_for(lambda: marks.exists() or process.poll() is not None, "the worker to stop mid-run")
        assert process.poll() is None, run_log(output, "w1")
        server.kill()
        process.send_signal(signal.SIGCONT)
        assert finish(process) == 6, run_log(output, "w1")
    text = run_log(output, "w1")
    assert "Traceback" not in text and "Unhandled error" not in text, text[-6000:]
    errors = [re.sub(r"^\S+ \S+(?: [+-]\d{4})? \[[^\]]+\] ", "", line) for line in text.splitlines()
              if re.match(r"^\S+ \S+(?: [+-]\d{4})? \[[^\]]+\] (ERROR|CRITICAL):", line)]
    assert len(errors) == len(set(errors)) and len(errors) <= 4, "\n".join(errors)
    assert any("Redis" in e and "ConnectionError" in e for e in errors), errors
    assert report(output, "w1")["exit_code"] == 6
