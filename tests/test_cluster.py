"""Several workers, one crawl (NEWSBOT_CLUSTER, docs/cluster.md, "Running on several machines"), on a real redis-server and
the local HTTP test site: every article written exactly once (files, feed, state) whatever
worker fetched it, a SIGKILLed worker's articles finished by the others and a restart, a
late worker joining, and the per-host request rate of the fleet held to one worker's."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT, crawl_command, eventually
from .httpsite import Fault, Gate
from .redisserver import redis_server, redis_url  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.slow, pytest.mark.redis]  # every test here starts crawls and needs redis-server

ARTICLES = 27  # distinct articles in fixtures/nankai
SPIDER = "nankai"


def article_paths(site) -> list[str]:
    root = site.root / "news.nankai.edu.cn"
    return sorted("/" + str(p.relative_to(root)) for p in root.rglob("*.shtml") if "/system/20" in "/" + str(p.relative_to(root)))


def slow_articles(site, delay: float) -> None:
    """Article pages take ``delay`` seconds: a crawl lasts long enough to be shared or killed."""
    for path in article_paths(site):
        site.faults[path] = Fault(delay=delay)


def worker(output: Path, name: str, url: str, site, *args: str, lease: float = 3) -> subprocess.Popen:
    command = crawl_command(SPIDER, output, "-s", f"NEWSBOT_CLUSTER={url}", "-s", f"NEWSBOT_CLUSTER_WORKER={name}",
                            "-s", f"NEWSBOT_CLUSTER_LEASE={lease}", *args, site=site)
    log = open(output.parent / f"{output.name}-{name}.log", "w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen, timeout: float = 180) -> int:
    try:
        return process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def log_of(output: Path, name: str) -> str:
    return (output.parent / f"{output.name}-{name}.log").read_text(encoding="utf-8")[-4000:]


def shard_lines(output: Path) -> dict[str, list[str]]:
    """urlnames per feed shard."""
    return {p.name: [json.loads(line)["urlname"] for line in p.read_text(encoding="utf-8").splitlines()]
            for p in sorted((output / "feeds").glob(f"{SPIDER}.*.jsonl"))}


def state(url):
    from newsbot.storage.state.redis import RedisStateStore

    return RedisStateStore(url, worker="test", lock=False)


def wait_for_the_lock_to_expire(url: str, name: str) -> None:
    """A killed worker's lock runs out with its lease: wait until its key is gone, rather
    than for a lease and a margin."""
    from newsbot.storage.state.redis import PREFIX

    from .redisserver import inspector

    with inspector(url) as client:
        eventually(lambda: not client.exists(f"{PREFIX}worker:{name}"), every=0.05)


def assert_every_article_once(output: Path, url: str) -> None:
    from newsbot.cluster.shards import merge_feed

    shards = shard_lines(output)
    everything = [u for lines in shards.values() for u in lines]
    assert len(everything) == len(set(everything)) == ARTICLES, {k: len(v) for k, v in shards.items()}
    merged, added = merge_feed(output, SPIDER)
    assert added == ARTICLES
    lines = merged.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["urlname"] for line in lines) == sorted(everything)
    assert merge_feed(output, SPIDER)[1] == 0  # merging again adds nothing
    files = sorted((output / "nankai" / "hexo").rglob("*.md"))
    assert len(files) == ARTICLES
    store = state(url)
    try:
        assert store.count("nankai") == ARTICLES and store.pending_count(["nankai"]) == 0
        assert {u for u, *_ in store.written_files(["nankai"], writer=None)} == set(everything)
    finally:
        store.close()


def test_two_workers_write_every_article_exactly_once(http_site, redis_url, tmp_path):
    # One worker alone would take ~14 s (articles 1 s each, two at a time): an idle worker
    # looks at the shared queue again at Scrapy's engine heartbeat, every 5 s.
    slow_articles(http_site, 1.0)
    output = tmp_path / "shared"
    workers = [worker(output, name, redis_url, http_site, "-s", "CONCURRENT_REQUESTS=2") for name in ("w1", "w2")]
    codes = [finish(w) for w in workers]
    assert codes == [0, 0], log_of(output, "w1") + log_of(output, "w2")
    assert_every_article_once(output, redis_url)
    fetched = http_site.article_requests()
    assert sorted(fetched) == sorted(set(fetched)) and len(fetched) == ARTICLES  # each fetched once
    assert http_site.paths().count("/ywsd/index.shtml") == 1  # list pages read once by the fleet
    reports = [json.loads((output / "reports" / f"nankai.{n}-latest.json").read_text()) for n in ("w1", "w2")]
    assert sum(r["new"] for r in reports) == ARTICLES
    assert all(r["new"] > 0 for r in reports), [r["new"] for r in reports]  # the crawl was shared
    # The status page reads the shared state through the protocol: its chart counts the
    # fleet's articles (it was empty with the state on Redis).
    from datetime import datetime

    from lxml import html as lxml_html

    from newsbot.dates import SHANGHAI

    bars = lxml_html.fromstring((output / "index.html").read_text(encoding="utf-8")).xpath("//svg//rect")
    assert bars[-1].xpath("string(title)") == f"{datetime.now(SHANGHAI).date().isoformat()}: {ARTICLES}"


def test_a_killed_worker_loses_nothing_the_other_and_a_restart_finish(http_site, redis_url, tmp_path):
    slow_articles(http_site, 0.5)
    output = tmp_path / "shared"
    # Batches of 4: when killed, the victim has committed some articles (state and feed),
    # and has fetched and written the files of others it never marked written.
    small_batches = ("-s", "NEWSBOT_WRITE_BATCH=4", "-s", "CONCURRENT_REQUESTS=4")
    victim = worker(output, "w1", redis_url, http_site, *small_batches)
    survivor = worker(output, "w2", redis_url, http_site, *small_batches)
    deadline = time.monotonic() + 120
    while len(http_site.article_requests()) < 12 and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.05)
    assert victim.poll() is None, "the crawl ended before the kill: " + log_of(output, "w1")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    store = state(redis_url)
    try:
        killed_with = store.count("nankai")
    finally:
        store.close()
    assert killed_with < ARTICLES  # the crawl was mid-way
    assert finish(survivor) == 0, log_of(output, "w2")
    # The restart under the same name (once its lock has expired with its lease, 3 s)
    # completes its feed shard: the lines of what it wrote but had not fed when killed.
    wait_for_the_lock_to_expire(redis_url, "w1")
    assert finish(worker(output, "w1", redis_url, http_site)) == 0, log_of(output, "w1")
    assert_every_article_once(output, redis_url)


def test_a_worker_started_late_joins_the_same_crawl(http_site, redis_url, tmp_path):
    slow_articles(http_site, 1.0)
    output = tmp_path / "shared"
    two_at_once = ("-s", "CONCURRENT_REQUESTS=2")  # alone, the first would take ~14 s
    first = worker(output, "w1", redis_url, http_site, *two_at_once)
    store = state(redis_url)
    try:
        deadline = time.monotonic() + 120
        while len(http_site.article_requests()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        store.close()
    late = worker(output, "w3", redis_url, http_site, *two_at_once)
    assert [finish(first), finish(late)] == [0, 0], log_of(output, "w1") + log_of(output, "w3")
    assert_every_article_once(output, redis_url)
    late_report = json.loads((output / "reports" / "nankai.w3-latest.json").read_text())
    assert late_report["new"] > 0  # it took a share of the articles the first had listed
    assert http_site.paths().count("/ywsd/index.shtml") == 1  # and read no list page again


def first_reservation(redis_server, key: str, stop: threading.Event, found: list[float]) -> threading.Thread:
    """A thread watching the server's commands (MONITOR) for the first reservation on ``key``:
    ``found`` gets its time on the server's clock, the earliest moment any request may go."""
    ready = threading.Event()

    def watch() -> None:
        with redis_server.admin() as admin, admin.monitor() as monitor:
            ready.set()
            while not stop.is_set():
                command = monitor.next_command()
                if not found and command["command"].startswith("EVALSHA") and f" {key} " in command["command"]:
                    found.append(command["time"])

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    assert ready.wait(10)
    return thread


