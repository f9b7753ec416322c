"""Deploying to scrapyd as an operator does (docs/cluster.md, "Running on several machines"): ``scrapyd-deploy`` to a scrapyd
started on 127.0.0.1 with a username and password (the recipe's), jobs scheduled through its
HTTP API, articles written, and the job's exit status (scrapyd keeps none) read back with
``newsbot status``. Without the credentials scrapyd refuses to deploy or schedule anything."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT
from .redisserver import NEWSBOT_PASSWORD, free_port, redis_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow  # every test here starts a process

BIN = Path(sys.executable).parent
ARTICLES = 27
USER, PASSWORD = "deployer", "Scr4pyd-Wm2-secret"  # scrapyd's HTTP basic authentication


def api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None,
        auth: tuple[str, str] | None = (USER, PASSWORD), files: dict[str, bytes] | None = None) -> dict:
    """A call to scrapyd's JSON API, authenticated as the operator unless ``auth=None``;
    ``files``: multipart uploads (addversion.json's egg)."""
    headers = {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    if files:
        boundary = "newsbot-test-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in data or ()]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{k}.egg"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode() + v + b"\r\n" for k, v in files.items()]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    else:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(f"{base}/{endpoint}", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def refused(base: str, endpoint: str, **kwargs) -> int:
    """The HTTP status scrapyd answers a call with (401: not authenticated)."""
    try:
        api(base, endpoint, **kwargs)
    except urllib.error.HTTPError as error:
        return error.code
    return 200


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory):
    """A scrapyd on a random 127.0.0.1 port, bound to it and with a username and password
    (its config file is the operator's, mode 0600), with the project deployed by
    scrapyd-deploy, which reads the credentials from scrapy.cfg: the password from the
    environment (``${SCRAPYD_PASSWORD}``), so the checkout's scrapy.cfg holds none."""
    if not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists():
        pytest.skip("scrapyd and scrapyd-client are not installed (pip install -e '.[test]')")
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\nusername = {USER}\npassword = {PASSWORD}\n"
        f"poll_interval = 0.5\nmax_proc = 2\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\ndbs_dir = {home / 'dbs'}\n")
    (home / "scrapyd.conf").chmod(0o600)
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
            (ROOT / "scrapy.cfg").read_text()
            + f"\n[deploy:test]\nurl = {base}/\nproject = newsbot\nusername = {USER}\npassword = ${{SCRAPYD_PASSWORD}}\n")
        assert PASSWORD not in (project / "scrapy.cfg").read_text()
        without = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", "0"], cwd=project,
                                 capture_output=True, text=True, timeout=300,
                                 env={k: v for k, v in os.environ.items() if k != "SCRAPYD_PASSWORD"})
        assert without.returncode == 1 and "Deploy failed (401)" in without.stderr, without.stdout + without.stderr
        done = subprocess.run([str(BIN / "scrapyd-deploy"), "test", "--version", "1"], cwd=project,
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "SCRAPYD_PASSWORD": PASSWORD})
        assert done.returncode == 0, done.stdout + done.stderr
        assert api(base, "listprojects.json")["projects"] == ["newsbot"]
        assert api(base, "listversions.json?project=newsbot")["versions"] == ["1"]  # not the refused "0"
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


def status(output: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "newsbot"), "status", "--output", str(output), "--spider", "nankai", *args],
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


