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


def crawl(spider: str, output: Path, *args: str, replay: Path | None = None, timeout: int = 120):
    """Run ``scrapy crawl`` as a user would; return (completed process, run report)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", f"NEWSBOT_OUTPUT_DIR={output}",
               "-s", "LOG_LEVEL=INFO", *args]
    if replay is not None:
        command += ["-s", f"NEWSBOT_REPLAY_DIR={replay}"]
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
