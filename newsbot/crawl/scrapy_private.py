"""The private Scrapy APIs newsbot uses, each in one place, where no public API does the job.
tests/test_scrapy_private.py fails loudly when a Scrapy upgrade breaks one of them.

- ``set_url``: a request's or response's URL rewritten in place (the host map). The public
  way, ``replace(url=…)``, makes a new object: the downloader would not recognise the
  request it sent in the response that comes back, and a copy per page cost more than the
  download of a replayed page.
- ``robots_parsers``: the robots.txt rules Scrapy's middleware has read, per host. Scrapy
  2.19 hands them only to the first request that waited for robots.txt (the later ones get
  None, "allow all"), so newsbot's middleware looks them up itself.
"""

from __future__ import annotations


def set_url(message, url: str) -> None:
    """Set a Request's or Response's URL in place (``Request._set_url``)."""
    message._set_url(url)


def robots_parsers(middleware) -> dict:
    """``RobotsTxtMiddleware._parsers``: netloc -> parser (or a Deferred while robots.txt is
    being fetched, or None when it could not be)."""
    return middleware._parsers
