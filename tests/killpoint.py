"""A cluster worker that SIGKILLs (or stops) itself at a chosen point of its crawl: the
fault tests' victim (tests/test_cluster_faults.py). newsbot itself has no such hook.

    python -m tests.killpoint POINT:N[:ACTION] crawl nankai -s ...

runs ``scrapy crawl …`` in this process after wrapping the function that does POINT, so
that right after the Nth time it happens the process gets SIGKILL (ACTION ``kill``, the
default) or SIGSTOP (``stop``: the test does something meanwhile, e.g. kills the
redis-server, then sends SIGCONT). Before the signal the point's name is appended to
``$NEWSBOT_KILLPOINT_LOG`` (when set), so a test can tell the point was reached.

The points say what has happened when the process dies; each is the moment right after
(or, for ``list_received``, right before) a step of the crawl:

``popped``            a request was taken from the shared queue (before issue 18's fix,
                      before this run recorded it in flight; the two are one script now)
``list_received``     a list page's response arrived, before its callback runs
``list_queued``       a list page's articles are in the state's frontier, its next page
                      not yet requested
``list_fingerprinted``  a list page's next page is about to be scheduled (before the
                      fix: in the shared dupefilter, not yet in the queue; one script now)
``list_pushed``       a list page's next page is in the shared queue
``list_retry_wait``   a list page answered 5xx; its retry waits for the backoff
``write_claimed``     an article's write claim is taken, its files not yet written
``marked_written``    a batch of articles is recorded written, its feed lines not yet
                      appended
"""

from __future__ import annotations

import functools
import inspect
import os
import signal
import sys

POINTS = ("popped", "list_received", "list_queued", "list_fingerprinted", "list_pushed", "list_retry_wait",
          "write_claimed", "marked_written")


def is_list_request(request) -> bool:
    return getattr(getattr(request, "callback", None), "__name__", "") == "parse_list"


class Point:
    def __init__(self, spec: str):
        name, _, rest = spec.partition(":")
        count, _, action = rest.partition(":")
        if name not in POINTS:
            raise SystemExit(f"killpoint: unknown point {name!r} (one of {', '.join(POINTS)})")
        self.name, self.n, self.action = name, int(count or 1), action or "kill"
        self.seen = 0

    def hit(self) -> None:
        """One more occurrence: at the Nth, die (or stop) here."""
        self.seen += 1
        if self.seen != self.n:
            return
        log = os.environ.get("NEWSBOT_KILLPOINT_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{self.name}:{self.n}\n")
        os.kill(os.getpid(), signal.SIGSTOP if self.action == "stop" else signal.SIGKILL)


def after(owner, name: str, point: Point, when=lambda result, *args, **kwargs: True) -> None:
    """Wrap ``owner.name`` so that each call whose result satisfies ``when`` counts."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        if when(result, *args, **kwargs):
            point.hit()
        return result

    setattr(owner, name, wrapped)


def before(owner, name: str, point: Point, when=lambda *args, **kwargs: True) -> None:
    """Wrap ``owner.name`` so that each call satisfying ``when`` counts before it runs."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapped(*args, **kwargs):
        if when(*args, **kwargs):
            point.hit()
        return original(*args, **kwargs)

    setattr(owner, name, wrapped)


def is_next_page(request) -> bool:
    return is_list_request(request) and request.cb_kwargs.get("page", 1) > 1


def install(point: Point) -> None:
    from newsbot.cluster import frontier as cluster_frontier
    from newsbot.cluster.claims import WriteClaimPipeline
    from newsbot.crawl.middlewares import politeness
    from newsbot.crawl.spiders import SiteSpider
    from newsbot.storage.state import redis as state_redis

    if point.name == "popped":
        after(cluster_frontier.Scheduler, "next_request", point, lambda result, *a, **k: result is not None)
    elif point.name == "list_received":
        original = SiteSpider.parse_list
        assert inspect.isasyncgenfunction(original)

        @functools.wraps(original)
        async def parse_list(self, response, **kwargs):
            point.hit()
            async for output in original(self, response, **kwargs):
                yield output

        SiteSpider.parse_list = parse_list
    elif point.name == "list_queued":
        after(state_redis.RedisStateStore, "queue", point, lambda result, store, entries, *a, **k: bool(entries))
    elif point.name == "list_fingerprinted":
        before(cluster_frontier.Scheduler, "enqueue_request", point, lambda scheduler, request: is_next_page(request))
    elif point.name == "list_pushed":
        after(cluster_frontier.Scheduler, "enqueue_request", point,
              lambda queued, scheduler, request: queued and is_next_page(request))
    elif point.name == "list_retry_wait":
        # (PoliteRetryMiddleware asks Scrapy's get_retry_request for the retry of a 503.)
        after(politeness, "get_retry_request", point,
              lambda retry, request, *a, **k: retry is not None and is_list_request(request))
    elif point.name == "write_claimed":
        after(WriteClaimPipeline, "process_item", point)
    elif point.name == "marked_written":
        after(state_redis.RedisStateStore, "mark_written", point)


def main(argv: list[str]) -> None:
    point = Point(argv[0])
    install(point)
    from scrapy.cmdline import execute

    execute(["scrapy", *argv[1:]])


if __name__ == "__main__":
    main(sys.argv[1:])
