"""A real ``redis-server`` for the cluster tests, on a random 127.0.0.1 port in a temp dir.

No mock: the cluster's guarantees (atomic claims, leases that expire) are Redis's own
behaviour, and so are its locks (a password, ACL users, TLS). Tests that need it skip with
a message when ``redis-server`` is not installed (Debian: ``apt-get install redis-server``).

A locked server (``RedisServer(dir, password=…, acl=[…], tls=True)``) is started as the
fleet recipe of docs/cluster.md configures one: the ``default`` user gets a password (the tests'
administrator: flushing, ``CONFIG SET``, ``ACL LOG``), ``acl`` lines add users (newsbot's,
limited to its key prefix and commands), and ``tls`` serves TLS only (``--port 0``) with a
certificate signed by a CA the test makes (``certificates``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Certificates:
    """PEM files: a CA, a server certificate for 127.0.0.1 and localhost, a client certificate."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def certificates(directory: Path) -> Certificates:
    """A throw-away CA and the server's and a client's certificates it signs (``cryptography``,
    which Scrapy already depends on). Keys are written mode 0600, as a real one must be."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def write_key(key, path: Path) -> Path:
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
        return path

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("newsbot test CA")).issuer_name(name("newsbot test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))

    def issue(common: str, usage, alt_names=()) -> tuple[x509.Certificate, object]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(common)).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(list(alt_names)), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), key

    server, server_key = issue("127.0.0.1", ExtendedKeyUsageOID.SERVER_AUTH,
                               [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    client, client_key = issue("newsbot worker", ExtendedKeyUsageOID.CLIENT_AUTH)
    pem = serialization.Encoding.PEM
    (directory / "ca.crt").write_bytes(ca.public_bytes(pem))
    (directory / "server.crt").write_bytes(server.public_bytes(pem))
    (directory / "client.crt").write_bytes(client.public_bytes(pem))
    return Certificates(ca=directory / "ca.crt", server_cert=directory / "server.crt",
                        server_key=write_key(server_key, directory / "server.key"),
                        client_cert=directory / "client.crt", client_key=write_key(client_key, directory / "client.key"))


class RedisServer:
    """``appendonly``: persist every write (docs/cluster.md's advice for a cluster's state), so
    that ``kill()`` then ``start()`` (same port, same directory) brings the data back.
    ``password``: the ``default`` user's (``--requirepass``); ``acl``: ACL file lines for
    more users (the file also sets the default user, as ``requirepass`` and an ACL file do
    not mix); ``tls``: TLS only, with ``certificates(directory / "tls")``;
    ``client_certificates``: whether clients must show one (``tls-auth-clients``)."""

    def __init__(self, directory: Path, appendonly: bool = False, password: str | None = None,
                 acl: list[str] | None = None, tls: bool = False, client_certificates: bool = False):
        self.directory = Path(directory)
        self.appendonly = appendonly
        self.port = free_port()
        self.password = password
        self.acl = acl
        self.tls = certificates(self.directory / "tls") if tls else None
        self.client_certificates = client_certificates
        self.url = self.url_for()
        self.process = None

    # --- how clients reach it -------------------------------------------------------------
    def url_for(self, user: str | None = None, password: str | None = None, db: int = 0,
                client_certificate: bool | None = None) -> str:
        """A URL as an operator writes it: ``redis[s]://[user][:password@]127.0.0.1:PORT/DB``,
        with redis-py's TLS query arguments (the CA, and the client certificate if the
        server asks for one) when the server speaks TLS."""
        userinfo = ""
        if user or password:
            userinfo = quote(user or "", safe="") + (":" + quote(password, safe="") if password else "") + "@"
        scheme = "rediss" if self.tls else "redis"
        url = f"{scheme}://{userinfo}127.0.0.1:{self.port}/{db}"
        if self.tls:
            query = {"ssl_ca_certs": str(self.tls.ca)}
            if self.client_certificates if client_certificate is None else client_certificate:
                query.update(ssl_certfile=str(self.tls.client_cert), ssl_keyfile=str(self.tls.client_key))
            url += "?" + urlencode(query)
        return url

    def admin(self, db: int = 0):
        """A client as the ``default`` user (the administrator), for the tests' own checks."""
        import redis

        # The handshake newsbot uses (AUTH, SELECT): redis-py 8's own adds CLIENT subcommands that
        # Redis 7.0 does not know and counts as errors (``errors``).
        kwargs = {"port": self.port, "password": self.password, "db": db, "driver_info": None, "protocol": 2}
        if self.tls:
            kwargs.update(ssl=True, ssl_ca_certs=str(self.tls.ca), ssl_certfile=str(self.tls.client_cert),
                          ssl_keyfile=str(self.tls.client_key))
        return redis.Redis(**kwargs)

    def command_line(self) -> list[str]:
        command = [shutil.which("redis-server"), "--bind", "127.0.0.1", "--dir", str(self.directory),
                   "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--protected-mode", "yes"]
        if self.tls:
            command += ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self.tls.server_cert),
                        "--tls-key-file", str(self.tls.server_key), "--tls-ca-cert-file", str(self.tls.ca),
                        "--tls-auth-clients", "yes" if self.client_certificates else "optional"]
        else:
            command += ["--port", str(self.port)]
        if self.acl is not None:
            default = f"user default on >{self.password} ~* &* +@all" if self.password else "user default on nopass ~* &* +@all"
            path = self.directory / "users.acl"
            path.write_text("\n".join([default, *self.acl]) + "\n", encoding="utf-8")
            path.chmod(0o600)
            command += ["--aclfile", str(path)]
        elif self.password:
            command += ["--requirepass", self.password]
        return command

    def __enter__(self):
        self.start()
        return self

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.log = open(self.directory / "redis.log", "a")
        self.process = subprocess.Popen(self.command_line(), stdout=self.log, stderr=subprocess.STDOUT)
        import redis

        client = self.admin()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(f"redis-server did not start on port {self.port}: "
                                       + (self.directory / "redis.log").read_text()[-2000:])
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL, as a crash would: what it acknowledged is in its append-only file."""
        self.process.kill()
        self.process.wait()
        self.log.close()

    def flush(self) -> None:
        with self.admin() as client:
            client.flushall()
            client.config_resetstat()  # INFO errorstats and commandstats count from here
            if self.acl is not None:
                client.acl_log_reset()

    def errors(self) -> dict:
        """The errors the server answered since the last ``flush`` (``INFO errorstats``)."""
        with self.admin() as client:
            return client.info("errorstats")

    def acl_log(self) -> list[dict]:
        """What the server refused since the last ``flush`` (``ACL LOG``): commands, keys."""
        with self.admin() as client:
            return client.acl_log()

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.log.close()


# Every test on the ``redis_url`` fixture runs as newsbot's ACL user, limited to the
# ``newsbot:`` keys and to the commands newsbot's code lists (REDIS_COMMANDS, whose comment
# says how the list was derived), and fails if the server refused it anything (ACL LOG).
ADMIN_PASSWORD = "admin-Zq4-not-newsbots"
NEWSBOT_PASSWORD = "newsbot-Kx7-secret"


def acl_user(name: str, password: str, commands=None) -> str:
    """The ACL file line ``newsbot cluster-acl`` prints, for ``commands`` (default: newsbot's)."""
    from newsbot.storage.state.connection import REDIS_COMMANDS, acl_rule

    return acl_rule(name, password, REDIS_COMMANDS if commands is None else commands)


def inspector(url: str):
    """A client for a test's own look at the server behind ``url``: as the administrator on
    the locked session server (newsbot's ACL user may not run every command a test reads
    with, e.g. EXISTS), as ``url`` says on any other."""
    import redis
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.username == "newsbot" and unquote(parts.password or "") == NEWSBOT_PASSWORD:
        return redis.Redis(host=parts.hostname, port=parts.port, db=int(parts.path.strip("/") or 0),
                           password=ADMIN_PASSWORD, protocol=2, driver_info=None)
    return redis.Redis.from_url(url)


def need_redis_server() -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server); "
                    "the cluster tests need a real one")
    pytest.importorskip("redis", reason="the redis client package is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """The recipe's Redis: a password for the administrator, newsbot's own ACL user."""
    need_redis_server()
    with RedisServer(tmp_path_factory.mktemp("redis"), password=ADMIN_PASSWORD,
                     acl=[acl_user("newsbot", NEWSBOT_PASSWORD)]) as server:
        yield server


@pytest.fixture
def redis_url(redis_server):
    """newsbot's URL (its ACL user, database 2 as in the recipe) on an empty server for this
    test; the test fails if the server refused newsbot a command or a key meanwhile."""
    redis_server.flush()
    yield redis_server.url_for("newsbot", NEWSBOT_PASSWORD, db=2)
    refused = [(entry["reason"], entry["object"]) for entry in redis_server.acl_log()]
    if refused:
        pytest.fail(f"the Redis server refused newsbot's ACL user {refused}: newsbot.storage.state."
                    f"connection.REDIS_COMMANDS lacks a command the code sends, or a key is not newsbot:*")
