"""The state's two backends keep the same promises: every test of the contract runs on
SQLite (the default) and on a real Redis (the cluster), through the protocol
(newsbot/storage/state/base.py), and the last test checks that every method of the
protocol was run on both. Redis-only tests cover what sharing adds: leases that expire,
the exactly-once write claim, the per-worker lock."""

from __future__ import annotations

import inspect
import sys
import time
from datetime import date

import pytest
from scrapy.settings import Settings

from newsbot.errors import StateLocked
from newsbot.storage.state import open_state
from newsbot.storage.state.base import FailedArticle, FailedAttempt, RetrySchedule, Revisit, StateStore
from newsbot.storage.state.sqlite import SqliteStateStore

from .conftest import eventually
from .redisserver import redis_server, redis_url  # noqa: F401 (fixtures)

URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/{}.shtml"


def entry(n, column="ywsd", site="nankai"):
    url = URL.format(n)
    return (f"h{n}", url, url + "?from=list", site, column)


# The protocol's methods, and those each backend ran in this module's contract tests.
PROTOCOL = {name for name, value in vars(StateStore).items() if callable(value) and not name.startswith("_")}
PROTOCOL.add("__contains__")
CALLED: dict[str, set[str]] = {"sqlite": set(), "redis": set()}
RAN: set[str] = set()  # the contract tests that ran


class Recorded:
    """A store whose protocol calls are recorded in CALLED (the coverage check below)."""

    def __init__(self, store, backend: str):
        self._store, self._called = store, CALLED[backend]

    def __getattr__(self, name):
        if name in PROTOCOL:
            self._called.add(name)
        return getattr(self._store, name)

    def __contains__(self, urlname):
        self._called.add("__contains__")
        return urlname in self._store


@pytest.fixture(params=["sqlite", "redis"])
def open_store(request, tmp_path):
    """A function opening a store on one shared state (as a second run or worker would)."""
    opened = []
    RAN.add(request.node.nodeid)

    def open_(**kwargs):
        if request.param == "sqlite":
            store = SqliteStateStore(tmp_path / "state.sqlite", lock=False, **kwargs)
        else:
            from newsbot.storage.state.redis import RedisStateStore

            url = request.getfixturevalue("redis_url") if not opened else opened[0].url
            store = RedisStateStore(url, worker=f"w{len(opened)}", **kwargs)
        assert isinstance(store, StateStore)
        opened.append(store)
        return Recorded(store, request.param)

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store):
    return open_store()


def written(n, record=None, columns=("ywsd",)):
    url = URL.format(n)
    return (f"h{n}", url, "nankai", f"2026-11-23T10:00:{n:02d}+08:00", record or {"urlname": f"h{n}", "site": "nankai"},
            list(columns), [(f"nankai/hexo/h{n}.md", 100 + n)])


def test_queue_claim_write_and_feed(store):
    assert store.queue([entry(1), entry(2), entry(1, column="zhxw")], now=100) == 2
    assert store.pending_count(["nankai"]) == 2 and store.pending_count() == 2
    claimed = store.claim_due(["nankai"], "run-a", now=101)
    assert sorted(a.urlname for a in claimed) == ["h1", "h2"]
    first = next(a for a in claimed if a.urlname == "h1")
    assert first.url == URL.format(1) and first.fetch_url.endswith("?from=list")
    assert first.columns == ["ywsd", "zhxw"] and first.attempts == 0
    assert store.claim_due(["nankai"], "run-a", now=102) == []  # one claimer fetches each once
    store.mark_written([written(1, columns=["ywsd", "zhxw"])])
    assert "h1" in store and "h2" not in store
    assert store.written([URL.format(1), URL.format(2)]) == {URL.format(1)}
    assert store.urlname_for(URL.format(1)) == "h1"
    assert store.pending_count() == 1
    assert store.known([URL.format(1), URL.format(2)], now=103) == {URL.format(1)}  # h2 is due
    assert store.unfed(["nankai"]) == [("h1", {"urlname": "h1", "site": "nankai"})]
    assert store.unfed(["other"]) == []
    store.mark_fed(["h1"])
    assert store.unfed(["nankai"]) == []
    assert store.columns("h1") == ["ywsd", "zhxw"]
    store.add_columns(URL.format(1), ["mtnk", "ywsd"])
    assert store.columns("h1") == ["ywsd", "zhxw", "mtnk"]
    assert list(store.written_files(["nankai"])) == [("h1", URL.format(1), "nankai", [["nankai/hexo/h1.md", 101]])]
    assert store.count() == 1 and store.count("nankai") == 1 and store.count("bistu") == 0


