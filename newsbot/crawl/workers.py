"""Reading and cleaning article pages in worker processes, on the cores a crawl leaves idle.

Scrapy runs a crawl on one core. Reading a page and turning its body into Markdown, text and
clean HTML, both in ``newsbot.extract.read_page``, are pure CPU, one article at a time, and cost more than all of Scrapy's own
work per page: in a backfill they are what keeps newsbot from the speed of a bare spider.
With workers they run in other processes while the crawl's process downloads, dedupes and
writes.

``NEWSBOT_WORKERS``: ``0``, everything in the crawl's process; ``N``, N worker processes;
``auto`` (the default), one per core beyond the first, started only when a run has more
than a chunk of articles to fetch (a backfill), so the usual small run does not pay their
start-up. The results are the same either way (tests/test_workers.py); a worker that dies
is replaced and its articles read in the crawl's own process, and workers that keep dying
(``MAX_RESTARTS``) are given up for the rest of the run.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import threading
import time
import traceback
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


logger = logging.getLogger(__name__)

MAX_RESTARTS = 3  # worker pools that may die in one run before the crawl reads pages itself
MAX_BATCH = 16  # calls sent to a worker at once

PR_SET_PDEATHSIG = 1  # prctl(2), Linux


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux's parent-death
    signal), and exit now if it died already. A worker blocks reading a pipe it holds both
    ends of, so without this it would outlive a SIGKILLed crawl for good."""
    import ctypes
    import signal

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        watch_parent(parent)
        return
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def watch_parent(parent: int, every: float = 0.5) -> None:
    """A daemon thread that ends this process once ``parent`` is no longer its parent.
    (The forkserver's parent-death signal would follow the crawl's *thread* that started it,
    which ends at once: it needs this instead.)"""

    def watch():
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="newsbot-watch-parent").start()


def _start_worker(sites_file: str | None) -> None:
    die_with_parent()
    if sites_file:
        from newsbot.sites import load_sites_file

        load_sites_file(sites_file)


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker, as its ``__cause__``."""


def run_calls(calls) -> list[tuple]:
    """In a worker: (result, None, None) or (None, exception, traceback text) per call, so
    one page's exception does not fail the others of its batch."""
    results = []
    for function, args in calls:
        try:
            results.append((function(*args), None, None))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, as if raised there
            text = "".join(traceback.format_exception(exc))
            try:
                pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that cannot travel: its name and text can
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            results.append((None, exc, text))
    return results


def _run_here(calls) -> None:
    """Calls whose worker died, or with no workers left: run in this process."""
    for function, args, future in calls:
        if future.done():
            continue
        try:
            future.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller
            future.set_exception(exc)


def worker_count(setting) -> int | None:
    """``NEWSBOT_WORKERS`` as a number of processes; None for ``auto``."""
    if setting in (None, "", "auto"):
        return None
    return int(setting)


