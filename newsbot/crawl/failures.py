"""Why a request failed, as a short name (``newsbot/errors/<reason>``), by the exception's type.

Scrapy (2.13 and later) turns the download handler's Twisted errors into its own types
(``scrapy.exceptions.CannotResolveHostError`` and the rest); the Twisted ones are listed
too, for what reaches us unwrapped (a connection lost before the handler's wrapper).
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError, DownloadFailedError,
    DownloadTimeoutError, IgnoreRequest, ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted

from newsbot.storage.state.base import FailedAttempt

UNREACHABLE = ("dns", "connection", "timeout")  # reasons that mean the site cannot be reached


class OffsiteRequest(IgnoreRequest):
    """A request, or a redirect, to a host that is none of the spider's sites'."""


class RobotsForbidden(IgnoreRequest):
    """A request robots.txt does not allow."""


class RobotsUnavailable(IgnoreRequest):
    """A request to a host whose robots.txt could not be read this run (a 5xx answer, a
    timeout, a refused connection): RFC 9309 2.3.1.4 says disallow everything. Not the
    article's failure: it stays queued for the next run."""


# First match wins.
REASONS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((OffsiteRequest,), "offsite"),
    ((RobotsForbidden,), "robots"),
    ((RobotsUnavailable,), "robots_unavailable"),
    ((CannotResolveHostError, twisted.DNSLookupError), "dns"),
    ((DownloadTimeoutError, twisted.TimeoutError, twisted.TCPTimedOutError), "timeout"),
    # The downloader cancels a body larger than DOWNLOAD_MAXSIZE (or the request's).
    ((DownloadCancelledError,), "too_large"),
    ((ResponseDataLossError,), "data_loss"),
    ((DownloadConnectionRefusedError, DownloadFailedError, twisted.ConnectError, twisted.ConnectionLost,
      twisted.ConnectionDone), "connection"),
)


def failure_reason(failure, max_redirects: int = 20) -> str:
    """A short name for why a request failed (newsbot/errors/<reason>): ``http_404``,
    ``dns``, ``timeout``, …, or the exception's class name for anything else."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    for types, reason in REASONS:
        if isinstance(error, types):
            return reason
    request = getattr(failure, "request", None)
    if isinstance(error, IgnoreRequest) and request is not None and (
        request.meta.get("redirect_times", 0) >= max_redirects or request.meta.get("redirect_ttl") == 0
    ):
        return "redirect_loop"  # RedirectMiddleware: "max redirections reached"
    return type(error).__name__


def count_failed_article(stats, reason: str, outcome: FailedAttempt) -> None:
    """An article of this run that failed and waits for a retry (its page did not arrive or
    could not be read, or it was written but an image did not download) or was given up
    on (``outcome``: the state's ``fail``): the counts the run summary, the run report and
    ``newsbot failed`` share."""
    stats.inc_value("newsbot/failed_articles")
    stats.inc_value(f"newsbot/failed_reason/{reason}")
    if outcome.given_up:
        stats.inc_value("newsbot/given_up")