def test_a_rewrite_keeps_the_fed_mark_and_updates_the_files(store):
    store.mark_written([written(1)])
    store.mark_fed(["h1"])
    again = list(written(1))
    again[6] = [("nankai/hexo/h1.md", 555)]
    store.mark_written([tuple(again)])
    assert store.unfed(["nankai"]) == [] and store.count() == 1
    assert list(store.written_files(["nankai"]))[0][3] == [["nankai/hexo/h1.md", 555]]


def test_a_lost_feed_line_is_owed_again_and_a_restore_brings_its_record(store):
    store.mark_written([written(1), written(2)])
    assert store.unfed_among(["h1", "h2", "h3"]) == {"h1", "h2"}
    store.mark_fed(["h1", "h2"])
    assert store.unfed_among(["h1", "h2"]) == set()
    store.mark_unfed(["h2"])  # its line was removed from the feed by hand
    assert store.unfed_among(["h1", "h2"]) == {"h2"}
    assert store.unfed(["nankai"]) == []  # no record kept: it must be fetched again
    store.queue([entry(2)], now=0)
    assert store.is_pending(URL.format(2)) and not store.is_pending(URL.format(1))
    store.mark_written([written(2, record={"urlname": "h2", "site": "nankai", "again": True})])
    assert store.unfed(["nankai"]) == [("h2", {"urlname": "h2", "site": "nankai", "again": True})]
    assert not store.is_pending(URL.format(2)) and store.count() == 2


def test_unqueue_forgets_a_queued_article_but_not_a_failed_one(store):
    store.queue([entry(1), entry(2)], now=0)
    store.fail("h2", "timeout", now=1)
    store.unqueue(URL.format(1))
    store.unqueue(URL.format(2))
    assert not store.is_pending(URL.format(1)) and store.is_pending(URL.format(2))


def test_failures_back_off_give_up_and_requeue(open_store):
    store = open_store(retry=RetrySchedule((1, 4), 3))
    store.queue([entry(1)], now=0)
    assert [a.urlname for a in store.claim_due(["nankai"], "run-a", now=1)] == ["h1"]
    assert store.fail("h1", "http_500", now=10) == FailedAttempt(attempts=1, given_up=False, first=True)
    assert store.known([URL.format(1)], now=11) == {URL.format(1)}  # waiting for its retry
    assert store.claim_due(["nankai"], "run-b", now=11) == []
    retry = store.claim_due(["nankai"], "run-b", now=10 + 3600)
    assert [(a.urlname, a.attempts, a.reason) for a in retry] == [("h1", 1, "http_500")]
    assert store.fail("h1", "timeout", now=4000).attempts == 2
    assert store.fail("h1", "timeout", now=5000) == FailedAttempt(attempts=3, given_up=True, first=False)
    assert store.known([URL.format(1)], now=10**9) == {URL.format(1)}
    assert store.pending_count() == 0
    [failure] = store.failures(["nankai"], given_up_only=True)
    assert failure == FailedArticle(URL.format(1), "nankai", "timeout", 3, 5000, 5000 + 4 * 3600, True, ["ywsd"])
    assert failure.as_dict()["given_up"] is True and failure.as_dict()["columns"] == ["ywsd"]
    assert store.requeue([URL.format(1)], now=6000) == 1
    assert [a.attempts for a in store.claim_due(["nankai"], "run-c", now=6001)] == [0]


