"""Local images for blogs (``NEWSBOT_IMAGES=local``): where each profile keeps a post's
images and how the post refers to them. The images are downloaded by
``newsbot.crawl.pipelines.images`` (Scrapy's FilesPipeline, so the crawl's politeness,
robots.txt, retries, host map and replay apply to them). The default (``remote``) links
to the site's images.

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

The attachments a post links (``NEWSBOT_ATTACHMENTS=local``, ``newsbot.publish.attachments``)
are stored in the same folder and referred to the same way.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import PurePosixPath

from newsbot.html.markdown import markdown_url
from newsbot.html.sanitise import escape_attribute
from newsbot.publish import attachments

MODES = ("remote", "local")  # NEWSBOT_IMAGES
# Magic bytes -> extension. Raster types only: an SVG or HTML file served from the blog's
# own origin could run script.
IMAGE_TYPES = ((b"\xff\xd8\xff", ".jpg"), (b"\x89PNG\r\n\x1a\n", ".png"), (b"GIF87a", ".gif"), (b"GIF89a", ".gif"))
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
    """The URL the post uses for a local image (or attachment). Made of the hex urlname, a
    hex hash and a fixed extension (and the configured site), so it needs no escaping in
    Markdown or HTML."""
    if not ((LOCAL_NAME.fullmatch(name) or attachments.LOCAL_NAME.fullmatch(name))
            and re.fullmatch(r"[0-9a-f]+", urlname)):
        raise ValueError(f"not a local image name: {urlname}/{name}")
    if profile == "hexo":
        return name
    return f"{options['site'].rstrip('/')}/{asset_path(profile, urlname, name)}"


def _local_attachments(article, profile: str, options: dict) -> dict[str, str]:
    return {url: image_reference(profile, article.urlname, name, options)
            for url, name in article.local_attachments.items()}


def local_markdown(markdown: str, article, profile: str, options: dict) -> str:
    """``markdown`` with each downloaded image's paragraph and each link to a downloaded
    attachment pointing at the local file."""
    markdown = attachments.local_links_markdown(markdown, _local_attachments(article, profile, options))
    if not article.local_images:
        return markdown
    local = {f"![图]({markdown_url(url)})": f"![图]({image_reference(profile, article.urlname, name, options)})"
             for url, name in article.local_images.items()}
    # Image paragraphs are whole paragraphs; article text cannot equal one ('[' is escaped).
    return "\n\n".join(local.get(paragraph, paragraph) for paragraph in markdown.split("\n\n"))


# In the clean HTML (newsbot.html.sanitise) attribute values are double-quoted with '"'
# escaped, and text has '<' escaped: this matches the src of <img> tags only.
_IMG_SRC = re.compile(r'(<img(?:\s[\w:-]+="[^"]*")*?\ssrc=")([^"]*)(")')


def local_html(body_html: str, article, profile: str, options: dict) -> str:
    """``body_html`` with each downloaded image's src and each link to a downloaded
    attachment pointing at the local file."""
    body_html = attachments.local_links_html(body_html, _local_attachments(article, profile, options))
    if not article.local_images:
        return body_html

    def swap(match: re.Match) -> str:
        name = article.local_images.get(html.unescape(match[2]))
        if name is None:
            return match[0]
        return match[1] + escape_attribute(image_reference(profile, article.urlname, name, options)) + match[3]

    return _IMG_SRC.sub(swap, body_html)
