"""Run locks: exclusive ``flock``s on files beside the state and in the output directory.

A crawl holds two while it runs: ``{state}.lock`` and ``{output}/.newsbot/run.lock`` (one
state, or one output directory, is never written by two runs at once). An operator command
that changes the output or the state (``newsbot rebuild-state``, ``adopt``, ``merge-shards``,
``feeds``, ``failed --requeue``, …) takes the same locks first (``RunLock``), so it never runs
beside a crawl, and a command that finds them held stops before it changes anything
(``StateLocked``, exit 3).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from newsbot.errors import StateLocked


def lock_file(path: Path, note_pid: bool = True):
    """An exclusive, non-blocking flock on ``path`` (held while the handle is open).
    ``note_pid``: write this process's id in it (a crawl does; an operator command leaves
    the file as it was, so a command that fails changes nothing at all)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise StateLocked(f"another newsbot run holds {path}") from None
    if note_pid:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
    return handle


def release(handles) -> None:
    for handle in handles:
        try:
            fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()


def run_lock_paths(state: Path | None, output: Path | None) -> list[Path]:
    """The lock files of a run on ``state`` (an SQLite file, or None for a state elsewhere)
    writing to ``output``: the state's own, then the output directory's."""
    paths = []
    if state is not None:
        paths.append(Path(f"{state}.lock"))
    if output is not None:
        own = Path(output).resolve() / ".newsbot" / "run.lock"
        if not paths or own != paths[0].resolve():
            paths.append(own)
    return paths


class RunLock:
    """The run locks of ``state`` and ``output``, held inside ``with``: StateLocked when
    another run holds one (and then none is held)."""

    def __init__(self, state: Path | None, output: Path | None):
        self.paths = run_lock_paths(state, output)
        self.handles: list = []

    def __enter__(self) -> "RunLock":
        try:
            for path in self.paths:
                self.handles.append(lock_file(path, note_pid=False))
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        release(self.handles)
        self.handles = []

    def __exit__(self, *exc) -> None:
        self.release()