def test_fail_of_an_article_never_queued_queues_it(store):
    assert store.fail("h9", "x", now=0) == FailedAttempt(0, False, False)
    url = URL.format(9)
    result = store.fail("h9", "http_404", now=0, entry=(url, url, "nankai", ["ywsd"]))
    assert result == FailedAttempt(1, False, True)
    assert [f.url for f in store.failures()] == [url]
    assert store.requeue(now=1) == 1 and store.failures() == []


def test_skipped_is_known_in_its_scope_only(store):
    store.queue([entry(3)], now=0)
    store.mark_skipped("h3", URL.format(3), "other_outlet", scope="eastmoney:a")
    assert store.pending_count() == 0
    assert store.known([URL.format(3)], scope="eastmoney:a", now=1) == {URL.format(3)}
    assert store.known([URL.format(3)], scope="eastmoney:b", now=1) == set()


def test_the_fed_urlnames_are_the_written_ones_owed_no_line(open_store):
    # (What a worker compares its feed with when the feed changed behind its back; the
    # Redis store had no such method, and that start-up check failed with AttributeError.)
    store = open_store()
    store.mark_written([written(1), written(2), written(3)])
    store.mark_fed(["h1", "h2"])
    store.adopt("my-post", URL.format(4), "nankai", "2020-01-01")  # a blog's own post: never in the feed
    assert sorted(store.fed_urlnames(["nankai"])) == ["h1", "h2"] and list(store.fed_urlnames(["bistu"])) == []
    store.mark_unfed(["h2"])
    assert list(store.fed_urlnames(["nankai"])) == ["h1"]


def test_adopt_and_meta(store):
    store.queue([entry(4)], now=0)
    assert store.adopt("my-post", URL.format(4), "nankai", "2020-01-01", [("source/_posts/my-post.md", 10)])
    assert not store.adopt("other", URL.format(4), "nankai", "2020-01-01")
    assert store.urlname_for(URL.format(4)) == "my-post" and store.pending_count() == 0
    assert store.unfed(["nankai"]) == []  # adopted posts are not the feed's
    assert store.get_meta("k") is None
    store.set_meta("k", "v")
    assert store.get_meta("k") == "v"


def test_a_failed_article_is_not_claimed_again_by_its_claimer_but_by_another_run(open_store):
    store = open_store(retry=RetrySchedule((0,), 5))  # no backoff: due again at once
    store.queue([entry(1)], now=0)
    assert [a.urlname for a in store.claim_due(["nankai"], "run-a", now=1)] == ["h1"]
    assert store.fail("h1", "http_500", now=2, claimer="run-a") == FailedAttempt(1, False, True)
    assert store.claim_due(["nankai"], "run-a", now=3) == []  # this run tried it
    assert [(a.urlname, a.attempts) for a in store.claim_due(["nankai"], "run-b", now=3)] == [("h1", 1)]


def test_a_released_article_is_claimed_again(open_store):
    store = open_store()
    store.queue([entry(1)], now=0)
    assert len(store.claim_due(["nankai"], "run-a", now=1)) == 1
    assert store.claim_due(["nankai"], "run-a", now=1) == []
    store.release("h1")  # a graceful stop before fetching it
    assert [a.urlname for a in store.claim_due(["nankai"], "run-a", now=2)] == ["h1"]


def test_the_backoff_grows_per_attempt_and_its_last_step_repeats(open_store):
    store = open_store(retry=RetrySchedule((1, 4), 6))
    assert [store.backoff_seconds(n) for n in (0, 1, 2, 3, 9)] == [0, 3600, 4 * 3600, 4 * 3600, 4 * 3600]


