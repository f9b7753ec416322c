"""Safe defaults a crawl applies to itself when it starts: its User-Agent, file mode and log
times, and Scrapy's optional extensions listed only when switched on (``NewsbotAddon``)."""

from __future__ import annotations

import logging
import os
from importlib import metadata

from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.settings import default_settings as scrapy_defaults

from newsbot import secrets
from newsbot import settings as newsbot_settings
from newsbot.crawl.config import file_mode
from newsbot.dates import site_time_struct


DISTRIBUTION = "campus-newsbot"  # pyproject.toml [project] name; the import name is newsbot


def user_agent(contact_url: str | None) -> str:
    """``newsbot/{version} (+{contact})``. A live crawl refuses to start without a contact
    (newsbot.crawl.config.check_identity); offline runs have none to give."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "0"
    return f"newsbot/{version} (+{contact_url})" if contact_url else f"newsbot/{version}"


class NewsbotAddon:
    """Settings that depend on other settings, applied when a crawl starts (not when
    newsbot/settings.py is imported, so ``-s`` overrides take effect)."""

    def update_settings(self, settings):
        # Secrets are masked in every log line from here on, Scrapy's "Overridden settings" too.
        secrets.install()
        secrets.remember_settings(settings)
        # An explicit USER_AGENT (settings.py, -s, a spider) wins; else the contact URL's.
        if settings.getpriority("USER_AGENT") <= SETTINGS_PRIORITIES["default"]:
            settings.set("USER_AGENT", user_agent(settings.get("NEWSBOT_CONTACT_URL")), priority="addon")
        apply_file_mode(settings)
        log_in_site_time()
        listed = settings.getdict("EXTENSIONS_BASE")
        for enabled, path in newsbot_settings.optional_extensions.items():
            if settings.getbool(enabled) and path not in listed:
                listed[path] = scrapy_defaults.EXTENSIONS_BASE[path]
                settings.set("EXTENSIONS_BASE", listed, priority=settings.getpriority("EXTENSIONS_BASE"))


def log_in_site_time() -> None:
    """Every log line's time in the sites' zone, labelled (LOG_DATEFORMAT's %z): the one
    convention of the times an operator reads (newsbot.dates), on a server in any zone."""
    logging.Formatter.converter = staticmethod(site_time_struct)


def apply_file_mode(settings) -> None:
    """NEWSBOT_FILE_MODE, through the process umask, so every file the run creates gets
    it: articles, feed, state, lock, reports (write_atomic follows the umask too)."""
    mode = file_mode(settings.get("NEWSBOT_FILE_MODE"))
    if mode is not None:
        os.umask(0o666 & ~mode)  # directories keep their execute bits: 0640 makes them 0751
