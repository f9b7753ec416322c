"""A real ``redis-server`` for the cluster tests, on a random 127.0.0.1 port in a temp dir.

No mock: the cluster's guarantees (atomic claims, leases that expire) are Redis's own
behaviour. Tests that need it skip with a message when ``redis-server`` is not installed
(Debian: ``apt-get install redis-server``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """``appendonly``: persist every write (the README's advice for a cluster's state), so
    that ``kill()`` then ``start()`` (same port, same directory) brings the data back."""

    def __init__(self, directory: Path, appendonly: bool = False):
        self.directory = Path(directory)
        self.appendonly = appendonly
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def start(self) -> None:
        binary = shutil.which("redis-server")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise RuntimeError(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """SIGKILL, as a crash would: what it acknowledged is in its append-only file."""
        self.process.kill()
        self.process.wait()

    def flush(self) -> None:
        import redis

        with redis.Redis(port=self.port) as client:
            client.flushall()

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server); "
                    "the cluster tests need a real one")
    pytest.importorskip("redis", reason="the redis client package is not installed (pip install -e '.[test]')")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server):
    """A Redis URL with an empty database for this test."""
    redis_server.flush()
    return redis_server.url
