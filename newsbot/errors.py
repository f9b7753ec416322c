"""What can go wrong, by type, and the exit code each means (docs/operations.md, "Exit codes"); and the
one error boundary every entry point goes through (``boundary``).

Every layer raises these; the crawl command (``scrapy crawl``, a scrapyd job) and the
``newsbot`` commands run inside ``boundary``, which turns them into one line ``newsbot: …``
on stderr and their exit code. A failure that is none of them is a bug: one line too, and
its traceback in a file the line names.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager

from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 1  # a bad setting, argument, option or input; a corrupt state; nothing was done
EXIT_USAGE = EXIT_CONFIG  # the command line itself: one line and exit 1 too (the boundary)
EXIT_LOCKED = 3  # another run holds this state or output directory
EXIT_ALARM = 4  # the site's layout may have changed, articles fail or were given up on
EXIT_UNREACHABLE = 5  # no list page could be fetched: DNS, refused, timeouts
EXIT_OUTPUT = 6  # the output or the state cannot be written: disk full, permissions, Redis gone
EXIT_BROKEN_PIPE = 141  # the reader of its output went away (| head): 128 + SIGPIPE, as other tools


class NewsbotError(Exception):
    """A known failure: its message is the one line the boundary prints, ``exit_code``
    the code the command exits with."""

    exit_code = EXIT_CONFIG


class ConfigError(NewsbotError, ValueError):
    """A bad setting, spider argument or command option; the message names it and says
    what is allowed."""

    exit_code = EXIT_CONFIG


class StateLocked(NewsbotError, RuntimeError):
    """Another run (or operator command) holds this state or this output directory."""

    exit_code = EXIT_LOCKED


class StateCorrupt(NewsbotError, RuntimeError):
    """The state file is not a newsbot state (truncated, overwritten): the one failure
    whose remedy is ``newsbot rebuild-state``."""

    exit_code = EXIT_CONFIG


class SiteUnreachable(NewsbotError, RuntimeError):
    """A site (or its mirror) that does not answer: DNS, refused, timed out."""

    exit_code = EXIT_UNREACHABLE


class OutputError(NewsbotError, RuntimeError):
    """The output directory or the state cannot be written (disk full, read-only,
    permissions, a Redis server that refuses or is gone)."""

    exit_code = EXIT_OUTPUT


class StateUnreachable(OutputError):
    """The state's Redis server cannot be used: gone, refusing connections, refusing the
    credentials or the TLS handshake, out of memory."""


# --- the boundary ---------------------------------------------------------------------------
# What an OSError's errno says about the output, for the one line.
OUTPUT_ERRNOS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
                 errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                 errno.EPERM: "operation not permitted", errno.EIO: "input/output error"}


def output_error(exc: OSError, doing: str = "cannot write") -> OutputError:
    """An OSError from writing the output, as the known failure it is."""
    cause = OUTPUT_ERRNOS.get(exc.errno, exc.strerror or str(exc))
    where = f" {exc.filename}" if exc.filename else ""
    return OutputError(f"{doing}{where}: {cause}")


def known_failure(exc: BaseException) -> NewsbotError | None:
    """``exc`` as a known failure, or None for a bug. Besides newsbot's own types: an
    output that cannot be written (OSError with a disk errno), SQLite unable to write its
    file, a Redis server that cannot be used."""
    if isinstance(exc, NewsbotError):
        return exc
    if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:
        return output_error(exc)
    if isinstance(exc, sqlite3.OperationalError) and any(
            words in str(exc) for words in ("disk is full", "disk I/O error", "readonly database",
                                            "unable to open database file")):
        return OutputError(f"the state cannot be written: {exc}")
    module = type(exc).__module__ or ""
    if module.startswith("redis.") and type(exc).__name__ in (
            "ConnectionError", "TimeoutError", "AuthenticationError", "AuthenticationWrongNumberOfArgsError",
            "BusyLoadingError", "ReadOnlyError", "OutOfMemoryError", "NoPermissionError"):
        return StateUnreachable(f"the state's Redis server cannot be used: {type(exc).__name__}: {exc}")
    return None


def say(message: str) -> None:
    """One line on stderr: ``newsbot: …``, secrets masked (newsbot.secrets)."""
    from newsbot import secrets

    print(f"newsbot: {' '.join(secrets.mask(str(message)).split())}", file=sys.stderr, flush=True)


def save_traceback(exc: BaseException) -> str:
    """Write ``exc``'s traceback to a file in the system's temp directory; its path."""
    name = f"newsbot-traceback-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    path = os.path.join(tempfile.gettempdir(), name)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"newsbot {' '.join(sys.argv)}\n")
            handle.write("".join(traceback.format_exception(exc)))
    except OSError as cannot:
        return f"nowhere ({path}: {cannot.strerror})"
    return path


def exit_code_for(exc: BaseException) -> int:
    """Print ``exc`` as one line and return the exit code it means."""
    known = known_failure(exc)
    if known is not None:
        say(str(known))
        return known.exit_code
    say(f"unexpected error, a bug: {type(exc).__name__}: {exc} (traceback in {save_traceback(exc)})")
    return EXIT_CONFIG


@contextmanager
def boundary():
    """Where every command ends: a known failure is one line and its exit code
    (``SystemExit``), an unknown one a line naming the file that holds its traceback.
    Interrupted (Ctrl-C), the command exits 130 with one line; a reader that closed the
    pipe ends it quietly with 141, as a tool killed by SIGPIPE."""
    try:
        yield
    except SystemExit:
        raise
    except KeyboardInterrupt:
        say("interrupted")
        raise SystemExit(130) from None
    except BrokenPipeError:  # the reader went away (newsbot sites | head): not a failure to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit's flush
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except BaseException as exc:  # noqa: BLE001 - the boundary: everything ends here
        raise SystemExit(exit_code_for(exc)) from None


class Dropped(DropItem):
    """An article not written, with a short machine-readable reason (counted as
    ``newsbot/dropped/{reason}``): no title, no body, already written, …"""

    def __init__(self, reason: str, message: str, log_level: str = "WARNING"):
        super().__init__(f"{reason}: {message}", log_level=log_level)
        self.reason, self.message, self.log_level = reason, message, log_level

    def __reduce__(self):  # raised in a worker process (newsbot.crawl.workers), re-raised here
        return (type(self), (self.reason, self.message, self.log_level))


def stop_for_output_error(crawler, error) -> None:
    """The run cannot record what it does: stop it (the run report: exit 6). Nothing is
    lost: what was not recorded stays pending in the state and the next run writes it."""
    first = not crawler.stats.get_value("newsbot/output_error")
    crawler.stats.inc_value("newsbot/output_error")
    if not first:  # one line per cause: every item or request in flight meets it again
        return
    crawler.newsbot_output_error = str(error)
    logger.error("output: %s; stopping the run", error)
    if crawler.engine and crawler.engine.running:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason="output_error"))
