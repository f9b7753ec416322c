"""Files that readers and crashes see whole or not at all: the atomic write, the batch
fsync before articles are recorded as written, and the temp files a killed run leaves."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

TEMP_PREFIX = ".newsbot-tmp-"


_temp_names = itertools.count()  # next() on it is atomic: safe from the writer thread


def _create_temp(directory: Path) -> tuple[int, Path]:
    """A new temp file in ``directory``. Created with mode 0666, so the kernel applies the
    umask (NEWSBOT_FILE_MODE sets it) and a web server running as another user reads it."""
    while True:
        tmp = directory / f"{TEMP_PREFIX}{os.getpid()}-{next(_temp_names)}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:  # left by an earlier process with the same pid
            continue


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> None:
    """Write ``text`` to ``path`` so that readers, and a crash, see the old file or the
    whole new one, never a part: temp file in the same directory, fsync, rename, fsync dir.
    ``durable=False`` leaves the fsyncs to the caller, who syncs a batch of files at once
    (``sync_files``) before recording them as written."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        fd, tmp = _create_temp(path.parent)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_stale_temp_files(root: Path) -> int:
    """Temp files left by a killed run: never complete, always safe to delete."""
    removed = 0
    if root.exists():
        for tmp in root.rglob(f"{TEMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed



def sync_files(paths) -> None:
    """fsync each file and, once, each directory they are in (their renames)."""
    paths = list(paths)
    for path in [*paths, *dict.fromkeys(p.parent for p in paths)]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


PROBE_BYTES = 64 * 1024  # what a start-up probe writes once per file system


def check_writable(directories) -> None:
    """Before a run or an operator command changes anything: each of ``directories`` that
    exists takes a new file (or, for one that does not exist yet, the nearest directory
    above it does), and each file system among them takes ``PROBE_BYTES``. Raises
    ``OutputError`` naming the directory and the cause (no space left, read-only file
    system, permission denied), so a start-up failure says what is wrong, not what it
    broke. The probe files are removed."""
    from newsbot.errors import OUTPUT_ERRNOS, OutputError

    def refused(exc: OSError, directory: Path) -> OutputError:
        cause = OUTPUT_ERRNOS.get(exc.errno, exc.strerror or str(exc))
        return OutputError(f"cannot write in {directory}: {cause}")

    probed_devices = set()
    for directory in dict.fromkeys(Path(d) for d in directories):
        while not directory.exists() and directory != directory.parent:
            directory = directory.parent
        if not directory.is_dir():
            continue  # a file in the way: the settings' check says so
        device = directory.stat().st_dev
        try:
            fd, tmp = _create_temp(directory)
        except OSError as exc:
            raise refused(exc, directory) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                if device not in probed_devices:
                    # No fsync: a full disk refuses the write itself (ext4, XFS, tmpfs reserve
                    # blocks then), and an fsync can stall a start-up for half a second.
                    handle.write(b"\0" * PROBE_BYTES)
                    handle.flush()
                    probed_devices.add(device)
        except OSError as exc:
            raise refused(exc, directory) from None
        finally:
            tmp.unlink(missing_ok=True)