def test_failures_newest_first_and_limited(open_store):
    store = open_store()
    for n, when in ((1, 100), (2, 300), (3, 200)):
        url = URL.format(n)
        store.fail(f"h{n}", "http_500", now=when, entry=(url, url, "bistu" if n == 3 else "nankai", []))
    assert [f.url for f in store.failures()] == [URL.format(2), URL.format(3), URL.format(1)]
    assert [f.url for f in store.failures(limit=2)] == [URL.format(2), URL.format(3)]
    assert [f.url for f in store.failures(["nankai"], limit=5)] == [URL.format(2), URL.format(1)]
    assert all(isinstance(f, FailedArticle) for f in store.failures())


def test_articles_per_day_counts_what_newsbot_wrote(open_store):
    store = open_store()
    store.mark_written([written(1), written(2), written(3)])  # 2026-11-23
    store.mark_written([("h4", URL.format(4), "bistu", "2026-11-22T23:59:00+08:00", {}, [], [])])
    store.mark_written([written(1)])  # a restore: not a new article
    store.adopt("a-post", URL.format(5), "nankai", "adopted")  # an existing blog's post
    assert store.articles_per_day(date(2026, 11, 23), 2) == {"nankai": {"2026-11-23": 3}, "bistu": {"2026-11-22": 1}}
    assert store.articles_per_day(date(2026, 11, 23), 1) == {"nankai": {"2026-11-23": 3}}
    assert store.articles_per_day(date(2026, 12, 30), 30) == {}


def test_the_writer_store_sees_the_same_state_and_closing_twice_is_harmless(open_store):
    store = open_store()
    writer = store.for_writer()
    writer.mark_written([written(1)])
    assert "h1" in store and store.count("nankai") == 1
    if writer is not store._store:
        writer.close()
    store.close()
    store.close()


def test_one_factory_opens_either_backend_from_the_settings(tmp_path, redis_url):
    settings = {"NEWSBOT_OUTPUT_DIR": str(tmp_path / "out"), "NEWSBOT_RETRY_BACKOFF_HOURS": "2,5",
                "NEWSBOT_GIVE_UP_AFTER": 3, "NEWSBOT_CLUSTER_WORKER": "w7", "NEWSBOT_CLUSTER_LEASE": 4}
    sqlite = open_state(Settings(settings))
    try:
        assert isinstance(sqlite, SqliteStateStore) and sqlite.retry == RetrySchedule((2.0, 5.0), 3)
        assert sqlite.path == tmp_path / "out" / ".newsbot" / "state.sqlite"
        with pytest.raises(StateLocked):  # the output's run lock is held
            open_state(Settings(settings))
    finally:
        sqlite.close()
    shared = open_state(Settings({**settings, "NEWSBOT_STATE": redis_url}))
    try:
        assert type(shared).__name__ == "RedisStateStore" and shared.retry == RetrySchedule((2.0, 5.0), 3)
        assert shared.worker == "w7" and shared.lease_ms == 4000
    finally:
        shared.close()


