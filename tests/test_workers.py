"""NEWSBOT_WORKERS: pages read and cleaned in worker processes give exactly what the crawl's
own process gives, and a drop raised in a worker is counted as in the process."""

import json

import pytest

from .conftest import FIXTURES, crawl
from .httpsite import Fault

pytestmark = pytest.mark.slow  # every test here starts a process


def outputs(output):
    files = {p.relative_to(output).as_posix(): p.read_bytes() for p in (output / "nankai").rglob("*.md")}
    records = {}
    for line in (output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.pop("crawled_at")
        records[record["urlname"]] = record
    return files, records


def test_workers_write_what_the_crawl_process_writes(tmp_path):
    done, report = crawl("nankai", tmp_path / "in-process", "-s", "NEWSBOT_WORKERS=0", replay=FIXTURES / "nankai")
    assert done.returncode == 0 and report["new"] == 27, done.stderr[-2000:]
    done, report = crawl("nankai", tmp_path / "workers", "-s", "NEWSBOT_WORKERS=2", replay=FIXTURES / "nankai")
    assert done.returncode == 0 and report["new"] == 27, done.stderr[-2000:]
    assert "reading and cleaning articles in 2 worker process(es)" in done.stderr
    assert outputs(tmp_path / "workers") == outputs(tmp_path / "in-process")


def test_a_drop_in_a_worker_is_counted_and_the_article_kept_for_a_retry(http_site, tmp_path):
    path = "/nkrw/system/2022/07/15/030052147.shtml"
    html = (http_site.root / "news.nankai.edu.cn" / path.lstrip("/")).read_text(encoding="utf-8")
    start = html.index('id="txt">') + len('id="txt">')
    http_site.pages[path] = (html[:start] + "</td></tr></table></body></html>").encode()
    http_site.faults["/ywsd/system/2022/06/30/030051796.shtml"] = Fault(status=500)
    done, report = crawl("nankai", tmp_path, "-s", "NEWSBOT_WORKERS=1", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["dropped"] == {"no_body": 1} and report["new"] == 25
    assert sorted(f["reason"] for f in report["failed"]) == ["dropped_no_body", "http_500"]


def test_workers_that_keep_dying_are_given_up_and_every_article_is_still_read(tmp_path):
    import asyncio

    from newsbot.crawl.workers import MAX_RESTARTS, Workers

    # Every worker dies at start (its sites file is missing): each pool breaks with a queue
    # of articles waiting on it. Each one is read here instead, and the pool is replaced
    # only MAX_RESTARTS times (a crawl once spun on restarts and hung).
    workers = Workers("1", sites_file=str(tmp_path / "missing.yaml"))

    async def read_all():
        together = await asyncio.gather(*(workers.run(pow, n, 2) for n in range(40)))
        return together + [await workers.run(pow, n, 2) for n in range(40, 50)]  # one after another

    try:
        assert asyncio.run(read_all()) == [n * n for n in range(50)]
    finally:
        workers.close()
    assert workers.restarts == MAX_RESTARTS + 1 and workers.executor is None and workers.processes == 0


def test_calls_sent_together_keep_their_own_results_and_exceptions():
    import asyncio

    import pytest

    from newsbot.crawl.workers import Workers, WorkerTraceback

    # 40 calls at once go to the one worker in batches; a call that raises fails alone,
    # with its own exception type and the worker's traceback as its cause.
    workers = Workers("1")
    submit, batches = workers.executor.submit, []
    workers.executor.submit = lambda function, calls: batches.append(len(calls)) or submit(function, calls)

    async def read_all():
        return await asyncio.gather(*(workers.run(int, text) for text in ["7", "x"] * 20), return_exceptions=True)

    try:
        results = asyncio.run(read_all())
    finally:
        workers.close()
    assert sum(batches) == 40 and len(batches) <= 6  # e.g. [1, 1, 16, 16, 6]: two alone, then the rest together
    assert results[0::2] == [7] * 20
    assert all(isinstance(error, ValueError) and "invalid literal" in str(error) for error in results[1::2])
    assert isinstance(results[1].__cause__, WorkerTraceback) and "ValueError" in str(results[1].__cause__)
    assert workers.restarts == 0
    with pytest.raises(ValueError):  # with no worker, the same call raises here
        asyncio.run(Workers("0").run(int, "x"))


def test_a_result_that_cannot_come_back_fails_its_batch_instead_of_hanging_it():
    import _thread
    import asyncio

    from newsbot.crawl.workers import Workers

    workers = Workers("1")

    async def read_both():
        calls = [workers.run(int, "5"), workers.run(_thread.allocate_lock)]  # a lock cannot be pickled back
        return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), timeout=60)

    try:
        first, lock = asyncio.run(read_both())
    finally:
        workers.close()
    assert first == 5 or isinstance(first, TypeError)  # sent alone, or in the lock's batch
    assert isinstance(lock, TypeError) and "pickle" in str(lock)
