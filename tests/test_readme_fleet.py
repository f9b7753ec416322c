"""docs/cluster.md's fleet recipe ("Running on several machines", "The recipe: a fleet nobody else
can enter") runs as written: every ``sh`` block of it, in order, in one shell session, against
the real redis-server (TLS, ACL) and scrapyd (username and password) it configures.

What the test changes, and only that: the variables the page asks the operator to set
(``REDIS_HOST``, ``WORKER_HOST``, ``NEWS``) get 127.0.0.1 and a temporary directory; ``/etc/``
is a temporary directory's ``etc/`` (as in a chroot); the fixed ports 6379 and 6800 are free
ports; ``systemctl restart redis-server`` and ``systemctl restart scrapyd`` start the real
servers with the configuration files the steps wrote; step 4's copy of ``ca.crt`` to the worker
is a ``cp``; and the crawls (``newsbot crawl``, ``scrapyd-client schedule``) replay the saved
nankai pages (no test touches the network)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT
from .redisserver import free_port, need_redis_server
from .test_fleet_security import files_with

BIN = Path(sys.executable).parent
ARTICLES = 27


PAGE = ROOT / "docs" / "cluster.md"


def recipe_blocks() -> list[str]:
    page = PAGE.read_text(encoding="utf-8")
    recipe = page.split("\n## The recipe", 1)[1].split("\n## ", 1)[0]
    return [textwrap.dedent(body) for _, body in re.findall(r"^( *)```sh\n(.*?)^\1```", recipe, re.M | re.S)]


def test_the_recipe_shows_the_secure_set_up_first():
    page = PAGE.read_text(encoding="utf-8")
    assert page.startswith("# Running on several machines\n")
    assert page.index("\n## The recipe: a fleet nobody else can enter") < page.index("\n## Settings\n")
    text = "\n".join(recipe_blocks())
    for needed in ("newsbot cluster-acl", "port 0", "tls-port", "aclfile", "bind $REDIS_HOST", "rediss://newsbot@",
                   "NEWSBOT_REDIS_PASSWORD_FILE", "bind_address = %s", "username = deployer", "${SCRAPYD_PASSWORD}"):
        assert needed in text, needed
    assert not re.search(r"rediss?://[^\s@/]*:[^\s@/]+@", text)  # no password in any URL


class Session:
    """One shell session across the blocks (their variables carry over, as in the page's
    "each shell you run the steps from"), with the test's substitutions."""

    def __init__(self, tmp: Path):
        self.root = tmp / "root"  # stands for /
        self.project = tmp / "checkout"  # a checkout, where scrapy.cfg is
        self.news = tmp / "news"
        self.state = tmp / "session.env"
        self.redis_port, self.scrapyd_port = free_port(), free_port()
        self.outputs: list[str] = []
        self.servers: list[subprocess.Popen] = []
        (self.root / "etc").mkdir(parents=True)
        self.project.mkdir()
        for name in ("newsbot", "pyproject.toml", "setup.py", "README.md", "scrapy.cfg"):
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, self.project / name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(source, self.project / name)
        self.state.write_text(f"export PATH={BIN}:$PATH\n")

    def substitute(self, block: str) -> str:
        block = block.replace("/etc/", f"{self.root}/etc/")
        block = block.replace("6379", str(self.redis_port)).replace("6800", str(self.scrapyd_port))
        replay = f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}"
        block = block.replace("newsbot crawl nankai ", f"newsbot crawl nankai -s {replay} ")
        return block.replace("scrapyd-client schedule -t fleet -p newsbot nankai ",
                             f"scrapyd-client schedule -t fleet -p newsbot nankai --arg setting={replay} ")

    def run(self, block: str, timeout: float = 600) -> str:
        script = (f"set -euo pipefail\nset -a\nsource {self.state}\ncd {self.project}\n"
                  f"{self.substitute(block)}\nexport -p > {self.state}\n")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=timeout)
        self.outputs.append(done.stdout + done.stderr)
        assert done.returncode == 0, f"docs/cluster.md block failed:\n{block}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    def start(self, command: list[str], cwd: Path, log: Path) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=cwd, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.servers.append(process)
        return process

    def stop(self) -> None:
        for process in self.servers:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"{what} did not start: " + log.read_text()[-3000:])
            time.sleep(0.2)