def test_a_taken_down_article_is_gone_for_good(store):
    store.mark_written([written(1, columns=["ywsd", "zhxw"])])
    store.mark_fed(["h1"])
    store.watch([("h1", URL.format(1), "nankai", 1000.0, "d1", None, None)], now=0)
    before = store.articles_per_day(date(2026, 11, 23), 2)
    assert before == {"nankai": {"2026-11-23": 1}}
    gone = store.take_down("h1", URL.format(1), "nankai", "2026-11-24T09:00:00+08:00", "a complaint")
    assert (gone.urlname, gone.url, gone.site, gone.when, gone.reason) == (
        "h1", URL.format(1), "nankai", "2026-11-24T09:00:00+08:00", "a complaint")
    assert gone.files == [["nankai/hexo/h1.md", 101]] and gone.columns == ["ywsd", "zhxw"] and not gone.tombstoned
    assert "h1" not in store and store.written([URL.format(1)]) == set() and store.urlname_for(URL.format(1)) is None
    assert store.count() == 0 and list(store.written_files(["nankai"])) == [] and store.unfed(["nankai"]) == []
    assert store.articles_per_day(date(2026, 11, 23), 2) == {}
    assert store.taken_down([URL.format(1), URL.format(2)]) == {URL.format(1)}
    assert store.known([URL.format(1)], now=0) == {URL.format(1)}  # a list page, a backfill: not queued
    # Nothing brings it back: a queue, a failure, an adoption, a write, a correction, a watch.
    assert store.queue([entry(1)], now=1) == 0 and not store.is_pending(URL.format(1))
    assert store.fail("h1", "http_500", now=1, entry=(URL.format(1), URL.format(1), "nankai", [])) == FailedAttempt(0, False, False)
    assert not store.adopt("h1", URL.format(1), "nankai", "adopted") and not store.adopt("other", URL.format(1), "nankai", "x")
    store.mark_written([written(1)])
    store.mark_corrected([written(1)])
    store.watch([("h1", URL.format(1), "nankai", 1000.0, "d1", None, None)], now=2)
    assert "h1" not in store and store.unfed(["nankai"]) == [] and store.columns("h1") == []
    assert store.revisits_due(["nankai"], 10, since=0, checked_before=10, now=10) == []
    assert store.requeue(now=3) == 0 and store.failures() == []
    # A pending article (queued, or failed) is taken down too, and never claimed.
    store.queue([entry(2)], now=0)
    store.fail("h2", "timeout", now=1)
    second = store.take_down("h2", URL.format(2), "nankai", "2026-11-24T09:01:00+08:00")
    assert second.files == [] and second.reason is None
    assert store.pending_count() == 0 and store.claim_due(["nankai"], "run", now=10**9) == [] and store.failures() == []
    # Taking one down again changes nothing; the list is oldest first, per site.
    assert store.take_down("h1", URL.format(1), "nankai", "later", "again") == gone
    assert [t.urlname for t in store.takedowns()] == ["h1", "h2"] and store.takedowns(["bistu"]) == []
    store.mark_tombstoned(["h1"])
    assert [t.tombstoned for t in store.takedowns(["nankai"])] == [True, False]


def test_a_correction_owes_the_feed_a_new_line(store):
    store.mark_written([written(1)])
    store.mark_fed(["h1"])
    corrected = list(written(1, record={"urlname": "h1", "site": "nankai", "title": "v2"}, columns=["ywsd", "mtnk"]))
    corrected[6] = [("nankai/hexo/h1.md", 222)]
    store.mark_corrected([tuple(corrected)])
    assert store.unfed(["nankai"]) == [("h1", {"urlname": "h1", "site": "nankai", "title": "v2"})]
    assert store.unfed_among(["h1"]) == {"h1"} and store.count() == 1 and store.columns("h1") == ["ywsd", "mtnk"]
    assert list(store.written_files(["nankai"])) == [("h1", URL.format(1), "nankai", [["nankai/hexo/h1.md", 222]])]
    store.mark_fed(["h1"])
    assert store.unfed(["nankai"]) == [] and list(store.fed_urlnames(["nankai"])) == ["h1"]
    store.mark_corrected([written(2)])  # never written: nothing recorded
    assert "h2" not in store and store.unfed(["nankai"]) == []