def test_scrapyd_refuses_to_deploy_or_schedule_without_the_credentials(scrapyd):
    base, home = scrapyd
    [egg] = (home / "eggs" / "newsbot").glob("*.egg")
    upload = {"data": [("project", "newsbot"), ("version", "2")], "files": {"egg": egg.read_bytes()}}
    schedule = {"data": [("project", "newsbot"), ("spider", "nankai")]}
    for auth in (None, (USER, "guess"), ("admin", PASSWORD)):
        assert refused(base, "addversion.json", auth=auth, **upload) == 401
        assert refused(base, "schedule.json", auth=auth, **schedule) == 401
        assert refused(base, "listjobs.json?project=newsbot", auth=auth) == 401
    assert api(base, "listversions.json?project=newsbot")["versions"] == ["1"]  # nothing was deployed
    assert api(base, "listjobs.json?project=newsbot")["pending"] == []  # nor scheduled
    # With them, an egg is deployed (and removed again: the other tests run version 1).
    assert api(base, "addversion.json", **upload)["status"] == "ok"
    assert api(base, "listversions.json?project=newsbot")["versions"] == ["1", "2"]
    assert api(base, "delversion.json", [("project", "newsbot"), ("version", "2")])["status"] == "ok"


# A replay has no site to be polite to: without this the fleet's per-host interval (the
# default DOWNLOAD_DELAY, 1 s, kept in Redis) paces each job's 38 requests.
REPLAY_PACE = ("DOWNLOAD_DELAY=0",)


def test_a_cluster_job_writes_its_redis_password_nowhere(scrapyd, redis_server, tmp_path):
    from .test_fleet_security import files_with

    base, home = scrapyd
    redis_server.flush()
    # The recipe: the password in a file only the worker's user reads, named by a setting;
    # the URL (in scrapyd's own log, its job list and `ps`) carries none.
    password_file = tmp_path / "redis-password"
    password_file.write_text(NEWSBOT_PASSWORD + "\n")
    password_file.chmod(0o600)
    output = tmp_path / "out"
    run_job(base, home, f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}", f"NEWSBOT_OUTPUT_DIR={output}",
            f"NEWSBOT_CLUSTER={redis_server.url_for('newsbot', db=2)}", "NEWSBOT_CLUSTER_WORKER=job1",
            f"NEWSBOT_REDIS_PASSWORD_FILE={password_file}", *REPLAY_PACE)
    done = status(output, "--worker", "job1")
    assert done.returncode == 0 and f"{ARTICLES} new" in done.stdout, done.stdout + done.stderr
    assert files_with(NEWSBOT_PASSWORD, output, home / "logs", home / "scrapyd.log") == []
    # A password in the URL works too, and newsbot writes it nowhere (scrapyd's own log
    # shows the job's arguments: the recipe uses the file).
    redis_server.flush()
    output = tmp_path / "out2"
    job = run_job(base, home, f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}", f"NEWSBOT_OUTPUT_DIR={output}",
                  f"NEWSBOT_CLUSTER={redis_server.url_for('newsbot', NEWSBOT_PASSWORD, db=2)}",
                  "NEWSBOT_CLUSTER_WORKER=job2", *REPLAY_PACE)
    assert status(output, "--worker", "job2").returncode == 0
    [log] = (home / "logs").rglob(f"{job}.log")
    assert files_with(NEWSBOT_PASSWORD, output, log) == []


def test_a_scrapyd_job_with_a_bad_setting_fails_in_one_line_and_writes_nothing(scrapyd, tmp_path):
    # A scrapyd job runs the egg's crawl command: the same error boundary as scrapy crawl.
    base, home = scrapyd
    output = tmp_path / "out"
    log = home / "scrapyd.log"
    start = len(log.read_text(encoding="utf-8"))
    run_job(base, home, f"NEWSBOT_OUTPUT_DIR={output}", "NEWSBOT_FEED_ENTRIES=0")
    expected = "newsbot: -s NEWSBOT_FEED_ENTRIES='0' is not allowed: use a whole number, 1 or more"
    deadline = time.monotonic() + 15
    while True:  # scrapyd logs the job's stderr as it arrives
        added = log.read_text(encoding="utf-8")[start:]
        stderr = [line.split("/stderr] ", 1)[1] for line in added.splitlines() if "/stderr] " in line]
        if stderr or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert stderr == [expected], added[-3000:]
    assert "Traceback" not in added
    assert not output.exists()
