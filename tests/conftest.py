"""The suite's shared helpers and its markers.

Helpers: ``crawl``/``crawl_command`` (``scrapy crawl`` as a process, over the replay fixtures
or ``http_site``), ``newsbot`` (the ``newsbot`` command as a process), ``feed_records`` (a
crawl's JSONL feed), ``eventually`` (wait for a condition, never a fixed time), and the
session's in-process crawls (``in_process_crawls``, ``nankai_crawl``): every spider's replay
fixtures crawled by Scrapy's ``CrawlerRunner`` in the test process, for the tests that only
read a crawl's output. A crawl runs as a process of its own only where the process is the
subject: exit codes, signals and kills, several workers, the command line.

Markers (registered in ``pyproject.toml``, which runs pytest with ``--strict-markers``, on
every core with pytest-xdist):

- ``slow``: the test starts a process (``scrapy crawl``, ``newsbot``, scrapyd, a blog build,
  a browser, a worker pool), or takes more than about a second in-process (hypothesis runs
  over many inputs). ``pytest -m "not slow"`` is the fast subset: every module of newsbot
  runs in it (``tests/fast_subset_coverage.py`` shows it, ``tests/test_fast_subset.py``
  checks it), in well under a minute. Marked in each test module (``pytestmark`` when the
  whole module is, ``@pytest.mark.slow`` on a test otherwise), except the modules listed in
  ``MARKED_HERE``. **Checked**: a test not marked ``slow`` that starts a process fails,
  saying so (``_no_process_unless_slow``); the one process a fast test may start is a
  ``redis-server`` (``tests/redisserver.py``: once a session, in a tenth of a second).
- ``redis``: needs a real ``redis-server``: every test on a fixture of ``REDIS_FIXTURES``
  (marked here, by the fixture), and those that start a ``RedisServer`` of their own (marked
  in their module).
- ``browser``: needs Chromium (the status page rendered headless).
- ``npm``: the real Hexo blog (``npm ci`` from the npm registry, ``tests/blogsite.py``).
- ``jekyll``: the real Jekyll blog (Debian's ``jekyll``).

Without the program, a ``redis``/``browser``/``npm``/``jekyll`` test skips, saying so;
``-m "not redis"`` and so on leave them out altogether.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEEDS = ROOT.parent / "shared" / "seeds"


def crawl_command(spider: str, output: Path, *args: str, replay: Path | None = None, site=None) -> list[str]:
    """The ``scrapy crawl`` command line; ``site``: an ``HttpSite`` to download from
    (NEWSBOT_HOST_MAP), with the politeness delays off so tests stay fast."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"NEWSBOT_OUTPUT_DIR={output}",
               "-s", "LOG_LEVEL=INFO"]
    if replay is not None:
        command += ["-s", f"NEWSBOT_REPLAY_DIR={replay}"]
    if site is not None:
        command += ["-s", "NEWSBOT_HOST_MAP=" + json.dumps({"news.nankai.edu.cn": site.base}),
                    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0",
                    "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_TIMEOUT=5"]
    return command + list(args)  # last: a test's own -s wins


def crawl(spider: str, output: Path, *args: str, replay: Path | None = None, site=None, timeout: int = 120):
    """Run ``scrapy crawl`` as a user would; return (completed process, run report)."""
    command = crawl_command(spider, output, *args, replay=replay, site=site)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    report_path = output / "reports" / f"{spider}-latest.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else None
    return done, report