def test_revisits_come_least_recently_checked_first_and_are_forgotten_when_old(store):
    store.mark_written([written(1, columns=["ywsd", "zhxw"]), written(2), written(3)])
    store.watch([("h1", URL.format(1), "nankai", 1000.0, "d1", '"e1"', "Tue, 01 Oct 2024 08:00:00 GMT"),
                 ("h2", URL.format(2), "nankai", 2000.0, "d2", None, None),
                 ("h3", URL.format(3), "nankai", 500.0, "d3", None, None)], now=10)
    [first] = store.revisits_due(["nankai"], 1, since=900, checked_before=10, now=20)
    assert first == Revisit("h1", URL.format(1), "nankai", 1000.0, "d1", '"e1"', "Tue, 01 Oct 2024 08:00:00 GMT",
                            ["ywsd", "zhxw"])
    assert [r.urlname for r in store.revisits_due(["nankai"], 5, since=900, checked_before=15, now=30)] == ["h2"]
    assert store.revisits_due(["nankai"], 5, since=900, checked_before=15, now=30) == []  # checked since
    assert store.revisits_due(["bistu"], 5, since=0, checked_before=100, now=35) == []
    store.revisited("h1", "d1b", None, "Wed, 02 Oct 2024 08:00:00 GMT")
    due = store.revisits_due(["nankai"], 5, since=0, checked_before=100, now=40)
    assert [(r.urlname, r.digest, r.etag, r.last_modified) for r in due] == [
        ("h1", "d1b", None, "Wed, 02 Oct 2024 08:00:00 GMT"), ("h2", "d2", None, None)]  # h3 was forgotten
    store.watch([("h2", URL.format(2), "nankai", 2000.0, "d2c", "e2", None)], now=50)  # rewritten: a new entry
    assert [(r.urlname, r.digest) for r in store.revisits_due(["nankai"], 5, since=0, checked_before=45, now=60)] == [
        ("h1", "d1b")]
    assert store.revisits_due(["nankai"], 5, since=1500, checked_before=100, now=70)[0].urlname == "h2"
    store.revisited("h1", "gone", None, None)  # forgotten meanwhile: nothing comes back
    assert store.revisits_due(["nankai"], 5, since=0, checked_before=10**9, now=80)[0].urlname == "h2"
    assert len(store.revisits_due(["nankai"], 5, since=0, checked_before=10**9, now=90)) == 1


def test_every_protocol_method_runs_on_both_backends():
    contract = [test for name, test in vars(sys.modules[__name__]).items()
                if name.startswith("test_") and {"open_store", "store"} & set(inspect.signature(test).parameters)]
    if len(RAN) < 2 * len(contract):
        pytest.skip("only part of the contract tests ran (-k, -x)")
    for backend, called in CALLED.items():
        assert PROTOCOL - called == set(), f"{backend}: no contract test runs {sorted(PROTOCOL - called)}"


# --- what sharing adds (Redis) ----------------------------------------------------------
def redis_store(url, worker, **kwargs):
    from newsbot.storage.state.redis import RedisStateStore

    return RedisStateStore(url, worker=worker, **kwargs)


def test_two_workers_never_claim_the_same_article(redis_url):
    a, b = redis_store(redis_url, "a"), redis_store(redis_url, "b")
    try:
        a.queue([entry(n) for n in range(10)], now=0)
        got_a = {x.urlname for x in a.claim_due(["nankai"], "run-a", limit=6, now=1)}
        got_b = {x.urlname for x in b.claim_due(["nankai"], "run-b", now=1)}
        assert len(got_a) == 6 and len(got_b) == 4 and not got_a & got_b
        assert b.claims_elsewhere(["nankai"], now=2) == 6 and a.claims_elsewhere(["nankai"], now=2) == 4
    finally:
        a.close(), b.close()


def test_a_dead_workers_claims_expire_and_a_live_one_renews_its_own(redis_url):
    a = redis_store(redis_url, "a", lease=0.5)
    b = redis_store(redis_url, "b", lease=0.5)
    try:
        a.queue([entry(1), entry(2)], now=0)
        assert len(a.claim_due(["nankai"], "run-a", limit=1, now=1)) == 1
        assert len(b.claim_due(["nankai"], "run-b", limit=1, now=1)) == 1
        for _ in range(4):  # a lives and renews; b is "killed" (never renews)
            time.sleep(0.25)
            a.renew()
        again = b.claim_due(["nankai"], "run-b2", now=2)
        assert len(again) == 1  # b's article, not a's
        assert a.claim_due(["nankai"], "run-c", now=2) == []
    finally:
        a.close(), b.close()


