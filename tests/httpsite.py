"""A local HTTP server for crawl tests: the nankai fixture site on 127.0.0.1, with faults.

``HttpSite(root)`` serves ``{root}/news.nankai.edu.cn/<path>`` (another host's with ``host=``) (the replay layout, see
``newsbot.crawl.middlewares.replay.fixture_path``) on a random port. Per-path faults and extra pages are set
on the instance while it runs; every request is recorded (path, User-Agent) so tests can
count what a crawl cost the site. ``pages`` changes a page's bytes between runs;
``validators`` makes the site answer conditional requests (``ETag`` and/or
``Last-Modified`` on every page, 304 Not Modified when the request's ``If-None-Match`` or
``If-Modified-Since`` matches them, RFC 9110 13.1), and ``answers`` records each status.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from newsbot.crawl.middlewares.replay import fixture_path

HOST = "news.nankai.edu.cn"


class Gate:
    """A Fault's ``block`` shared by many paths: lets the first ``let_through`` requests
    pass, whichever paths they are for, and holds every later one until ``set()``."""

    def __init__(self, let_through: int = 0):
        self.let_through, self.passed = let_through, 0
        self.event = threading.Event()
        self.lock = threading.Lock()

    def admit(self) -> bool:
        """True for the first ``let_through`` calls: that request is not held."""
        with self.lock:
            self.passed += 1
            return self.passed <= self.let_through

    def wait(self) -> None:
        self.event.wait()

    def set(self) -> None:
        self.event.set()


@dataclass
class Fault:
    delay: float = 0.0  # seconds before answering
    status: int | None = None  # answer this status with a short body
    reset: bool = False  # close the connection with a TCP reset, no answer
    truncate: bool = False  # announce the whole body, send half of it, close
    redirect: str | None = None  # 302 to this location
    body: bytes | None = None  # answer these bytes instead of the fixture
    content_type: str = "text/html"  # without charset, as most campus servers send it
    size: int | None = None  # answer a body of this many bytes (oversize pages)
    times: int | None = None  # apply only to the first N requests of the path
    headers: dict | None = None  # extra headers on a ``status`` answer, e.g. Retry-After
    # Hold the request until this event (or Gate) is set, then answer as usual: the test
    # knows the crawl waits here, does what it wants meanwhile (a kill), then lets it go.
    block: threading.Event | Gate | None = None


class HttpSite:
    def __init__(self, root: Path, host: str = HOST):
        self.root = Path(root)
        self.host = host  # the real site's host: pages come from {root}/{host}/
        self.faults: dict[str, Fault] = {}
        self.pages: dict[str, bytes] = {}  # path -> bytes, over the fixtures
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        self.times: list[tuple[str, float]] = []  # (path, time.monotonic() on arrival)
        self.held: list[str] = []  # paths of requests waiting on a Fault's block now
        # Validators sent with every page: () none, or any of "etag", "last-modified".
        self.validators: tuple[str, ...] = ()
        self.answers: list[tuple[str, int]] = []  # (path, status) of each page answered
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                site.handle(self)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # a crawl opens many connections at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        # shutdown() waits for the serving loop to look at its flag, every poll_interval:
        # the default half second was half a second of every test on this site.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        for fault in list(self.faults.values()):  # let held requests go, or they hang on
            if fault.block is not None:
                fault.block.set()
        self.server.shutdown()
        self.server.server_close()

    # --- what the tests read ------------------------------------------------------------
    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _ in self.requests]

    def article_requests(self) -> list[str]:
        return [p for p in self.paths() if "/system/20" in p]

    def list_requests(self) -> list[str]:
        return [p for p in self.paths() if p.endswith("index.shtml") or "/system/count/" in p]

    def reset_log(self) -> None:
        with self.lock:
            self.requests.clear()
            self.times.clear()
            self.answers.clear()

    def held_paths(self) -> list[str]:
        with self.lock:
            return list(self.held)

    # --- serving ------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self.lock:
            self.requests.append((path, handler.headers.get("User-Agent", "")))
            self.times.append((path, time.monotonic()))
            seen = sum(1 for p, _ in self.requests if p == path)
        fault = self.faults.get(path.split("?")[0]) or self.faults.get(path)
        if fault and fault.times is not None and seen > fault.times:
            fault = None
        fault = fault or Fault()
        if fault.delay:
            time.sleep(fault.delay)
        if fault.block is not None and not (isinstance(fault.block, Gate) and fault.block.admit()):
            with self.lock:
                self.held.append(path)
            fault.block.wait()
            with self.lock:
                self.held.remove(path)
        if fault.reset:
            sock = handler.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            sock.close()
            return
        if fault.redirect:
            handler.send_response(302)
            handler.send_header("Location", fault.redirect)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        if fault.status:
            body = f"<html><body>error {fault.status}</body></html>".encode()
            self.send(handler, fault.status, body, "text/html", fault.headers)
            return
        if fault.size is not None:
            body = b"<html><body>" + b"x" * fault.size + b"</body></html>"
        elif fault.body is not None:
            body = fault.body
        else:
            body = self.pages.get(path, self.pages.get(path.split("?")[0]))
            if body is None:
                file = fixture_path(self.root, f"http://{self.host}{path}")
                if not file.is_file():
                    self.send(handler, 404, b"<html><body>not found</body></html>", "text/html")
                    return
                body = file.read_bytes()
        if fault.truncate:
            handler.send_response(200)
            handler.send_header("Content-Type", fault.content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        content_type = "text/plain" if path.endswith(".txt") else fault.content_type
        headers = self.validator_headers(body)
        if headers and self.not_modified(handler, headers):
            self.send(handler, 304, b"", content_type, headers)
            return
        self.send(handler, 200, body, content_type, headers)

    def validator_headers(self, body: bytes) -> dict:
        """ETag and Last-Modified of these bytes: both change when the bytes change."""
        digest = hashlib.sha1(body).digest()
        headers = {}
        if "etag" in self.validators:
            headers["ETag"] = f'"{digest.hex()[:16]}"'
        if "last-modified" in self.validators:
            moment = 1_600_000_000 + int.from_bytes(digest[:3], "big")  # a time of these bytes
            headers["Last-Modified"] = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(moment))
        return headers

    @staticmethod
    def not_modified(handler, headers: dict) -> bool:
        """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
        if handler.headers.get("If-None-Match") is not None:
            return handler.headers["If-None-Match"] == headers.get("ETag")
        since = handler.headers.get("If-Modified-Since")
        return since is not None and since == headers.get("Last-Modified")

    def send(self, handler, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        with self.lock:
            self.answers.append((handler.path, status))
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
