"""Secrets are never written down (docs/cluster.md, "Running on several machines"): a password in a
URL (the cluster's Redis URL, a proxy's, a feed store's), a query argument such as
``ssl_password=``, a secret setting (``AWS_SECRET_ACCESS_KEY``) and a password read from a
file are shown as ``***`` in every log line, message and report newsbot writes:
``redis://newsbot:***@10.0.0.5:6379/2``.

One function, ``mask``, and the few places that call it: ``install`` (every log record a
newsbot process makes: the crawl's addon and command, the ``newsbot`` CLI), the error
boundary's one line, the run report and the status page. ``public`` also drops server paths:
what the published status page and the reports it links to may show.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from urllib.parse import quote

MASK = "***"
MIN_LENGTH = 4  # a remembered secret shorter than this is not searched for in free text

# scheme://user:PASSWORD@host — the password runs to the last "@" before the host, as
# urllib splits it (a raw "@" in a password), and is never empty-masked.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/@:'\"<>]*:)[^\s/'\"<>]+(?=@)")
# redis-py's ssl_password= (a client key's), and the usual names of a password argument.
_QUERY_SECRET = re.compile(r"(?P<head>[?&;](?:password|ssl_password|passwd|pwd)=)[^&\s'\"#<>]+", re.IGNORECASE)
# An absolute path's directories (/srv/news/nankai/x.md: "/srv/news/nankai/"), not a URL's
# path (after a host or "://"), nor an HTML end tag's slash.
_SERVER_DIRECTORIES = re.compile(r"(?<![\w:/.<>~-])/(?:[\w.@+~-]+/)+")
# Settings whose whole value is a secret (Scrapy's own; its "Overridden settings" line prints them).
SECRET_SETTINGS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "TELNETCONSOLE_PASSWORD", "REDIS_PASSWORD")

_known: set[str] = set()


def remember(secret: str | None) -> None:
    """A secret value this process holds (a password file's content, a secret setting):
    from now on it is masked wherever it appears, also percent-encoded."""
    if secret and len(secret) >= MIN_LENGTH:
        _known.add(secret)
        _known.add(quote(secret, safe=""))


def mask(text):
    """``text`` with every password in a URL, secret query argument and remembered secret
    replaced by ``***``. Anything not a string is returned as it is."""
    if not isinstance(text, str):
        return text
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)
    if "=" in text:
        text = _QUERY_SECRET.sub(lambda m: m["head"] + MASK, text)
    for secret in sorted((s for s in _known if s in text), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def public(text, *roots) -> str:
    """``mask``, and no server path: what a published page (the status page, a run report
    it links to) may show. A path under one of ``roots`` (the output directory) becomes
    relative to it; any other absolute path keeps only its last part."""
    text = mask(text)
    if not isinstance(text, str):
        return text
    for root in roots:
        for form in {str(root), str(Path(root).resolve())}:
            text = text.replace(form.rstrip("/") + "/", "")
    return _SERVER_DIRECTORIES.sub("", text)


def remember_settings(settings) -> None:
    """Remember the secrets in a crawl's settings: passwords in URL values, secret settings
    (``SECRET_SETTINGS``, ``REDIS_PARAMS``'s password), so that they are masked even where
    they appear outside a URL. Reads the stored values (``attributes``), not through
    ``get``, which would warn about every deprecated setting it is asked for."""
    values = {name: attribute.value for name, attribute in getattr(settings, "attributes", {}).items()}
    for name in SECRET_SETTINGS:
        remember(values.get(name) if isinstance(values.get(name), str) else None)
    params = values.get("REDIS_PARAMS")
    params = getattr(params, "copy_to_dict", lambda: params)()  # a BaseSettings when set by -s
    if isinstance(params, dict) and isinstance(params.get("password"), str):
        remember(params["password"])
    for value in values.values():
        if isinstance(value, str) and "://" in value:
            remember(url_password(value))


def url_password(url: str) -> str | None:
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(url).password
    except ValueError:
        return None
    return unquote(password) if password else None


class MaskedLogRecord(logging.LogRecord):
    """A log record whose message is masked when a handler formats it, not when it is made:
    the root logger passes every DEBUG record to Scrapy's handler, which drops most of them,
    and formatting them all (an item's repr in "Scraped from") cost a backfill a tenth of its
    CPU. A class, not a per-record attribute, so that a record still pickles (SocketHandler,
    QueueHandler)."""

    def getMessage(self) -> str:  # noqa: N802 - logging's name
        return mask(super().getMessage())


def _mask_record(record: logging.LogRecord) -> None:
    if type(record) is logging.LogRecord:
        record.__class__ = MaskedLogRecord
    else:  # another factory's record class: masked now, as it is made
        message = record.getMessage()
        if mask(message) != message:
            record.msg, record.args = mask(message), ()
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        if mask(text) != text:
            record.exc_text = mask(text)  # what every formatter prints for the exception
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


def install() -> None:
    """Mask every log record this process makes from now on, whatever logger and handler
    (Scrapy replaces its root handler as crawlers start; a record factory stays), and the
    traceback of an exception nobody caught. Idempotent."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "newsbot_masks", False):
        return

    def masking_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        _mask_record(record)
        return record

    masking_factory.newsbot_masks = True
    logging.setLogRecordFactory(masking_factory)
    hook = sys.excepthook

    def masking_excepthook(kind, value, traceback):
        import traceback as tb

        text = "".join(tb.format_exception(kind, value, traceback))
        if mask(text) == text:
            return hook(kind, value, traceback)
        sys.stderr.write(mask(text))

    sys.excepthook = masking_excepthook