def test_the_write_claim_is_taken_once_and_released_by_the_write(redis_url):
    a, b = redis_store(redis_url, "a", lease=0.5), redis_store(redis_url, "b", lease=0.5)
    try:
        assert a.claim_write("h1") and not b.claim_write("h1") and not a.claim_write("h1")
        # a died between its claim and its write: the claim runs out with its lease (0.5 s)
        assert eventually(lambda: b.claim_write("h1"))
        b.mark_written([written(1)])
        assert not a.claim_write("h1")  # written: nobody writes it again...
        a.queue([entry(1)], now=0)
        assert a.claim_write("h1")  # ...unless it is queued again to restore its files
        assert b.unfed(["nankai"]) and a.unfed(["nankai"]) == []  # b's feed shard owes its line
    finally:
        a.close(), b.close()


def test_one_worker_name_runs_once_and_a_killed_ones_lock_expires(redis_url):
    a = redis_store(redis_url, "w1", lease=0.5)
    with pytest.raises(StateLocked, match="another newsbot worker named 'w1'"):
        redis_store(redis_url, "w1")
    other = redis_store(redis_url, "w2")  # other names run beside it
    other.close()
    a.db.close()  # "killed": no close(), no renewal

    def restarted():
        try:
            return redis_store(redis_url, "w1")
        except StateLocked:
            return None

    eventually(restarted).close()  # once its lock has run out with its lease (0.5 s)


@pytest.mark.slow
def test_newsbot_failed_reads_and_requeues_a_cluster_state(redis_url):
    import subprocess
    import sys

    store = redis_store(redis_url, "w1")
    try:
        url = URL.format(7)
        store.fail("h7", "http_500", entry=(url, url, "nankai", ["ywsd"]))
    finally:
        store.close()
    command = [sys.executable, "-m", "newsbot.cli", "failed", "--state", redis_url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "http_500" in done.stdout and URL.format(7) in done.stdout, done.stderr
    done = subprocess.run([*command, "--requeue-all"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "re-queued 1 article" in done.stdout


def test_the_writer_connection_commits_while_the_crawls_connection_queues(tmp_path):
    # The write pipeline marks batches written on its own connection, in a thread, while
    # the crawl queues list pages on the store's: neither may fail with "database is locked"
    # (a deferred transaction that read before the other's commit could not upgrade).
    import threading

    store = SqliteStateStore(tmp_path / "state.sqlite")
    writer = store.for_writer()
    errors = []

    def write_batches():
        try:
            for batch in range(60):
                writer.mark_written([written(n) for n in range(batch * 10, batch * 10 + 10)])
                writer.mark_fed([f"h{n}" for n in range(batch * 10, batch * 10 + 10)], meta={"k": str(batch)})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=write_batches)
    thread.start()
    try:
        for n in range(1000, 21000, 200):  # long transactions: the writer commits inside them
            store.queue([entry(k) for k in range(n, n + 200)])
            store.claim_due(["nankai"], "run-a", limit=5)
    finally:
        thread.join()
        writer.close()
    assert errors == []
    assert store.count() == 600 and store.get_meta("k") == "59"
    store.close()


def test_a_takedown_waits_for_a_write_in_progress_and_a_correction_may_rewrite(redis_url):
    writer, operator = redis_store(redis_url, "w1"), redis_store(redis_url, "op", lock=False)
    try:
        writer.queue([entry(1)], now=0)
        assert writer.claim_write("h1")
        assert operator.take_down("h1", URL.format(1), "nankai", "now") is None  # being written: try again
        writer.mark_written([written(1)])
        gone = operator.take_down("h1", URL.format(1), "nankai", "now")
        assert gone.files == [["nankai/hexo/h1.md", 101]]
        assert not writer.claim_write("h1") and not writer.claim_write("h1", rewrite=True)
        writer.mark_written([written(2)])
        assert not writer.claim_write("h2")  # written: no second copy
        assert writer.claim_write("h2", rewrite=True)  # a correction of it
        assert not operator.claim_write("h2", rewrite=True)  # one writer at a time
        assert not writer.claim_write("h3", rewrite=True)  # never written: nothing to correct
    finally:
        writer.close()
        operator.close()
