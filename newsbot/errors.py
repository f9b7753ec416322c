"""What can go wrong, by type, and the exit code each means (README, "Exit codes").

Every layer raises these; the crawl command and the ``newsbot`` commands turn them into one
line and their exit code. A failure that is not one of them is a bug.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_CONFIG = 1  # a bad setting, argument or input; a corrupt state; nothing was done
EXIT_USAGE = 2  # the command line itself (argparse's own code)
EXIT_LOCKED = 3  # another run holds this state or output directory
EXIT_ALARM = 4  # the site's layout may have changed, articles fail or were given up on
EXIT_UNREACHABLE = 5  # no list page could be fetched: DNS, refused, timeouts
EXIT_OUTPUT = 6  # the output or the state cannot be written: disk full, permissions, Redis gone


class ConfigError(ValueError):
    """A bad setting or spider argument; the message names it and says what is allowed."""

    exit_code = EXIT_CONFIG


class StateLocked(RuntimeError):
    """Another run holds this state or this output directory."""

    exit_code = EXIT_LOCKED


class StateCorrupt(RuntimeError):
    """The state file is not a newsbot state (truncated, overwritten)."""

    exit_code = EXIT_CONFIG


class OutputError(RuntimeError):
    """The output directory or the state cannot be written (disk full, read-only,
    permissions, a Redis server that refuses or is gone)."""

    exit_code = EXIT_OUTPUT


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