def test_two_workers_together_keep_one_workers_per_host_rate(http_site, redis_server, redis_url, tmp_path):
    interval = 0.25
    arrivals: list[float] = []  # wall clock, as the Redis server's (same machine)
    handle = http_site.handle

    def timed(handler):
        arrivals.append(time.time())
        handle(handler)

    http_site.handle = timed
    stop, first = threading.Event(), []
    watcher = first_reservation(redis_server, "newsbot:host:news.nankai.edu.cn", stop, first)
    output = tmp_path / "shared"
    try:
        workers = [worker(output, n, redis_url, http_site, "-s", f"DOWNLOAD_DELAY={interval}") for n in ("w1", "w2")]
        assert [finish(w) for w in workers] == [0, 0], log_of(output, "w1") + log_of(output, "w2")
    finally:
        stop.set()
        with redis_server.admin() as admin:
            admin.ping()  # a command for the watcher to see, so it looks at stop
        watcher.join(10)
    assert_every_article_once(output, redis_url)
    reports = [json.loads((output / "reports" / f"nankai.{n}-latest.json").read_text()) for n in ("w1", "w2")]
    assert all(r["stats"].get("downloader/request_count", 0) > 0 for r in reports)  # both fetched
    # Each request waits for its own moment, reserved on the server's clock one interval
    # after the one before, whichever worker sends it: the k-th request the site sees comes
    # no sooner than k-1 intervals after the first reservation. Load only makes requests
    # later, so the bound holds however busy the machine (10 ms: the clocks' rounding).
    # Two workers on their own schedules would each go at the interval: twice the rate.
    arrivals.sort()
    assert first and len(arrivals) > 20
    early = [(k, round(arrival - first[0], 3)) for k, arrival in enumerate(arrivals)
             if arrival < first[0] + k * interval - 0.01]
    assert not early, early[:5]


