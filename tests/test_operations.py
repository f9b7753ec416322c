"""Operated safely on a shared server (over real HTTP, tests/httpsite.py): readable file
modes, nothing listening and no job file, requests only to the site's hosts, robots.txt
obeyed by every request, Retry-After honoured, the User-Agent from NEWSBOT_CONTACT_URL."""

import json
import os
import stat
import subprocess
import threading
import time
import tomllib
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT, crawl, crawl_command
from .httpsite import Fault, HttpSite

pytestmark = pytest.mark.slow  # every test here starts a process

ARTICLE = "/nkrw/system/2023/03/08/030055318.shtml"  # listed on nkrw's first page


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(command, umask, **kwargs):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(umask), **kwargs)


@pytest.mark.parametrize("setting, umask, expected", [(None, 0o022, 0o644), ("0640", 0o022, 0o640),
                                                      (None, 0o027, 0o640)])
def test_files_and_reports_get_the_umasks_mode_or_newsbot_file_mode(http_site, tmp_path, setting, umask, expected):
    args = ["-a", "columns=nkrw"] + (["-s", f"NEWSBOT_FILE_MODE={setting}"] if setting else [])
    done = run(crawl_command("nankai", tmp_path, *args, site=http_site), umask)
    assert done.returncode == 0, done.stderr[-3000:]
    files = [*(tmp_path / "nankai" / "hexo").glob("*.md"), *(tmp_path / "reports").glob("*.json"),
             tmp_path / "feeds" / "nankai.jsonl", tmp_path / ".newsbot" / "state.sqlite"]
    assert len(files) > 5
    assert {oct(mode(path)) for path in files} == {oct(expected)}


def listening_ports(pid: int) -> set[int]:
    """TCP ports the process listens on (its socket inodes in /proc/net/tcp*, state LISTEN)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.parametrize("switched_on", [False, True], ids=["defaults", "scrapy-defaults"])
def test_nothing_listens_and_no_job_file_is_left(http_site, tmp_path, switched_on):
    # The crawl is held on an article request while the test looks at its sockets.
    gate = threading.Event()
    http_site.faults[ARTICLE] = Fault(block=gate)
    state_home = tmp_path / "state"
    env = {**os.environ, "XDG_STATE_HOME": str(state_home), "HOME": str(tmp_path / "home")}
    args = ["-a", "columns=nkrw"]
    if switched_on:  # Scrapy's own defaults: shows this test sees what it looks for
        args += ["-s", "TELNETCONSOLE_ENABLED=1", "-s", "REMOTE_CONTROL_ENABLED=1"]
    log = open(tmp_path / "crawl.log", "w")
    process = subprocess.Popen(crawl_command("nankai", tmp_path / "out", *args, site=http_site),
                               cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while ARTICLE not in http_site.held_paths():
            assert time.monotonic() < deadline and process.poll() is None, (tmp_path / "crawl.log").read_text()
            time.sleep(0.05)
        ports = listening_ports(process.pid)
        job_files = list(state_home.rglob("*.json"))
        gate.set()
        assert process.wait(timeout=60) == 0
    finally:
        gate.set()
        if process.poll() is None:
            process.kill()
    if switched_on:
        assert len(ports) == 2 and job_files  # the telnet console, the remote-control server
    else:
        assert ports == set() and job_files == [] and not state_home.exists()


@pytest.mark.parametrize("switched_on", [False, True], ids=["defaults", "remote-control-on"])
def test_a_crawl_and_its_workers_import_no_unused_server_or_redis_client(tmp_path, switched_on):
    """Start-up is paid on every scheduled run: a single-machine crawl, and the worker
    processes of a backfill, import neither the remote control's aiohttp, the telnet
    console's twisted.conch, nor redis and scrapy-redis (bench/README.md)."""
    args = ["-a", "backfill=1", "-s", "NEWSBOT_WORKERS=1"]
    if switched_on:  # Scrapy's remote control on: shows the test sees what it looks for
        args += ["-s", "REMOTE_CONTROL_ENABLED=1"]
    command = crawl_command("nankai", tmp_path / "out", *args, replay=FIXTURES / "nankai")
    command[1:1] = ["-X", "importtime"]  # every process started from it writes its imports
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "reading and cleaning articles in 1 worker process(es)" in done.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "newsbot.html.body" in imported and "lxml.etree" in imported
    unused = {name for name in imported if name.split(".")[0] in ("aiohttp", "redis", "scrapy_redis")
              or name.startswith("twisted.conch")}
    if switched_on:
        assert "aiohttp" in unused
    else:
        assert unused == set()