class Workers:
    def __init__(self, setting, sites_file: str | None = None):
        count = worker_count(setting)
        self.auto = count is None
        self.processes = max(0, (os.cpu_count() or 1) - 1) if count is None else count
        self.sites_file = sites_file
        self.executor: ProcessPoolExecutor | None = None
        self.restarts = 0
        self.waiting: list = []  # (function, args, future) not yet sent to a worker
        self.batches_out = 0  # sent, not yet answered
        self.started = threading.Event()  # the pool's processes are spawned (start())
        self.loop: asyncio.AbstractEventLoop | None = None  # the crawl's, once a call came
        if not self.auto:
            self.start()

    def start(self) -> None:
        """Start the workers (once); without spare cores, or with 0, nothing happens."""
        if self.executor is not None or self.processes <= 0:
            return
        context = multiprocessing.get_context("forkserver")  # not a fork of the running reactor
        # The guard first: it ends the forkserver when the crawl is gone (a SIGKILL too).
        context.set_forkserver_preload(["newsbot.crawl.forkserver_guard", "newsbot.crawl.workers", "newsbot.extract"])
        self.executor = ProcessPoolExecutor(self.processes, mp_context=context,
                                            initializer=_start_worker, initargs=(self.sites_file,))
        # The pool spawns its processes in submit(), which waits for the forkserver to
        # start and import newsbot (a quarter of a second): that wait is in a thread, so
        # the crawl downloads meanwhile; calls made before it ends wait for it (_send).
        self.started.clear()
        threading.Thread(target=self._spawn, args=(self.executor.submit,), daemon=True,
                         name="newsbot-workers-start").start()
        logger.info("reading and cleaning articles in %d worker process(es)", self.processes)

    def _spawn(self, submit) -> None:
        """In a thread: one no-op per process, so the pool spawns them all now."""
        try:
            for _ in range(self.processes):
                submit(os.getpid)
        except (BrokenProcessPool, RuntimeError):  # dead or shut down already: _send finds out
            pass
        finally:
            self.started.set()
            loop = self.loop
            if loop is not None:
                try:
                    loop.call_soon_threadsafe(self._send)
                except RuntimeError:  # the loop is closed: the crawl is over
                    pass

    def big_run(self) -> None:
        """A run with many articles to fetch: start the workers if ``auto``."""
        if self.auto:
            self.start()

    async def run(self, function, *args):
        """``function(*args)`` in a worker, or here when there are none (or they died).

        Calls are sent in batches: while a worker is busy, the calls that arrive wait and
        go together in the next batch, so a loaded crawl pays the pickling threads' wake-ups
        (which take the GIL from the crawl's thread) once per batch, not per article; an
        idle one sends each call at once."""
        if self.executor is None:
            return function(*args)
        self.loop = asyncio.get_running_loop()
        future = self.loop.create_future()
        self.waiting.append((function, args, future))
        self._send()
        return await future

    def _send(self) -> None:
        if self.executor is not None and not self.started.is_set():
            return  # _spawn sends them once the processes are there
        while self.waiting and self.batches_out < max(1, self.processes) * 2:
            calls, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            executor = self.executor
            if executor is None:
                _run_here(calls)
                continue
            try:
                done = executor.submit(run_calls, [(function, args) for function, args, _ in calls])
            except (BrokenProcessPool, RuntimeError):  # broken, or shut down by another batch
                self._replace(executor)
                _run_here(calls)
                continue
            self.batches_out += 1
            loop = asyncio.get_running_loop()

            def deliver_soon(done, calls=calls, executor=executor):  # in the pool's thread
                try:
                    loop.call_soon_threadsafe(self._deliver, calls, done, executor)
                except RuntimeError:  # the loop is closed: the crawl is over
                    pass

            done.add_done_callback(deliver_soon)

    def _deliver(self, calls, done, executor) -> None:
        self.batches_out -= 1
        try:
            results = done.result()
        except (BrokenProcessPool, CancelledError):
            self._replace(executor)
            _run_here(calls)
        except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be pickled back
            for _, _, future in calls:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, _, future), (value, error, remote_traceback) in zip(calls, results):
                if future.done():  # its article was cancelled meanwhile
                    continue
                if error is None:
                    future.set_result(value)
                else:
                    error.__cause__ = WorkerTraceback(remote_traceback)
                    future.set_exception(error)
        self._send()

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A worker died: every article waiting on its pool fails with it (or is cancelled
        here); each is read in this process, and the pool is replaced once."""
        if broken is not self.executor:
            return  # already replaced, for another article of the same pool
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = None
        self.restarts += 1
        if self.restarts > MAX_RESTARTS:
            logger.error("worker processes died %d times; reading articles in the crawl's process for the "
                         "rest of the run", self.restarts)
            self.processes = 0
            return
        logger.warning("a worker process died; starting new ones and reading its articles here")
        self.start()

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    @classmethod
    def for_crawler(cls, crawler) -> "Workers":
        """One set of workers per crawl, shared by the spider and the pipelines."""
        workers = getattr(crawler, "_newsbot_workers", None)
        if workers is None:
            settings = crawler.settings
            workers = cls(settings.get("NEWSBOT_WORKERS", "auto"), settings.get("NEWSBOT_SITES_FILE"))
            crawler._newsbot_workers = workers
            from scrapy import signals

            crawler.signals.connect(workers.close, signal=signals.engine_stopped)
        return workers
