"""The one way newsbot opens Redis (docs/cluster.md, "Running on several machines"): the state
(``redis.py``), the cluster's politeness, queue and dupefilter, and the ``newsbot`` commands
all call ``connect`` or ``connect_for``, so a password, TLS and the error a refusal becomes
are handled once.

* **The password** is the URL's (``redis://newsbot:PASSWORD@host:6379/2``), or, better, kept
  out of the URL, the command line and scrapyd's job list: the first line of the file named
  by ``NEWSBOT_REDIS_PASSWORD_FILE`` (a setting, or the environment variable of that name)
  with a URL that names only the user (``redis://newsbot@host:6379/2``). Either way it is
  remembered as a secret (``newsbot.secrets``): masked wherever it would be written.
* **TLS**: ``rediss://`` with redis-py's URL arguments, ``ssl_ca_certs=`` (the CA that signed
  the server's certificate), ``ssl_certfile=``/``ssl_keyfile=`` (a client certificate, when
  the server asks for one: ``tls-auth-clients yes``), ``ssl_cert_reqs=``.
* **The ACL**: ``REDIS_COMMANDS`` are the commands newsbot sends and ``KEY_PATTERN`` the keys
  it touches; ``acl_rule`` is the ACL file line of a user limited to them
  (``newsbot cluster-acl``). tests/redisserver.py runs every cluster test as that user.
* **A refusal** (wrong password, a command or key the ACL refuses, an unreachable or TLS-
  mismatched server) becomes an ``OutputError`` (exit 6) whose one line names the server
  (password masked) and what to check: ``failure``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path
from urllib.parse import urlsplit

from newsbot import secrets
from newsbot.errors import ConfigError, OutputError

PASSWORD_FILE_SETTING = "NEWSBOT_REDIS_PASSWORD_FILE"
KEY_PATTERN = "newsbot:*"
CONNECT_TIMEOUT = 30  # seconds; a server that does not answer is "unreachable", not a hang

# Every command a cluster crawl and the `newsbot` commands send, derived by running the
# cluster, fault and Redis-state tests against a redis-server with INFO commandstats and
# MONITOR, checked against a reading of the code (the Lua scripts in storage/state/lua/ and
# cluster/lua/, the calls in storage/state/redis.py and cluster/), and enforced by those tests
# running as a user with exactly these (tests/redisserver.py): a command missing here is
# refused, and the test fails. Connection: SELECT (a database other than 0; AUTH needs no
# permission). Scripts: EVALSHA, and SCRIPT LOAD when the server does not know one yet
# (redis-py's Script). Pipelines: MULTI/EXEC. Read by code paths the tests may not take:
# HKEYS (requeue all), INCRBY (a lost feed line owed again), LRANGE (an article's columns),
# ZSCORE (a restore). scrapy-redis itself now only counts the queue (ZCARD): the fleet's
# scripts push, pop and recover requests.
REDIS_COMMANDS = (
    "ping", "select", "time", "evalsha", "script|load", "multi", "exec",
    "get", "set", "mget", "del", "incr", "incrby", "expire", "pexpire",
    "hget", "hset", "hdel", "hexists", "hincrby", "hkeys", "hlen", "hmget", "hscan", "hvals",
    "sadd", "smembers", "srem",
    "zadd", "zcard", "zcount", "zmscore", "zrange", "zrangebyscore", "zrem", "zscore",
    "rpush", "lrange",
)


def acl_rule(user: str, password: str, commands=REDIS_COMMANDS, keys: str = KEY_PATTERN) -> str:
    """The ACL file line of a user that may run ``commands`` on ``keys`` and nothing else
    (no pub/sub channels). The file holds the password's SHA-256, not the password."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    return f"user {user} on #{digest} resetkeys ~{keys} resetchannels -@all " + " ".join(f"+{c}" for c in commands)


