"""Run a module with a memory probe in the crawl (``run.py --mem``), a measuring tool only:

    MEMTRACE_OUT=mem.json MEMTRACE_AT=2000,20000 python bench/crawl/memtrace.py -m scrapy crawl nankai ...

The probe is a Scrapy extension added to newsbot's EXTENSIONS. Every second it samples the
crawl process's RSS, the RSS of its descendants (the worker processes, newsbot/workers.py)
and the articles scraped so far; at each article count in ``MEMTRACE_AT`` it counts live
objects by type (``gc``) and, with ``MEMTRACE_TRACE=1``, takes a tracemalloc snapshot
(which slows the crawl several times). At the end it writes ``MEMTRACE_OUT`` (JSON): the
samples, the object counts, and the allocation sites that grew most between the first and
the last checkpoint.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import sys
import time
from collections import Counter
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


class MemProbe:
    def __init__(self, crawler):
        self.crawler = crawler
        self.out = Path(os.environ["MEMTRACE_OUT"])
        self.at = sorted(int(n) for n in os.environ.get("MEMTRACE_AT", "").split(",") if n)
        self.trace = os.environ.get("MEMTRACE_TRACE") == "1"
        self.items = 0
        self.samples: list[dict] = []
        self.checkpoints: list[dict] = []
        self.snapshots = []
        self.start = time.monotonic()
        if self.trace:
            import tracemalloc

            tracemalloc.start(int(os.environ.get("MEMTRACE_FRAMES", "8")))

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        from twisted.internet import task

        probe = cls(crawler)
        crawler.signals.connect(probe.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(probe.finish, signal=signals.engine_stopped)
        probe.loop = task.LoopingCall(probe.sample)
        probe.loop.start(1.0)
        return probe

    def sample(self) -> dict:
        me = os.getpid()
        children = {pid: rss_kb(pid) for pid in descendants(me)}
        row = {"t": round(time.monotonic() - self.start, 1), "items": self.items, "rss_kb": rss_kb(me),
               "children_kb": children}
        self.samples.append(row)
        return row

    def item_scraped(self, item, response, spider=None):
        self.items += 1
        if self.at and self.items == self.at[0]:
            self.at.pop(0)
            self.checkpoint()

    def checkpoint(self) -> None:
        gc.collect()
        row = self.sample()
        types = Counter(type(o).__qualname__ for o in gc.get_objects())
        self.checkpoints.append({**row, "objects": dict(types)})
        if self.trace:
            import tracemalloc

            self.snapshots.append(tracemalloc.take_snapshot().filter_traces((
                tracemalloc.Filter(False, tracemalloc.__file__),)))

    def finish(self):
        if self.loop.running:
            self.loop.stop()
        self.sample()
        report = {"samples": self.samples, "checkpoints": self.checkpoints}
        if len(self.checkpoints) >= 2:
            first, last = self.checkpoints[0]["objects"], self.checkpoints[-1]["objects"]
            report["object_growth"] = sorted(((k, last.get(k, 0) - first.get(k, 0)) for k in set(first) | set(last)),
                                             key=lambda kv: -kv[1])[:25]
        if len(self.snapshots) >= 2:
            stats = sorted(self.snapshots[-1].compare_to(self.snapshots[0], "traceback"), key=lambda s: -s.size_diff)
            report["top_growth"] = [{"kb": round(s.size_diff / 1024, 1), "count": s.count_diff,
                                     "where": [f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno}" for f in s.traceback]}
                                    for s in stats[:25]]
        self.out.write_text(json.dumps(report, indent=1), encoding="utf-8")


def summary(report: dict) -> dict:
    """The samples in a few figures (MB): the crawl process's peak, its RSS once a tenth of
    the run's articles were scraped and its peak after that (the growth per 1,000 articles
    between the two), and the peak of its descendants' RSS summed (the worker processes)."""
    samples = report["samples"]
    items = max((s["items"] for s in samples), default=0)
    later = [s for s in samples if s["items"] >= max(1, items // 10)]
    result = {"crawl_peak_mb": max((s["rss_kb"] for s in samples), default=0) / 1024,
              "workers_peak_mb": max((sum(s["children_kb"].values()) for s in samples), default=0) / 1024,
              "items": items}
    if later and items >= 100:
        start = later[0]
        result["crawl_at_tenth_mb"] = start["rss_kb"] / 1024
        result["crawl_after_mb"] = max(s["rss_kb"] for s in later) / 1024
        result["mb_per_1k"] = (result["crawl_after_mb"] - result["crawl_at_tenth_mb"]) / (items - start["items"]) * 1000 \
            if items > start["items"] else 0.0
    return result


if __name__ == "__main__":
    if sys.argv[1:2] != ["-m"] or len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import newsbot.settings

    newsbot.settings.EXTENSIONS = {**newsbot.settings.EXTENSIONS, "memtrace.MemProbe": 900}
    sys.argv = [sys.argv[2], *sys.argv[3:]]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