def test_list_pages_a_killed_worker_had_in_flight_are_read_by_the_other(http_site, redis_url, tmp_path):
    # Slow list pages: the victim is killed while it holds some of them (scrapy-redis alone
    # would lose those, and with them the older articles of their columns).
    root = http_site.root / "news.nankai.edu.cn"
    for page in root.rglob("*.shtml"):
        path = "/" + str(page.relative_to(root))
        if "/system/20" not in path:
            http_site.faults[path] = Fault(delay=1.5)
    output = tmp_path / "shared"
    victim = worker(output, "w1", redis_url, http_site)
    deadline = time.monotonic() + 60
    while len(http_site.list_requests()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    survivor = worker(output, "w2", redis_url, http_site)
    time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert finish(survivor) == 0, log_of(output, "w2")
    wait_for_the_lock_to_expire(redis_url, "w1")  # with its lease; its restart completes its feed shard
    assert finish(worker(output, "w1", redis_url, http_site)) == 0, log_of(output, "w1")
    assert_every_article_once(output, redis_url)
    report = json.loads((output / "reports" / "nankai.w2-latest.json").read_text())
    assert report["stats"].get("newsbot/cluster/recovered_requests", 0) >= 1


def test_a_state_server_that_refuses_writes_stops_the_run_with_exit_6_and_loses_nothing(http_site, redis_server,
                                                                                       redis_url, tmp_path):
    # The crawl is one batch, made durable when the crawl goes idle. Its last article is
    # held until the Redis server refuses writes (out of memory), so the batch cannot be
    # recorded: the run must say so (exit 6), and the next run write everything, once.
    gate = Gate(let_through=ARTICLES - 1)
    for path in article_paths(http_site):
        http_site.faults[path] = Fault(block=gate)
    output = tmp_path / "shared"
    process = worker(output, "w1", redis_url, http_site, "-s", "NEWSBOT_WRITE_BATCH=1000")
    deadline = time.monotonic() + 120
    while not http_site.held_paths() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert http_site.held_paths(), "no article was held: " + log_of(output, "w1")
    with redis_server.admin() as client:  # newsbot's own user may not CONFIG SET
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)
        gate.set()
        try:
            assert finish(process) == 6, log_of(output, "w1")
        finally:
            client.config_set("maxmemory", 0)
    report = json.loads((output / "reports" / "nankai.w1-latest.json").read_text())
    assert report["finish_reason"] == "output_error" and report["exit_code"] == 6
    assert "the output cannot be written" in log_of(output, "w1") and "OutOfMemoryError" in report["alarms"][0]
    wait_for_the_lock_to_expire(redis_url, "w1")  # it could not be released either: it expires with its lease
    assert finish(worker(output, "w1", redis_url, http_site)) == 0, log_of(output, "w1")
    assert "ERROR" not in log_of(output, "w1")
    assert_every_article_once(output, redis_url)


def test_a_state_server_that_goes_away_stops_the_run_with_exit_6(http_site, tmp_path):
    import shutil

    from .redisserver import RedisServer

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server)")
    # As above, but the server is killed (its data with it: this run's only).
    gate = Gate(let_through=ARTICLES - 1)
    for path in article_paths(http_site):
        http_site.faults[path] = Fault(block=gate)
    output = tmp_path / "shared"
    with RedisServer(tmp_path / "redis") as server:
        process = worker(output, "w1", server.url, http_site, "-s", "NEWSBOT_WRITE_BATCH=1000")
        deadline = time.monotonic() + 120
        while not http_site.held_paths() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert http_site.held_paths(), "no article was held: " + log_of(output, "w1")
        server.process.kill()
        server.process.wait()
        gate.set()
        assert finish(process, timeout=60) == 6, log_of(output, "w1")
    report = json.loads((output / "reports" / "nankai.w1-latest.json").read_text())
    assert report["finish_reason"] == "output_error" and "ConnectionError" in report["alarms"][0]


def test_a_queued_request_no_worker_can_read_is_set_aside_with_an_alarm(http_site, redis_url, tmp_path):
    # (Queued by another newsbot version, or damaged.) The crawl goes on without it, and
    # the run says what it could not do rather than exit 0.
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.zadd(f"newsbot:{SPIDER}:requests", {b"\x80not a request": -10})
    output = tmp_path / "shared"
    assert finish(worker(output, "w1", redis_url, http_site)) == 4, log_of(output, "w1")
    report = json.loads((output / "reports" / "nankai.w1-latest.json").read_text())
    assert any("1 request(s) in the shared queue could not be read" in alarm for alarm in report["alarms"])
    with redis.Redis.from_url(redis_url) as client:
        assert list(client.hvals(f"newsbot:{SPIDER}:unreadable")) == [b"\x80not a request"]
        assert client.zcard(f"newsbot:{SPIDER}:requests") == 0
    assert_every_article_once(output, redis_url)
