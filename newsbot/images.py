"""Local images for blogs (``NEWSBOT_IMAGES=local``): each article's body images are
downloaded through Scrapy's FilesPipeline (so the crawl's politeness, robots.txt, retries,
host map and replay apply to them), stored where the blog looks for them, and the post
refers to the local copy. The default (``remote``) links to the site's images.

Where each profile wants them, relative to ``{output}/{site}/{profile}/``:

- hexo: ``{urlname}/{name}``, the post's asset folder beside ``{urlname}.md``
  (``post_asset_folder: true``), referenced by the bare name ``![图]({name})``, the form
  Hexo documents for asset folders (hexo-renderer-marked ``postAsset: true`` resolves it on
  every page; without it a browser resolves it against the post's own URL).
- jekyll: ``assets/{urlname}/{name}``, referenced as ``{site}/assets/{urlname}/{name}``
  with the profile's ``site`` option, as the post's footer links are.
- text: no images.

``name`` is the SHA-256 of the image's bytes with the extension of its sniffed type (JPEG,
PNG, GIF, WebP: nothing a browser would run, such as SVG or HTML, is ever stored): the
same image twice in an article is one file, and a post folder holds each image once.
An image that does not download keeps its remote URL in the post; the article asks to be
fetched again (``retry_reason``), unless no new try can help (too big, not an image,
refused by robots.txt or the site's hosts). Image files are written atomically and durably before the
post that refers to them, so a post never points at a file that does not exist.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from pathlib import Path, PurePosixPath

from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.pipelines.files import FilesPipeline, FSFilesStore
from twisted.internet.defer import CancelledError

from .body import escape_attribute, markdown_url
from .sites import get_site

logger = logging.getLogger(__name__)

MODES = ("remote", "local")  # NEWSBOT_IMAGES
# Magic bytes -> extension. Raster types only: an SVG or HTML file served from the blog's
# own origin could run script.
IMAGE_TYPES = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"), (b"GIF87a", ".gif"), (b"GIF89a", ".gif"))
# Failures a later run cannot fix: the article is not fetched again for them.
PERMANENT = frozenset({"too_big", "not_image", "refused"})
# What a local image name is made of (checked before it goes into a post).
LOCAL_NAME = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|gif|webp)")


def image_extension(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((ext for magic, ext in IMAGE_TYPES if data.startswith(magic)), None)


def local_name(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() + (image_extension(data) or "")


# --- where each profile keeps a post's images, and how the post refers to them ----------
ASSET_DIRS = {"hexo": "{urlname}", "jekyll": "assets/{urlname}"}


def asset_path(profile: str, urlname: str, name: str) -> PurePosixPath:
    """The image's path relative to the profile's directory ``{output}/{site}/{profile}``."""
    return PurePosixPath(ASSET_DIRS[profile].format(urlname=urlname), name)


def image_reference(profile: str, urlname: str, name: str, options: dict) -> str:
    """The URL the post uses. Made of the hex urlname, a hex hash and a fixed extension
    (and the configured site), so it needs no escaping in Markdown or HTML."""
    if not (LOCAL_NAME.fullmatch(name) and re.fullmatch(r"[0-9a-f]+", urlname)):
        raise ValueError(f"not a local image name: {urlname}/{name}")
    if profile == "hexo":
        return name
    return f"{options['site'].rstrip('/')}/{asset_path(profile, urlname, name)}"


def local_markdown(markdown: str, article, profile: str, options: dict) -> str:
    """``markdown`` with each downloaded image's paragraph pointing at the local file."""
    if not article.local_images:
        return markdown
    local = {f"![图]({markdown_url(url)})": f"![图]({image_reference(profile, article.urlname, name, options)})"
             for url, name in article.local_images.items()}
    # Image paragraphs are whole paragraphs; article text cannot equal one ('[' is escaped).
    return "\n\n".join(local.get(paragraph, paragraph) for paragraph in markdown.split("\n\n"))


# In the clean HTML (newsbot.body.clean_html) attribute values are double-quoted with '"'
# escaped, and text has '<' escaped: this matches the src of <img> tags only.
_IMG_SRC = re.compile(r'(<img(?:\s[\w:-]+="[^"]*")*?\ssrc=")([^"]*)(")')


def local_html(body_html: str, article, profile: str, options: dict) -> str:
    """``body_html`` with each downloaded image's src pointing at the local file."""
    if not article.local_images:
        return body_html

    def swap(match: re.Match) -> str:
        name = article.local_images.get(html.unescape(match[2]))
        if name is None:
            return match[0]
        return match[1] + escape_attribute(image_reference(profile, article.urlname, name, options)) + match[3]

    return _IMG_SRC.sub(swap, body_html)


# --- the pipeline -----------------------------------------------------------------------
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
    if isinstance(exc, CancelledError) or type(exc).__name__ == "DownloadCancelledError":
        return "too_big"  # the downloader cancels a body over the request's download_maxsize
    if type(exc).__name__ == "DownloadTimeoutError":
        return "timeout"
    return "download_error"


class AtomicFilesStore(FSFilesStore):
    """FilesPipeline's file-system store, writing each file atomically and durably."""

    def persist_file(self, path, buf, info, meta=None, headers=None):
        from .formats import write_atomic  # formats imports this module

        write_atomic(self._get_filesystem_path(path), buf.getvalue())


class LocalImagesPipeline(FilesPipeline):
    STORE_SCHEMES = {"": AtomicFilesStore, "file": AtomicFilesStore}

    def __init__(self, store_uri, *, crawler):
        super().__init__(store_uri, crawler=crawler)
        from .formats import parse_profiles

        settings = crawler.settings
        self.output = Path(store_uri)
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
        return [Path(item.site, profile, asset_path(profile, item.urlname, ""))
                for profile in profiles if profile in ASSET_DIRS]

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
        from .formats import write_atomic

        for folder in self.image_dirs(item):
            target = self.output / folder / stored.name
            if target != stored and not target.exists():
                write_atomic(target, stored.read_bytes())
        return stored.name