def test_a_redirect_to_another_host_is_not_followed_and_counts_as_an_error(http_site, tmp_path):
    with HttpSite(FIXTURES / "nankai") as elsewhere:
        http_site.faults[ARTICLE] = Fault(redirect=f"{elsewhere.base}/admin/secret.html")
        done, report = crawl("nankai", tmp_path, "-a", "columns=nkrw", site=http_site)
        assert elsewhere.paths() == []
    assert done.returncode == 0, done.stderr[-3000:]
    assert ARTICLE in http_site.paths()
    assert report["stats"]["newsbot/offsite"] == 1
    assert report["stats"]["newsbot/errors"] == 1
    assert f"not fetching {elsewhere.base}/admin/secret.html (from https://news.nankai.edu.cn{ARTICLE})" in done.stderr
    urls = [json.loads(line)["url"] for line in (tmp_path / "feeds" / "nankai.jsonl").read_text().splitlines()]
    assert len(urls) == 4 and not any(u.endswith(ARTICLE) for u in urls)  # nkrw lists 5


def test_robots_txt_disallow_is_obeyed_by_every_request(http_site, tmp_path):
    http_site.pages["/robots.txt"] = b"User-agent: *\nDisallow: /\n"
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert http_site.paths() == ["/robots.txt"], done.stderr[-3000:]
    assert report["stats"]["robotstxt/forbidden"] == 4  # the four columns' first pages
    assert not (tmp_path / "nankai").exists()


def test_retry_after_is_waited_for_before_the_retry_and_the_crawl_goes_on_meanwhile(http_site, tmp_path):
    http_site.faults["/nkrw/index.shtml"] = Fault(status=503, headers={"Retry-After": "2"}, times=1)
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    arrivals = [t for path, t in http_site.times if path == "/nkrw/index.shtml"]
    assert len(arrivals) == 2 and arrivals[1] - arrivals[0] >= 2.0
    # The wait holds up that request only: the other columns were read meanwhile.
    assert any(arrivals[0] < t < arrivals[1] for path, t in http_site.times if path != "/nkrw/index.shtml")
    assert report["new"] == 27


def test_a_retry_after_beyond_the_cap_gives_the_request_up_for_this_run(http_site, tmp_path):
    http_site.faults[ARTICLE] = Fault(status=429, headers={"Retry-After": "3600"})
    done, report = crawl("nankai", tmp_path, "-a", "columns=nkrw", "-s", "NEWSBOT_RETRY_AFTER_MAX=60",
                         site=http_site, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert http_site.paths().count(ARTICLE) == 1
    assert "asks to retry after 3600s, more than NEWSBOT_RETRY_AFTER_MAX=60s" in done.stderr
    assert report["stats"]["newsbot/errors/http_429"] == 1 and report["new"] == 4


def test_retries_back_off(http_site, tmp_path):
    http_site.faults[ARTICLE] = Fault(status=500)
    done, report = crawl("nankai", tmp_path, "-a", "columns=nkrw", "-s", "RETRY_TIMES=2",
                         "-s", "NEWSBOT_RETRY_BACKOFF=0.5", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    arrivals = [t for path, t in http_site.times if path == ARTICLE]
    assert len(arrivals) == 3
    assert arrivals[1] - arrivals[0] >= 0.5 and arrivals[2] - arrivals[1] >= 1.0


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
VERSION = PROJECT["version"]


@pytest.mark.parametrize("args, agent", [
    # Offline (a test server on this machine): no contact given, none made up (a live
    # crawl refuses to start without one: tests/test_blog.py).
    ((), f"newsbot/{VERSION}"),
    (("-s", "NEWSBOT_CONTACT_URL=https://ops.example.org/crawler"), f"newsbot/{VERSION} (+https://ops.example.org/crawler)"),
    (("-s", "NEWSBOT_CONTACT_URL=https://ops.example.org/crawler", "-s", "USER_AGENT=mybot/1"), "mybot/1"),
])
def test_the_user_agent_names_the_contact_url_given_at_run_time(http_site, tmp_path, args, agent):
    done, _ = crawl("nankai", tmp_path, "-a", "columns=nkrw", *args, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {ua for _, ua in http_site.requests} == {agent}
