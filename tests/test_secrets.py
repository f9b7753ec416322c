"""``newsbot.secrets.mask``: the one rule for what is never written (docs/cluster.md, "Running on
several machines"), and the log record factory that applies it to every log line."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from newsbot.secrets import mask, remember

from .conftest import ROOT


@pytest.mark.parametrize("text, expected", [
    ("redis://:pw0rd@host:6379/0", "redis://:***@host:6379/0"),
    ("rediss://newsbot:pw0rd@10.0.0.5:6380/2?ssl_ca_certs=/etc/ca.crt", "rediss://newsbot:***@10.0.0.5:6380/2?ssl_ca_certs=/etc/ca.crt"),
    ("joined the crawl on redis://newsbot:p@ss@w0rd@host/2 at 10:00", "joined the crawl on redis://newsbot:***@host/2 at 10:00"),
    ("{'NEWSBOT_CLUSTER': 'redis://u:s3cr%40t@h:1/0', 'X': 'http://a:b@proxy:3128'}",
     "{'NEWSBOT_CLUSTER': 'redis://u:***@h:1/0', 'X': 'http://a:***@proxy:3128'}"),
    ("rediss://h:1/0?ssl_certfile=/c.pem&ssl_password=keypass&db=2", "rediss://h:1/0?ssl_certfile=/c.pem&ssl_password=***&db=2"),
    # Not secrets: a user alone, an e-mail address, a URL with a port, plain text.
    ("redis://newsbot@host:6379/2", "redis://newsbot@host:6379/2"),
    ("mail newsbot@example.org, see https://news.nankai.edu.cn:443/ywsd/a.shtml", None),
    ("2 of 3 pages: ratio 2:3 @ 10:00", None),
])
def test_mask_hides_url_passwords_and_secret_arguments_only(text, expected):
    assert mask(text) == (text if expected is None else expected)


def test_mask_leaves_what_is_not_text_alone():
    assert mask(None) is None and mask(3) == 3


def test_a_remembered_secret_is_masked_anywhere_also_percent_encoded():
    remember("Zz9-file-secret/+")
    assert mask("AUTH failed for Zz9-file-secret/+ and Zz9-file-secret%2F%2B") == "AUTH failed for *** and ***"
    remember("ab")  # too short to search for in free text: it would mask ordinary words
    assert mask("a table") == "a table"


@pytest.mark.slow
def test_install_masks_every_log_record_its_exception_and_uncaught_tracebacks():
    code = r"""
import logging, sys
from newsbot import secrets
secrets.install(); secrets.install()
logging.basicConfig(level=logging.INFO, format="%(name)s %(message)s", stream=sys.stdout)
logging.getLogger("scrapy.crawler").info("Overridden settings:\n%(s)s", {"s": {"REDIS_URL": "redis://:Pw-leak1@h/0"}})
logging.getLogger("x").warning("on %s", "rediss://u:Pw-leak2@h/0")
try:
    raise ConnectionError("cannot reach redis://:Pw-leak3@h/0")
except ConnectionError:
    logging.getLogger("y").exception("failed")
raise RuntimeError("uncaught redis://:Pw-leak4@h/0")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    out = done.stdout + done.stderr
    assert "Pw-leak" not in out, out
    assert "'REDIS_URL': 'redis://:***@h/0'" in out and "on rediss://u:***@h/0" in out
    assert "ConnectionError: cannot reach redis://:***@h/0" in out
    assert "RuntimeError: uncaught redis://:***@h/0" in done.stderr and done.returncode == 1


def test_a_record_without_a_secret_keeps_its_arguments():
    from newsbot import secrets

    secrets.install()
    record = logging.getLogger("z").makeRecord("z", logging.INFO, __file__, 1, "%d new", (3,), None)
    assert record.args == (3,) and record.getMessage() == "3 new"


@pytest.mark.parametrize("text, expected", [
    ("[Errno 13] Permission denied: '/srv/news/nankai/hexo/a.md'", "[Errno 13] Permission denied: 'nankai/hexo/a.md'"),
    ("cannot write /var/lib/newsbot/state.sqlite: disk full", "cannot write state.sqlite: disk full"),
    ('{"report": "/srv/news/reports/nankai-latest.json", "n": 3}', '{"report": "reports/nankai-latest.json", "n": 3}'),
    # Not server paths: URLs, stats keys, relative paths, HTML.
    ("https://news.nankai.edu.cn/ywsd/system/a.shtml", None),
    ('"downloader/response_status_count/404": 1, "newsbot/dropped/x": 2', None),
    ("<tr><td>x</td></tr> feeds/nankai.atom", None),
    ("redis://:pw0rd@h:1/0 on /srv/news/x", "redis://:***@h:1/0 on x"),
])
def test_public_text_has_no_secret_and_no_server_path(text, expected):
    from newsbot.secrets import public

    assert public(text, "/srv/news") == (text if expected is None else expected)


def test_the_settings_secrets_are_remembered_without_deprecation_warnings():
    import warnings

    from scrapy.settings import Settings

    from newsbot.secrets import remember_settings

    settings = Settings()
    settings.setmodule("newsbot.settings")
    settings.set("FEEDS", {"ftp://u:Ftp-Pw9@h/x.jsonl": {"format": "jsonlines"}})
    settings.set("AWS_SECRET_ACCESS_KEY", "Aws-Key-7x")
    settings.set("NEWSBOT_CLUSTER", "redis://newsbot:Rd-Pw-3q@h:6379/2", priority="cmdline")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. DNS_RESOLVER's deprecation, if it were read
        remember_settings(settings)
    assert mask("key Aws-Key-7x, password Rd-Pw-3q") == "key ***, password ***"
