"""Deploying to scrapyd as an operator does (README, "Running on several machines"): ``scrapyd-deploy`` to a scrapyd
started on 127.0.0.1, jobs scheduled through its HTTP API, articles written, and the job's
exit status (scrapyd keeps none) read back with ``newsbot status``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT
from .redisserver import free_port

BIN = Path(sys.executable).parent
ARTICLES = 27


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A scrapyd on a random 127.0.0.1 port with the project deployed by scrapyd-deploy."""
    if not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists():
        pytest.skip("scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\nmax_proc = 2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n")
    server = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, stdout=open(home / "scrapyd.log", "w"),
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("scrapyd did not start: " + (home / "scrapyd.log").read_text()[-2000:])
                time.sleep(0.2)
        # Deploy a copy of the project as an operator's checkout would be.
        project = home / "project"
        shutil.copytree(ROOT / "newsbot", project / "newsbot", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "setup.py", "README.md"):
            shutil.copy(ROOT / name, project / name)
        (project / "scrapy.cfg").write_text(
            (ROOT / "scrapy.cfg").read_text() + f"\n[deploy:test]\nurl = {base}/\nproject = newsbot\n")
        done = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", "1"], cwd=project,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert api(base, "listprojects.json")["projects"] == ["newsbot"]
        yield base, home
    finally:
        server.terminate()
        server.wait(30)


def run_job(base: str, home: Path, *settings: str, timeout: float = 180) -> str:
    job = api(base, "schedule.json", [("project", "newsbot"), ("spider", "nankai"),
                                      *(("setting", s) for s in settings)])
    assert job["status"] == "ok", job
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = api(base, "listjobs.json?project=newsbot")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            return job["jobid"]
        time.sleep(0.5)
    log = next((home / "logs").rglob(f"{job['jobid']}.log"), None)
    pytest.fail("the job did not finish: " + (log.read_text()[-3000:] if log else "no log"))


def status(output: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "newsbot"), "status", "--output", str(output), "--spider", "nankai"],
                          capture_output=True, text=True, timeout=60)


def test_the_deployed_egg_carries_the_sites_file_and_runs_from_the_zip(scrapyd):
    _, home = scrapyd
    [egg] = (home / "eggs" / "newsbot").glob("*.egg")
    lua = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "newsbot").rglob("*.lua"))
    assert len(lua) >= 19  # the state's scripts and the cluster's
    with zipfile.ZipFile(egg) as archive:
        assert "newsbot/sites/campus.yaml" in archive.namelist()
        assert set(lua) <= set(archive.namelist())  # Redis's Lua scripts are package data
        assert "settings = newsbot.settings" in archive.read("EGG-INFO/entry_points.txt").decode()
    # Imported from the zipped egg alone (not this checkout), the campus sites load, and so
    # do the Lua scripts (importlib.resources reads them from the zip).
    code = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
            f"sys.path.insert(0, {str(egg)!r}); import newsbot.sites as s; assert s.__file__.startswith({str(egg)!r}); "
            "from newsbot.storage.lua import lua_script; from newsbot.storage.state.redis import SCRIPTS; "
            "assert 'local function unpend' in lua_script('newsbot.storage.state', 'fail'); "
            "assert all(lua_script('newsbot.storage.state', name) for name in SCRIPTS); "
            "assert all(lua_script('newsbot.cluster', name) for name in ('pop', 'push', 'recover', 'reserve')); "
            "print(sorted(site.name for site in s.all_sites() if site.campus))")
    done = subprocess.run([sys.executable, "-c", code], cwd=home, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(eval(done.stdout)) >= 2


def test_a_scheduled_job_writes_the_articles_and_newsbot_status_reports_it(scrapyd, tmp_path):
    base, home = scrapyd
    output = tmp_path / "out"
    run_job(base, home, f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}", f"NEWSBOT_OUTPUT_DIR={output}")
    assert len(list((output / "nankai" / "hexo").rglob("*.md"))) == ARTICLES
    assert len((output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines()) == ARTICLES
    done = status(output)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("nankai: exit 0 (finished, ") and f"): {ARTICLES} new" in done.stdout


def test_an_alarm_in_a_scrapyd_job_is_a_non_zero_newsbot_status(scrapyd, http_site, tmp_path):
    base, home = scrapyd
    http_site.pages["/zhxw/index.shtml"] = "<html><body><p>新版网站</p></body></html>".encode()
    output = tmp_path / "out"
    run_job(base, home, f"NEWSBOT_OUTPUT_DIR={output}",
            "NEWSBOT_HOST_MAP=" + json.dumps({"news.nankai.edu.cn": http_site.base}), "DOWNLOAD_DELAY=0")
    done = status(output)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "ALARM: column nankai/综合新闻 lists no articles on its first page" in done.stderr
