"""Files an article refers to, downloaded beside its post: what local images
(``images.py``, ``NEWSBOT_IMAGES=local``) and local attachments (``attachments.py``,
``NEWSBOT_ATTACHMENTS=local``) share. Each is a Scrapy FilesPipeline, so the crawl's
politeness, robots.txt, retries, host map and replay apply to the downloads, and the site's
hosts only (``SiteHostsMiddleware`` refuses the others). A file is stored where the
profile keeps the post's files (``newsbot.publish.places``), under the SHA-256 of its bytes
and the extension its sniffed type allows, atomically and durably before the post that
refers to it is written. A file that does not download keeps its remote URL in the post;
the article asks to be fetched again (``retry_reason``), unless no new try can help (too
big, a type that is never stored, refused by robots.txt or the site's hosts)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from twisted.internet.defer import CancelledError

from newsbot.publish.images import ASSET_DIRS
from newsbot.publish.places import Places
from newsbot.publish.profiles import parse_profiles
from newsbot.sites import get_site
from newsbot.storage.files import write_atomic

logger = logging.getLogger(__name__)


class FileFailed(Exception):
    """An answer that is not stored; ``reason`` is counted as newsbot/{kind}/failed/{reason}."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, FileFailed):
        return exc.reason
    if isinstance(exc.__cause__, OSError):  # FilesPipeline wraps an error storing the file
        return "store_error"
    if isinstance(exc, IgnoreRequest):  # robots.txt, or a host that is not the site's
        return "refused"
    if isinstance(exc, (CancelledError, DownloadCancelledError)):
        return "too_big"  # the downloader cancels a body over the request's download_maxsize
    if isinstance(exc, DownloadTimeoutError):
        return "timeout"
    return "download_error"


class AtomicFilesStore(FSFilesStore):
    """FilesPipeline's file-system store, writing each file atomically and durably."""

    def persist_file(self, path, buf, info, meta=None, headers=None):
        write_atomic(self._get_filesystem_path(path), buf.getvalue())


class LocalFilesPipeline(FilesPipeline):
    """A subclass says which setting switches it on, which files of an article it wants
    (``wanted``), which bytes it stores and under which extension (``extension``)."""

    STORE_SCHEMES = {"": AtomicFilesStore, "file": AtomicFilesStore}
    mode_setting = ""  # "local" here switches it on
    max_bytes_setting = ""
    kind = ""  # "images": the stats' newsbot/images/…
    noun = ""  # "image": in log lines
    wrong_type = ""  # the failure reason of bytes that are never stored
    stored_field = ""  # the Article's remote URL -> local name mapping
    retry_reason = ""  # the article's retry reason when a file can be tried again

    def __init__(self, store_uri, *, crawler):
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.output = Path(store_uri)
        self.places = Places.from_settings(settings)
        self.max_bytes = settings.getint(self.max_bytes_setting)
        self.profiles = parse_profiles(settings.get("NEWSBOT_FORMAT")) if settings.get("NEWSBOT_FORMAT") else None
        self.stats = crawler.stats
        self.failures: dict[str, tuple[str, str]] = {}  # url -> (reason, detail), this run
        # Failures a later run cannot fix: the article is not fetched again for them.
        self.permanent = frozenset({"too_big", self.wrong_type, "refused"})

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.get(cls.mode_setting, "remote") != "local":
            raise NotConfigured  # off by default: no WARNING line on every run (Scrapy logs a message)
        return cls(crawler.settings.get("NEWSBOT_OUTPUT_DIR", "output"), crawler=crawler)

    # --- what a subclass says ------------------------------------------------------------
    def wanted(self, item) -> dict[str, str | None]:
        """The article's files to download: URL -> the extension its link declares."""
        raise NotImplementedError

    def extension(self, data: bytes, declared: str | None) -> str | None:
        """The extension (no dot) these bytes are stored with; None: they are never stored."""
        raise NotImplementedError

    # --- FilesPipeline's hooks -----------------------------------------------------------
    def folders(self, item) -> list[Path]:
        """Where this article's files go: one folder per profile that shows them."""
        profiles = self.profiles or [get_site(item.site).profile]
        return [self.places.images(item.site, profile, item.urlname) for profile in profiles if profile in ASSET_DIRS]

    def get_media_requests(self, item, info):
        if not self.folders(item):
            return []
        return [Request(url, meta={"download_maxsize": self.max_bytes, "newsbot_declared": declared},
                        headers={"Referer": item.url})
                for url, declared in self.wanted(item).items()]

    def media_to_download(self, request, info, *, item=None):
        return None  # the name is the hash of the bytes: nothing to look up before a download

    def refusal(self, response, request) -> str | None:
        """Why a downloaded answer is not stored, if it is not."""
        if response.status != 200:
            return f"http_{response.status}"
        if not response.body:
            return "empty"
        if len(response.body) > self.max_bytes:  # replayed pages do not pass the downloader's cap
            return "too_big"
        if self.extension(response.body, request.meta.get("newsbot_declared")) is None:
            return self.wrong_type
        return None

    async def media_downloaded(self, response, request, info, *, item=None):
        reason = self.refusal(response, request)
        if reason:
            raise FileFailed(reason)
        stored = await super().media_downloaded(response, request, info, item=item)
        self.stats.inc_value(f"newsbot/{self.kind}/downloaded")
        return stored

    def media_failed(self, failure, request, info):
        # Kept and returned, not raised: Scrapy logs a raised failure as an ERROR with a
        # traceback, while a failed download is an expected event (item_completed logs a
        # line, counts it). The download's result is then None.
        self.failures[request.url] = (failure_reason(failure.value), str(failure.value))
        return None

    def file_path(self, request, response=None, info=None, *, item=None):
        """Where FilesPipeline stores a download, relative to the output: the first folder of
        the article that asked for it (item_completed copies it to the others)."""
        extension = self.extension(response.body, request.meta.get("newsbot_declared"))
        name = f"{hashlib.sha256(response.body).hexdigest()}.{extension}"
        return (self.folders(item)[0] / name).as_posix()

    def item_completed(self, results, item, info):
        stored_names = {}
        failed = []  # (url, reason, detail)
        for (ok, stored), url in zip(results, self.wanted(item)):
            if not ok or stored is None:
                failed.append((url, *self.failures.get(url, ("download_error", str(stored)))))
                continue
            try:
                stored_names[url] = self.store_for(item, self.output / stored["path"])
            except OSError as exc:
                failed.append((url, "store_error", str(exc)))
        setattr(item, self.stored_field, stored_names)
        for url, reason, detail in failed:
            self.stats.inc_value(f"newsbot/{self.kind}/failed/{reason}")
            logger.warning("%s: %s %s not stored (%s%s); the post links to it", item.url, self.noun, url, reason,
                           "" if detail == reason else f": {detail}")
        if any(reason not in self.permanent for _, reason, _ in failed):
            item.retry_reason = item.retry_reason or self.retry_reason
        return item

    def store_for(self, item, stored: Path) -> str:
        """The stored file in each of the article's folders (a download made for another
        article is copied); its name."""
        for folder in self.folders(item):
            target = self.output / folder / stored.name
            if target != stored and not target.exists():
                write_atomic(target, stored.read_bytes())
        return stored.name
