"""Progress on long work (issue 19, point 10): a backfill logs a progress line every
NEWSBOT_PROGRESS_INTERVAL seconds (written, failed, queued, rate, ETA); on a terminal a
tqdm bar shows the same, and a log that is no terminal (cron) stays lines only."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from datetime import datetime, timedelta

import pytest

from newsbot.dates import SHANGHAI

from .conftest import ROOT, crawl_command
from .httpsite import Fault, Gate

pytestmark = pytest.mark.slow  # every test here starts a process

# Slow enough (a tenth of a second a request, one at a time) for several intervals to pass.
SLOW_BACKFILL = ("-a", "backfill=1", "-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=0",
                 "-s", "RANDOMIZE_DOWNLOAD_DELAY=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
LINE = re.compile(r"progress: (?P<written>\d+) written, (?P<failed>\d+) failed, (?P<queued>\d+) queued; "
                  r"(?P<rate>\d+\.\d) articles/min; (?P<eta>.*)$")
ETA = re.compile(r"about .+ left \(by (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \+08:00\)")


def backfill(output, site, *args):
    """A backfill of the fixture site served over HTTP (a replay answers before the delay)."""
    return crawl_command("nankai", output, *args, site=site) + list(SLOW_BACKFILL)


def progress_lines(log: str) -> list[dict]:
    return [m.groupdict() for m in map(LINE.search, log.splitlines()) if m]


def test_a_backfill_logs_progress_at_its_interval_with_rate_and_eta(http_site, tmp_path):
    done = subprocess.run(backfill(tmp_path, http_site, "-s", "NEWSBOT_PROGRESS_INTERVAL=0.25"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = progress_lines(done.stderr)
    # 38 requests at 0.1 s: about 4 s, so about 16 lines at 0.25 s (the interval is steady).
    assert len(lines) >= 8, done.stderr[-3000:]
    written = [int(line["written"]) for line in lines]
    assert written == sorted(written) and written[-1] <= 27 and max(int(line["queued"]) for line in lines) > 0
    assert all(int(line["written"]) + int(line["queued"]) <= 27 for line in lines)
    # Half-way: articles done and articles queued, so a rate and an end time in +08:00.
    estimates = [ETA.fullmatch(line["eta"]) for line in lines if int(line["written"]) and int(line["queued"])]
    assert estimates and all(estimates)
    now = datetime.now(SHANGHAI).replace(tzinfo=None)
    for estimate in estimates:
        assert now - timedelta(minutes=1) < datetime.fromisoformat(estimate.group(1)) < now + timedelta(minutes=1)
    assert all(float(line["rate"]) > 0 for line in lines if int(line["written"]))
    assert "\r" not in done.stderr and "articles |" not in done.stderr  # no terminal: no bar


def test_no_progress_lines_at_interval_0_and_a_bad_interval_stops_the_crawl(http_site, tmp_path):
    done = subprocess.run(backfill(tmp_path / "a", http_site, "-s", "NEWSBOT_PROGRESS_INTERVAL=0"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and progress_lines(done.stderr) == []
    done = subprocess.run(backfill(tmp_path / "b", http_site, "-s", "NEWSBOT_PROGRESS_INTERVAL=soon"), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "newsbot: -s NEWSBOT_PROGRESS_INTERVAL='soon' is not allowed: use a number of seconds, 0 or more"]
    assert not (tmp_path / "b").exists()


def run_on_a_terminal(command, timeout=120, watch=None) -> tuple[int, str]:
    """``command`` with a pseudo-terminal (120 columns) as its stdin, stdout and stderr;
    ``watch`` is called with the screen so far whenever more of it arrives."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(command, cwd=ROOT, stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's last user closed it
            break
        if not chunk:
            break
        out += chunk
        if watch is not None:
            watch(out.decode("utf-8", errors="replace"))
    os.close(leader)
    return process.wait(timeout=timeout), out.decode("utf-8", errors="replace")


BAR = re.compile(r"\r(\d+)/(\d+) articles \|[^|]*\| (\d+) written, (\d+) failed, (\d+) queued")


def test_on_a_terminal_a_progress_bar_shows_below_the_log(http_site, tmp_path):
    # The articles after the first ten wait until the bar has shown some written: the bar
    # is seen part-way, whatever the machine's pace (no timing to hope for).
    gate = Gate(let_through=10)
    site_root = http_site.root / "news.nankai.edu.cn"
    for page in site_root.rglob("*.shtml"):
        path = "/" + str(page.relative_to(site_root))
        if "/system/20" in path:
            http_site.faults[path] = Fault(block=gate)

    def release_when_part_way(screen: str) -> None:
        if not gate.event.is_set() and any(0 < int(bar[2]) < 27 for bar in BAR.findall(screen)):
            gate.set()

    command = backfill(tmp_path, http_site, "-s", "NEWSBOT_PROGRESS_INTERVAL=1", "-s", "DOWNLOAD_TIMEOUT=120")
    code, screen = run_on_a_terminal(command, watch=release_when_part_way)
    assert code == 0, screen[-3000:]
    bars = BAR.findall(screen)
    assert bars, screen[-3000:]
    assert bars[-1] == ("27", "27", "27", "0", "0")  # the bar's last state: the whole queue done
    assert gate.event.is_set() and any(0 < int(bar[2]) < 27 for bar in bars)  # it moved: part-way, then done
    # The log's lines are whole lines above the bar, not cut by it.
    summary = [line for line in screen.split("\n") if "run summary:" in line]
    assert len(summary) == 1 and summary[0].rstrip("\r").split("\r")[-1].startswith("20")
    assert progress_lines(screen.replace("\r", "\n"))
