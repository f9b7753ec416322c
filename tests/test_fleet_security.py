"""A fleet nobody else can enter (issue 22; docs/cluster.md, "Running on several machines"): real
redis-servers on 127.0.0.1 with a password, newsbot's ACL user and TLS, as the recipe sets
them up; and the secret in the cluster's URL never written anywhere newsbot writes (logs,
posts, feeds, reports, the status page), whether the run succeeds or fails.

Every cluster test on the ``redis_url`` fixture (tests/test_cluster.py, the Redis half of
tests/test_state_backends.py) already runs as the ACL user, limited to ``newsbot:*`` keys
and to ``REDIS_COMMANDS``, and fails if the server refused it anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from .conftest import ROOT
from newsbot.storage.state.connection import REDIS_COMMANDS

from .redisserver import (ADMIN_PASSWORD, RedisServer, acl_user, free_port, need_redis_server,  # noqa: F401
                          redis_server, redis_url)  # (fixtures)
from .test_cluster import ARTICLES, assert_every_article_once, finish, worker

SECRET = "Sekr3t-Pq9-fleet"  # newsbot's password on the servers this module starts


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """TLS only, clients must show a certificate of the test's CA, newsbot's ACL user."""
    need_redis_server()
    with RedisServer(tmp_path_factory.mktemp("redis-tls"), password=ADMIN_PASSWORD, tls=True,
                     client_certificates=True, acl=[acl_user("newsbot", SECRET)]) as server:
        yield server


@pytest.fixture
def locked_server(tmp_path):
    """A fresh password-and-ACL server for one test: newsbot's user, and ``nozadd``,
    newsbot's user without ZADD (the shared queue and the state's frontier refuse it)."""
    need_redis_server()
    commands = [c for c in REDIS_COMMANDS if c != "zadd"]
    with RedisServer(tmp_path / "redis", password=ADMIN_PASSWORD,
                     acl=[acl_user("newsbot", SECRET), acl_user("nozadd", SECRET, commands=commands),
                          acl_user("noscripts", SECRET, commands=[c for c in commands if c != "evalsha"])]) as server:
        yield server


def files_with(secret: str, *roots: Path) -> list[str]:
    """Every file under ``roots`` (or the file itself) holding the secret, as written or
    percent-encoded (as in a URL)."""
    needles = {secret.encode(), quote(secret, safe="").encode()}
    found = []
    for root in roots:
        for path in [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                found.append(str(path))
    return found


def logs(output: Path) -> list[Path]:
    return sorted(output.parent.glob(f"{output.name}-*.log"))


# --- the locks themselves ------------------------------------------------------------------------
def test_newsbots_acl_user_is_refused_everything_but_its_keys_and_commands(redis_server, redis_url):
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    once = Retry(NoBackoff(), 0)  # a refused login is the answer, not a reason to try again with backoff
    newsbot = redis.Redis.from_url(redis_url, retry=once)
    try:
        newsbot.set("newsbot:x", 1)
        assert newsbot.get("newsbot:x") == b"1"
        for refused in (lambda: newsbot.get("sessions:1"), lambda: newsbot.set("x", 1), newsbot.flushall,
                        lambda: newsbot.config_get("*"), lambda: newsbot.keys("*"), newsbot.client_list,
                        lambda: newsbot.eval("return 1", 0), lambda: newsbot.acl_list(),
                        lambda: newsbot.eval("return redis.call('GET', 'sessions:1')", 0)):
            with pytest.raises(redis.exceptions.NoPermissionError):
                refused()
    finally:
        newsbot.close()
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=redis_server.port, retry=once).ping()  # nobody without a password
    with pytest.raises(redis.exceptions.AuthenticationError):
        redis.Redis(port=redis_server.port, username="newsbot", password="guess", retry=once).ping()
    with redis_server.admin(db=2) as admin:
        admin.acl_log_reset()  # what was refused here was meant to be
        assert admin.get("newsbot:x") == b"1"


def test_the_acl_file_holds_no_password():
    line = acl_user("newsbot", SECRET)
    assert SECRET not in line and line.startswith("user newsbot on #") and " ~newsbot:* " in line


@pytest.mark.slow
def test_two_workers_share_a_crawl_over_tls_with_client_certificates(http_site, tls_server, tmp_path):
    tls_server.flush()
    url = tls_server.url_for("newsbot", SECRET, db=2)
    assert url.startswith("rediss://") and "ssl_certfile=" in url
    output = tmp_path / "shared"
    workers = [worker(output, name, url, http_site) for name in ("w1", "w2")]
    assert [finish(w) for w in workers] == [0, 0], [p.read_text()[-3000:] for p in logs(output)]
    assert_every_article_once(output, url)
    # Nothing newsbot sent was refused or unknown (not even redis-py's handshake's CLIENT
    # subcommands); NOSCRIPT is redis-py's Script running each script once before loading it.
    assert tls_server.acl_log() == [] and set(tls_server.errors()) <= {"errorstat_NOSCRIPT"}


def test_the_tls_server_refuses_clients_without_tls_or_a_certificate(tls_server):
    import redis

    plain = f"redis://newsbot:{SECRET}@127.0.0.1:{tls_server.port}/2"
    without_certificate = tls_server.url_for("newsbot", SECRET, db=2, client_certificate=False)
    for url in (plain, without_certificate):
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            with pytest.raises(redis.exceptions.ConnectionError):
                client.ping()
        finally:
            client.close()


# --- the secret is never written ------------------------------------------------------------------
@pytest.mark.slow
def test_a_cluster_run_writes_its_redis_password_nowhere(http_site, locked_server, tmp_path):
    url = locked_server.url_for("newsbot", SECRET, db=2)
    output = tmp_path / "shared"
    # A secret Scrapy setting too: Scrapy's "Overridden settings" line prints every one set.
    assert finish(worker(output, "w1", url, http_site, "-s", "LOG_LEVEL=DEBUG",
                         "-s", f"TELNETCONSOLE_PASSWORD={SECRET}")) == 0, logs(output)[0].read_text()
    assert "'TELNETCONSOLE_PASSWORD': '***'" in logs(output)[0].read_text(encoding="utf-8")
    assert len(list((output / "nankai" / "hexo").rglob("*.md"))) == ARTICLES
    assert (output / "index.html").exists() and list((output / "reports").glob("*.json"))
    failed = subprocess.run([sys.executable, "-m", "newsbot.cli", "failed", "--output", str(output), "--state", url],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert failed.returncode == 0, failed.stderr
    assert SECRET not in failed.stdout + failed.stderr
    assert files_with(SECRET, output, *logs(output)) == []
    # What is published (the status page, the reports it links to, the feeds) names no
    # server path either; the log, which is private, says where the files are.
    published = [output / "index.html", *(output / "reports").iterdir(), *(output / "feeds").iterdir()]
    assert [p.name for p in published if str(tmp_path) in p.read_text(encoding="utf-8")] == []
    log = logs(output)[0].read_text(encoding="utf-8")
    assert f"files in {output}" in log
    assert "newsbot/secrets.py" not in log  # masking costs no warning (reading a deprecated setting)


def test_the_status_page_shows_an_alarm_without_its_secret_or_server_path(tmp_path):
    import json

    from newsbot.publish.status import write_status_page

    output = tmp_path / "srv" / "news"
    (output / "reports").mkdir(parents=True)
    alarm = (f"the output cannot be written: [Errno 13] Permission denied: '{output}/nankai/hexo/a.md'; "
             f"state redis://newsbot:{SECRET}@10.0.0.5:6379/2, backup /var/lib/newsbot/state.sqlite")
    report = {"spider": "nankai", "finish_reason": "output_error", "alarms": [alarm], "exit_code": 6}
    (output / "reports" / "nankai-latest.json").write_text(json.dumps(report), encoding="utf-8")
    page = write_status_page(output, None, {}, report).read_text(encoding="utf-8")
    assert SECRET not in page and str(tmp_path) not in page and "/var/lib" not in page
    assert "Permission denied: &#x27;nankai/hexo/a.md&#x27;" in page and "redis://newsbot:***@10.0.0.5" in page


def broken(server: RedisServer, case: str, request) -> str:
    """A URL that cannot serve the crawl, with the secret in it."""
    if case == "untrusted certificate":  # rediss:// without the CA that signed the server's
        tls = request.getfixturevalue("tls_server")
        return f"rediss://newsbot:{SECRET}@127.0.0.1:{tls.port}/2"
    if case == "wrong password":
        return server.url_for("newsbot", SECRET + "-wrong", db=2)
    if case == "unreachable":
        return f"redis://newsbot:{SECRET}@127.0.0.1:{free_port()}/2"
    if case == "refused command at start":  # its lock is a script
        return server.url_for("noscripts", SECRET, db=2)
    raise ValueError(case)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["wrong password", "unreachable", "refused command at start", "untrusted certificate"])
def test_a_redis_that_cannot_serve_the_crawl_is_one_line_and_exit_6(http_site, locked_server, tmp_path, case, request):
    url = broken(locked_server, case, request)
    output = tmp_path / "shared"
    code = finish(worker(output, "w1", url, http_site), timeout=60)
    [log] = logs(output)
    text = log.read_text(encoding="utf-8")
    assert code == 6, text[-3000:]
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.startswith("newsbot: ")]
    assert len(lines) == 1 and "Redis" in lines[0], text[-3000:]
    assert http_site.paths() == []  # nothing fetched, nothing written
    assert not (output / "nankai").exists()
    assert files_with(SECRET, output, log) == [] if output.exists() else files_with(SECRET, log) == []
    if case == "refused command at start":
        return  # `newsbot failed` reads with HSCAN, which this user may run
    # The CLI's commands on the cluster's state fail the same way.
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "failed", "--output", str(output), "--state", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 6 and done.stderr.startswith("newsbot: ") and "Traceback" not in done.stderr
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.slow
def test_a_command_refused_mid_run_stops_it_with_exit_6_and_no_secret(http_site, locked_server, tmp_path):
    url = locked_server.url_for("nozadd", SECRET, db=2)
    output = tmp_path / "shared"
    code = finish(worker(output, "w1", url, http_site), timeout=120)
    [log] = logs(output)
    text = log.read_text(encoding="utf-8")
    assert code == 6, text[-3000:]
    assert "NoPermissionError" in text and "zadd" in text and "Traceback" not in text
    assert files_with(SECRET, output, log) == []


@pytest.mark.slow
def test_a_password_file_that_cannot_be_read_is_one_line_and_exit_1(http_site, locked_server, tmp_path):
    output = tmp_path / "shared"
    missing = tmp_path / "no-such-password"
    code = finish(worker(output, "w1", locked_server.url_for("newsbot", db=2), http_site,
                         "-s", f"NEWSBOT_REDIS_PASSWORD_FILE={missing}"), timeout=60)
    [log] = logs(output)
    text = log.read_text(encoding="utf-8")
    assert code == 1 and "Traceback" not in text, text[-3000:]
    assert f"newsbot: -s NEWSBOT_REDIS_PASSWORD_FILE='{missing}' is not allowed: no such file" in text
    assert http_site.paths() == []


@pytest.mark.slow
def test_cluster_acl_needs_a_password_file_and_never_prints_the_password(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEWSBOT_REDIS_PASSWORD_FILE"}
    newsbot = [sys.executable, "-m", "newsbot.cli", "cluster-acl"]
    done = subprocess.run(newsbot, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1 and done.stdout == "" and "--password-file" in done.stderr
    password = tmp_path / "redis-password"
    password.write_text(SECRET + "\n")
    done = subprocess.run([*newsbot, "--password-file", str(password)], capture_output=True, text=True, timeout=60,
                          env=env)
    assert done.returncode == 0 and SECRET not in done.stdout
    assert done.stdout.splitlines() == ["user default off", acl_user("newsbot", SECRET)]
    done = subprocess.run(newsbot, capture_output=True, text=True, timeout=60,
                          env={**env, "NEWSBOT_REDIS_PASSWORD_FILE": str(password)})
    assert done.stdout.splitlines()[1] == acl_user("newsbot", SECRET)