def test_every_command_of_the_fleet_recipe_runs_as_written(tmp_path):
    need_redis_server()
    if not shutil.which("openssl") or not (BIN / "scrapyd").exists():
        pytest.skip("the recipe needs openssl (Debian: apt-get install openssl) and scrapyd (pip install -e '.[test]')")
    import redis

    blocks = recipe_blocks()
    assert len(blocks) == 8, [b.splitlines()[0] for b in blocks]
    variables, secrets_, tls, redis_setup, crawl, scrapyd_setup, deploy, feed = blocks
    assert re.findall(r"^(\w+)=", variables, re.M) == ["REDIS_HOST", "WORKER_HOST", "NEWS"]
    session = Session(tmp_path)
    try:
        session.run(f"REDIS_HOST=127.0.0.1\nWORKER_HOST=127.0.0.1\nNEWS={session.news}\n")
        session.run(secrets_)
        session.run(tls)
        assert redis_setup.rstrip().endswith("systemctl restart redis-server")
        session.run(redis_setup.rstrip().rsplit("\n", 1)[0])
        etc = session.root / "etc"
        conf, log = etc / "redis" / "redis.conf", tmp_path / "redis.log"
        (tmp_path / "redis-data").mkdir()
        server = session.start([shutil.which("redis-server"), str(conf), "--dir", str(tmp_path / "redis-data")],
                               tmp_path, log)
        password = (etc / "newsbot" / "redis-password").read_text().strip()
        newsbot = redis.Redis(host="127.0.0.1", port=session.redis_port, username="newsbot", password=password, ssl=True,
                              ssl_ca_certs=str(etc / "redis" / "tls" / "ca.crt"), protocol=2)
        wait_for(newsbot.ping, "redis-server", server, log)
        # The server the recipe made: TLS only, the default user off, newsbot's user in its keys.
        with pytest.raises(redis.exceptions.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=session.redis_port, ssl=True, ssl_ca_certs=str(etc / "redis" / "tls" / "ca.crt")).ping()
        with pytest.raises(redis.exceptions.NoPermissionError):
            newsbot.get("sessions:1")
        with pytest.raises(redis.exceptions.ConnectionError):
            redis.Redis(host="127.0.0.1", port=session.redis_port, username="newsbot", password=password, socket_timeout=5).ping()
        newsbot.close()

        shutil.copy(etc / "redis" / "tls" / "ca.crt", etc / "newsbot" / "ca.crt")  # step 4's copy to the worker
        session.run(crawl)
        assert len(list(session.news.rglob("*.md"))) == ARTICLES

        assert scrapyd_setup.rstrip().endswith("systemctl restart scrapyd")
        session.run(scrapyd_setup.rstrip().rsplit("\n", 1)[0])
        log = tmp_path / "scrapyd.log"
        scrapyd = session.start([str(BIN / "scrapyd")], etc / "scrapyd", log)  # reads ./scrapyd.conf
        from .test_scrapyd import api, refused

        scrapyd_password = (etc / "newsbot" / "scrapyd-password").read_text().strip()
        base = f"http://127.0.0.1:{session.scrapyd_port}"
        credentials = ("deployer", scrapyd_password)
        wait_for(lambda: api(base, "daemonstatus.json", auth=credentials), "scrapyd", scrapyd, log)
        assert refused(base, "daemonstatus.json", auth=None) == 401
        session.run(deploy)
        assert scrapyd_password not in (session.project / "scrapy.cfg").read_text()
        deadline = time.monotonic() + 300
        while True:  # the job the block scheduled
            jobs = api(base, "listjobs.json?project=newsbot", auth=credentials)
            if jobs["finished"] and not jobs["pending"] and not jobs["running"]:
                break
            assert time.monotonic() < deadline, jobs
            time.sleep(0.5)
        out = session.run(feed)
        assert "nankai.127.0.0.1-job1: exit 0 (finished" in out, out
        assert (session.news / "feeds" / "nankai.jsonl").exists()
        # Neither password is anywhere a log, an output or a command's answer went.
        for secret in (password, scrapyd_password):
            assert files_with(secret, session.news, etc / "scrapyd" / "logs", tmp_path / "scrapyd.log",
                              tmp_path / "redis.log") == []
            assert not any(secret in output for output in session.outputs)
    finally:
        session.stop()