def read_password_file(path) -> str:
    """The first line of a password file (without its line end); its content is a secret.
    A file that cannot be read is a bad setting (``ConfigError``, exit 1): nothing started."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the Redis password file {path} ({PASSWORD_FILE_SETTING}): "
                          f"{getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    password = lines[0].strip() if lines else ""
    if not password:
        raise ConfigError(f"the Redis password file {path} ({PASSWORD_FILE_SETTING}) is empty")
    secrets.remember(password)
    return password


def password_file_of(settings=None) -> str | None:
    """``NEWSBOT_REDIS_PASSWORD_FILE``: the setting, else the environment variable."""
    value = settings.get(PASSWORD_FILE_SETTING) if settings is not None else None
    return value or os.environ.get(PASSWORD_FILE_SETTING) or None


def client_options(url: str, password_file_path: str | None = None) -> dict:
    """The options ``connect`` adds to the URL's (which win): the password from the file
    when the URL has none, a connect timeout, and a handshake of AUTH and SELECT only: an ACL
    user limited to ``REDIS_COMMANDS`` would be refused CLIENT SETINFO (Redis 7.2+) and
    RESP3's CLIENT subcommands; redis-py ignores those refusals, the server's ACL LOG would
    fill with them."""
    # redis-py 7+ takes driver_info=None for "no CLIENT SETINFO"; 5 and 6, lib_name=None.
    no_setinfo = ({"driver_info": None} if importlib.util.find_spec("redis.driver_info")
                  else {"lib_name": None, "lib_version": None})
    # RESP2, as every redis-py >= 5 speaks by default but 8: its RESP3 handshake adds a CLIENT
    # subcommand (maintenance notifications) the ACL user is not given.
    options: dict = {**no_setinfo, "protocol": 2, "socket_connect_timeout": CONNECT_TIMEOUT}
    password = secrets.url_password(url)
    if password:
        secrets.remember(password)
    elif password_file_path:
        options["password"] = read_password_file(password_file_path)
    return options


def connect(url: str, password_file_path: str | None = None, client_class=None, **kwargs):
    """A redis-py client for ``url`` (``redis://`` or ``rediss://``, redis-py's URL arguments),
    with the password of ``password_file_path`` when the URL carries none. ``client_class``:
    a subclass of ``redis.Redis`` to make it with (the state's, which raises ``failure``'s
    ``OutputError``). Connecting is lazy: the first command reaches the server."""
    import redis

    if not str(url).startswith(("redis://", "rediss://")):
        raise OutputError(f"{secrets.mask(url)!r} is not a Redis URL (redis://host:6379/0, rediss:// for TLS)")
    return (client_class or redis.Redis).from_url(url, **{**client_options(url, password_file_path), **kwargs})


def connect_for(settings, url: str | None = None, **kwargs):
    """``connect`` with a crawl's settings: ``url`` (default: ``NEWSBOT_STATE``) and
    ``NEWSBOT_REDIS_PASSWORD_FILE``."""
    return connect(url or settings.get("NEWSBOT_STATE"), password_file_of(settings), **kwargs)


def failure(exc: Exception, url: str) -> OutputError:
    """A Redis error as the one line an operator reads: the server (password masked), what it
    refused and what to check. Exit 6, as any output or state that cannot be written."""
    from redis import exceptions as e

    where = describe(url)
    reason = secrets.mask(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, e.AuthenticationError) or "WRONGPASS" in str(exc) or "NOAUTH" in str(exc):
        return OutputError(f"the Redis server {where} refused newsbot's user and password ({reason}): check "
                           f"the user in the URL and the password ({PASSWORD_FILE_SETTING}, or the URL's)")
    if isinstance(exc, e.NoPermissionError):
        return OutputError(f"the Redis server {where} refused a command or key ({reason}): newsbot's ACL user "
                           f"needs the commands and keys `newsbot cluster-acl` prints")
    if isinstance(exc, e.ConnectionError):  # refused, timed out, TLS handshake or certificate
        return OutputError(f"cannot reach the Redis server {where} ({reason}): check the host, the port, "
                           f"and for rediss:// the CA (ssl_ca_certs) and client certificate")
    return OutputError(f"the Redis server {where} refused newsbot ({reason})")


def describe(url: str) -> str:
    """``rediss://newsbot@10.0.0.5:6380/2``: the URL without its password or query, as
    messages and logs name a server."""
    try:
        parts = urlsplit(str(url))
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
    except ValueError:
        return secrets.mask(str(url))
