"""``NEWSBOT_IMAGES=local``: each article's body images downloaded through Scrapy's
FilesPipeline (so the crawl's politeness, robots.txt, retries, host map and replay apply to
them) and stored where the profile wants them (``newsbot.publish.images``), atomically and
durably before the post that refers to them is written. An image that does not download
keeps its remote URL in the post; the article asks to be fetched again (``retry_reason``),
unless no new try can help (too big, not an image, refused by robots.txt or the site's
hosts)."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest, NotConfigured
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from twisted.internet.defer import CancelledError

from newsbot.publish.images import ASSET_DIRS, image_extension, local_name
from newsbot.publish.places import Places
from newsbot.publish.profiles import parse_profiles
from newsbot.sites import get_site
from newsbot.storage.files import write_atomic

logger = logging.getLogger(__name__)

# Failures a later run cannot fix: the article is not fetched again for them.
PERMANENT = frozenset({"too_big", "not_image", "refused"})


class ImageFailed(Exception):
    """An answer that is not stored; ``reason`` is counted as newsbot/images/failed/{reason}."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(message or reason)
        self.reason = reason


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ImageFailed):
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


class LocalImagesPipeline(FilesPipeline):
    STORE_SCHEMES = {"": AtomicFilesStore, "file": AtomicFilesStore}

    def __init__(self, store_uri, *, crawler):
        super().__init__(store_uri, crawler=crawler)
        settings = crawler.settings
        self.output = Path(store_uri)
        self.places = Places.from_settings(settings)
        self.max_bytes = settings.getint("NEWSBOT_IMAGES_MAX_BYTES")
        self.profiles = parse_profiles(settings.get("NEWSBOT_FORMAT")) if settings.get("NEWSBOT_FORMAT") else None
        self.stats = crawler.stats
        self.failures: dict[str, tuple[str, str]] = {}  # url -> (reason, detail), this run

    @classmethod
    def from_crawler(cls, crawler):
        if crawler.settings.get("NEWSBOT_IMAGES", "remote") != "local":
            raise NotConfigured  # off by default: no WARNING line on every run (Scrapy logs a message)
        return cls(crawler.settings.get("NEWSBOT_OUTPUT_DIR", "output"), crawler=crawler)

    def image_dirs(self, item) -> list[Path]:
        """Where this article's images go: one folder per profile that shows images."""
        profiles = self.profiles or [get_site(item.site).profile]
        return [self.places.images(item.site, profile, item.urlname) for profile in profiles if profile in ASSET_DIRS]

    def get_media_requests(self, item, info):
        if not self.image_dirs(item):
            return []
        return [Request(url, meta={"download_maxsize": self.max_bytes}, headers={"Referer": item.url})
                for url in dict.fromkeys(item.images)]

    def media_to_download(self, request, info, *, item=None):
        return None  # the name is the hash of the bytes: nothing to look up before a download

    def refusal(self, response) -> str | None:
        """Why a downloaded answer is not stored, if it is not."""
        if response.status != 200:
            return f"http_{response.status}"
        if not response.body:
            return "empty"
        if len(response.body) > self.max_bytes:  # replayed pages do not pass the downloader's cap
            return "too_big"
        if image_extension(response.body) is None:
            return "not_image"  # not a JPEG, PNG, GIF or WebP
        return None

    async def media_downloaded(self, response, request, info, *, item=None):
        reason = self.refusal(response)
        if reason:
            raise ImageFailed(reason)
        stored = await super().media_downloaded(response, request, info, item=item)
        self.stats.inc_value("newsbot/images/downloaded")
        return stored

    def media_failed(self, failure, request, info):
        # Kept and returned, not raised: Scrapy logs a raised failure as an ERROR with a
        # traceback, while a failed image is an expected event (item_completed logs a
        # line, counts it). The download's result is then None.
        self.failures[request.url] = (failure_reason(failure.value), str(failure.value))
        return None

    def file_path(self, request, response=None, info=None, *, item=None):
        """Where FilesPipeline stores a download, relative to the output: the first image
        folder of the article that asked for it (item_completed copies it to the others)."""
        return (self.image_dirs(item)[0] / local_name(response.body)).as_posix()

    def item_completed(self, results, item, info):
        item.local_images = {}
        failed = []  # (url, reason, detail)
        for (ok, stored), url in zip(results, dict.fromkeys(item.images)):
            if not ok or stored is None:
                failed.append((url, *self.failures.get(url, ("download_error", str(stored)))))
                continue
            try:
                item.local_images[url] = self.store_for(item, self.output / stored["path"])
            except OSError as exc:
                failed.append((url, "store_error", str(exc)))
        for url, reason, detail in failed:
            self.stats.inc_value(f"newsbot/images/failed/{reason}")
            logger.warning("%s: image %s not stored (%s%s); the post links to it", item.url, url, reason,
                           "" if detail == reason else f": {detail}")
        if any(reason not in PERMANENT for _, reason, _ in failed):
            item.retry_reason = "images_failed"
        return item

    def store_for(self, item, stored: Path) -> str:
        """The stored image in each of the article's image folders (a download made for
        another article is copied); its name."""
        for folder in self.image_dirs(item):
            target = self.output / folder / stored.name
            if target != stored and not target.exists():
                write_atomic(target, stored.read_bytes())
        return stored.name
