"""Shared test helpers: real ``scrapy crawl`` runs in subprocesses over replay fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
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


@pytest.fixture(scope="session")
def nankai_crawl(tmp_path_factory):
    """One replayed crawl of the nankai fixtures, shared by the tests that only read it."""
    output = tmp_path_factory.mktemp("nankai-output")
    done, report = crawl("nankai", output, replay=FIXTURES / "nankai")
    assert done.returncode == 0, done.stderr[-3000:]
    return output, report


@pytest.fixture
def http_site(tmp_path):
    """The nankai fixture site served over real HTTP on 127.0.0.1 (``tests/httpsite.py``)."""
    from .httpsite import HttpSite

    with HttpSite(FIXTURES / "nankai") as site:
        yield site