def newsbot(*args, timeout: float = 120, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """The ``newsbot`` command as a user runs it (a process of its own): its exit code, stdout
    and stderr."""
    return subprocess.run([sys.executable, "-m", "newsbot.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def feed_records(output: Path, spider: str = "nankai") -> list[dict]:
    """The records of a crawl's JSONL feed (``{output}/feeds/{spider}.jsonl``), in order."""
    lines = (output / "feeds" / f"{spider}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def eventually(condition, timeout: float = 30, every: float = 0.02):
    """``condition()``'s first true value, polled every ``every`` seconds: a test waits for
    what it needs (a lease run out, a file written), never a fixed time that is too long
    on an idle machine and too short on a loaded one. Fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{getattr(condition, '__name__', condition)} not true within {timeout} s"
        time.sleep(every)
    return value


# Every spider's replay fixtures, crawled in this process, then crawled again over a copy of
# the output (the second run finds nothing new); and nankai's by a cluster worker on a
# redis-server of its own (when one is installed): the crawl's whole stack (addon, spiders,
# middlewares, pipelines, extensions, the cluster's frontier, claims and in-flight record)
# for the fast subset. Crawls that must be a process of their own (exit codes, kills, two
# workers at once, scrapy's command line) stay subprocesses (``crawl``).
IN_PROCESS_CRAWLS = {
    "nankai": ("nankai", {}),
    "eastmoney": ("eastmoney", {}),
    "bistu": ("bistu", {}),
    "campus": ("campus", {"site": "tju,ecnu,bjtu"}),
}
CLUSTER_WORKER = "w1"  # the in-process cluster crawl's worker name


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WITH_ATTACHMENT = "/zhxw/system/2023/03/28/030055567.shtml"  # an article given a PDF to attach


def jpeg(tag: str) -> bytes:
    """Bytes a browser (and newsbot) takes for a JPEG, different for each tag."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + tag.encode() + b"\xff\xd9"


@contextlib.contextmanager
def files_site():
    """The nankai fixture site over HTTP, answering each article image with JPEG bytes of its
    own and one article with an attachment paragraph and its PDF."""
    import re

    from .httpsite import HttpSite

    root = FIXTURES / "nankai" / "news.nankai.edu.cn"
    with HttpSite(FIXTURES / "nankai") as site:
        for page in root.glob("*/system/**/*.shtml"):
            for path in re.findall(rb'src="http://news\.nankai\.edu\.cn(/pic/[^"]+)"', page.read_bytes()):
                site.pages[path.decode()] = jpeg(path.decode())
        page = (root / WITH_ATTACHMENT.lstrip("/")).read_bytes()
        site.pages[WITH_ATTACHMENT] = page.replace(b'id="txt">', 'id="txt"><p>附件：<a href="/upload/notice.pdf">通知.pdf</a></p>'.encode(), 1)
        site.pages["/upload/notice.pdf"] = PDF
        yield site


@dataclass(frozen=True)
class InProcessCrawl:
    output: Path  # after the first run
    report: dict  # the first run's
    rerun_output: Path | None = None  # a copy of output, then run again
    rerun_report: dict | None = None


@pytest.fixture(scope="session")
def in_process_crawls(tmp_path_factory) -> dict[str, InProcessCrawl]:
    """The crawls of ``IN_PROCESS_CRAWLS`` (and their reruns), ``"nankai-files"`` (``files_site``
    with local images and attachments) and ``"nankai-cluster"`` (absent without
    redis-server), by Scrapy's ``CrawlerRunner`` in this process, with the project's
    settings and reactor (asyncio). Twisted's reactor runs once in a process: this fixture
    is the suite's one run of it, so an in-process crawl a test needs goes in here.
    Extraction in the crawl's process (``NEWSBOT_WORKERS=0``: no worker pool)."""
    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.reactor import install_reactor, is_asyncio_reactor_installed
    from twisted.internet import defer

    from .redisserver import RedisServer

    # get_project_settings() sets SCRAPY_SETTINGS_MODULE in os.environ: the processes later
    # tests start (a bare Scrapy spider outside the project, say) must not inherit it.
    environment = os.environ.copy()
    try:
        settings = get_project_settings()
    finally:
        os.environ.clear()
        os.environ.update(environment)
    install_reactor(settings["TWISTED_REACTOR"])
    if not is_asyncio_reactor_installed():
        pytest.fail("a test imported Twisted's default reactor before this fixture could install newsbot's")
    from twisted.internet import reactor

    def run(spider: str, output: Path, replay: bool = True, **extra):
        fixtures, arguments = IN_PROCESS_CRAWLS[spider]
        run_settings = settings.copy()
        run_settings.setdict({"NEWSBOT_OUTPUT_DIR": str(output), "NEWSBOT_WORKERS": 0, **extra}, priority="cmdline")
        if replay:
            run_settings.set("NEWSBOT_REPLAY_DIR", str(FIXTURES / fixtures), priority="cmdline")
        return CrawlerRunner(run_settings).crawl(spider, **arguments)

    def report(output: Path, name: str) -> dict:
        return json.loads((output / "reports" / f"{name}-latest.json").read_text(encoding="utf-8"))

    done: dict[str, InProcessCrawl] = {}
    errors = []

    @defer.inlineCallbacks
    def crawl_all(redis: RedisServer | None):
        try:
            for spider in IN_PROCESS_CRAWLS:
                output = tmp_path_factory.mktemp(f"in-process-{spider}")
                yield run(spider, output)
                rerun = tmp_path_factory.mktemp(f"in-process-{spider}-rerun")
                shutil.copytree(output, rerun, dirs_exist_ok=True)
                yield run(spider, rerun)
                done[spider] = InProcessCrawl(output, report(output, spider), rerun, report(rerun, spider))
            # Over HTTP (the test site in a thread), with local images and attachments: the
            # host map, the files pipelines, robots.txt and the downloads' own politeness.
            output = tmp_path_factory.mktemp("in-process-nankai-files")
            yield run("nankai", output, replay=False, NEWSBOT_IMAGES="local", NEWSBOT_ATTACHMENTS="local",
                      NEWSBOT_HOST_MAP=json.dumps({"news.nankai.edu.cn": site.base}), DOWNLOAD_DELAY=0,
                      AUTOTHROTTLE_ENABLED=False, RETRY_TIMES=1, DOWNLOAD_TIMEOUT=5)
            done["nankai-files"] = InProcessCrawl(output, report(output, "nankai"))
            if redis is not None:
                output = tmp_path_factory.mktemp("in-process-nankai-cluster")
                # DOWNLOAD_DELAY: the fleet's per-host interval (reserved in Redis, also for a replay)
                yield run("nankai", output, NEWSBOT_CLUSTER=redis.url, NEWSBOT_CLUSTER_WORKER=CLUSTER_WORKER,
                          DOWNLOAD_DELAY=0.01)
                done["nankai-cluster"] = InProcessCrawl(output, report(output, f"nankai.{CLUSTER_WORKER}"))
        except Exception as error:  # noqa: BLE001 (raised below, once the reactor has stopped)
            errors.append(error)
        finally:
            reactor.stop()

    with contextlib.ExitStack() as stack:
        site = stack.enter_context(files_site())
        redis = None
        if shutil.which("redis-server"):
            redis = stack.enter_context(RedisServer(tmp_path_factory.mktemp("in-process-redis")))
        reactor.callWhenRunning(crawl_all, redis)
        reactor.run(installSignalHandlers=False)
    if errors:
        raise errors[0]
    return done


@pytest.fixture(scope="session")
def nankai_crawl(in_process_crawls):
    """One replayed crawl of the nankai fixtures (output, report), shared by the tests that
    only read it."""
    crawl = in_process_crawls["nankai"]
    return crawl.output, crawl.report


@pytest.fixture
def http_site(tmp_path):
    """The nankai fixture site served over real HTTP on 127.0.0.1 (``tests/httpsite.py``)."""
    from .httpsite import HttpSite

    with HttpSite(FIXTURES / "nankai") as site:
        yield site


# --- markers ---------------------------------------------------------------------------------
# the session's server (tests/redisserver.py) and the locked ones tests/test_fleet_security.py starts
REDIS_FIXTURES = {"redis_server", "redis_url", "tls_server", "locked_server"}
# Modules another part of the project owns (the README's and docs' own tests): marked here,
# by the same rules, rather than in the module. Values: a function of the item's name.
# test_readme.py's tests that run the docs' commands as written (the others read the pages).
README_RUNS = {"test_the_quick_start_demo_works_as_written", "test_the_live_crawls_work_as_written",
               "test_a_live_crawl_without_the_identity_settings_refuses_in_one_line",
               "test_the_operator_commands_work_as_written",
               "test_the_crontab_line_and_the_systemd_service_run_as_written"}
MARKED_HERE = {
    "test_readme.py": lambda name: ["slow"] if name.split("[")[0] in README_RUNS else [],
    "test_readme_fleet.py": lambda name: ["slow", "redis"],
    "test_blog.py": lambda name: ["slow"] + [mark for word, mark in (("hexo", "npm"), ("jekyll", "jekyll"))
                                             if word in name],
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for mark in MARKED_HERE.get(item.path.name, lambda name: [])(item.name):
            item.add_marker(mark)
        if REDIS_FIXTURES & set(item.fixturenames):
            item.add_marker("redis")


# --- the check that keeps ``slow`` true ---------------------------------------------------------
class StartedAProcess(AssertionError):
    pass


_fast_test: list[str] = []  # the node id of the running test while it is not marked slow
_ALLOWED = {"redis-server"}  # the session's server (tests/redisserver.py), started once


def _check_process(command) -> None:
    if not _fast_test:
        return
    words = [command] if isinstance(command, (str, bytes, os.PathLike)) else list(command)
    if words and os.path.basename(os.fsdecode(words[0])) in _ALLOWED:
        return
    raise StartedAProcess(f"{_fast_test[0]} starts a process ({' '.join(map(os.fsdecode, words))[:200]}) "
                          f"and is not marked slow: mark it @pytest.mark.slow (tests/conftest.py)")


_execute_child = subprocess.Popen._execute_child
_spawnv_passfds = multiprocessing.util.spawnv_passfds


def _guarded_execute_child(self, args, *rest, **kwargs):
    _check_process(args)
    return _execute_child(self, args, *rest, **kwargs)


def _guarded_spawnv_passfds(path, args, passfds):
    _check_process(args)
    return _spawnv_passfds(path, args, passfds)


subprocess.Popen._execute_child = _guarded_execute_child
multiprocessing.util.spawnv_passfds = _guarded_spawnv_passfds


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    with _no_process_unless_slow(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with _no_process_unless_slow(item):
        return (yield)


class _no_process_unless_slow:
    """While a test not marked slow sets up and runs, starting a process fails it."""

    def __init__(self, item):
        self.fast = item.get_closest_marker("slow") is None
        self.nodeid = item.nodeid

    def __enter__(self):
        if self.fast:
            _fast_test.append(self.nodeid)

    def __exit__(self, *exc):
        _fast_test.clear()
