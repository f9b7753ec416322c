"""What an article offers besides its text and pictures: attached files and videos.

Campus notices are often little more than their 附件 (links to .pdf, .doc, .xls, .zip …,
or a file shown in an embedded PDF viewer), and a news page may be only a video player.
Both are read here from the page's tree, the same way for every family and the generic
extractor:

- ``attachments(body, base_url)``: the files the body links or embeds, and those a CMS
  lists right after the body (VSB's ``附件【<a href="…download.jsp…">name.zip</a>】`` below
  ``div.v_news_content``), in page order, each once: ``{"url", "text"}``.
- ``videos(body, document, base_url, hosts)``: ``<video>``/``<source>``/``<embed>`` files
  and the players of the common platforms (``<iframe>``), in the body, and the file a page
  script hands its player (news.nankai.edu.cn's ckplayer ``showPlayer('/…mp4', …)``) when
  it names a file of the page's own site, in the body or, where the body shows no video,
  the one such file the page's scripts name: ``{"url", "poster", "embed"}``.
- ``is_file_icon(img)``: an image that is a file-type icon (inside an attachment link, or a
  CMS's icon path), which is no picture of the article.

Every URL is joined against the page, must be http(s) with a host, and leaves through
``newsbot.urls.safe_url`` (w3lib's ``safe_url_string``) (spaces, quotes, ``<``/``>`` and non-ASCII percent-encoded): a
``javascript:`` link is no attachment and a ``data:`` source no video.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from newsbot.text import clean_text
from newsbot.urls import join_url, safe_url

# File types a notice attaches (a program, .exe or .apk, is never one).
ATTACHMENT_TYPES = frozenset(
    "pdf doc docx xls xlsx ppt pptx wps et dps odt ods odp rtf txt csv zip rar 7z tar gz".split()
)
VIDEO_TYPES = frozenset("mp4 webm ogv ogg m4v mov flv m3u8".split())
# Download links that name no file: VSB's attachment servlet, WebPlus's and others' download
# scripts. Their link text names the file (附件.zip).
_DOWNLOAD_URL = re.compile(r"DownloadAttachUrl|/download\.(?:jsp|php|aspx?)\b|[?&](?:fileid|wbfileid|attachid)=", re.I)
# File-type icons: VSB's fileTypeImages, UEditor's and WebPlus's icon_pdf.gif and the like.
_ICON_SRC = re.compile(
    r"fileTypeImages|/icons?/|/icon_\w+\.(?:gif|png|jpe?g)|/(?:file)?ico_?\w*\.(?:gif|png)"
    r"|/(?:pdf|docx?|xlsx?|pptx?|zip|rar|txt)\.(?:gif|png)$", re.I)
# Embedded PDF viewers: WebPlus's <div class="wp_pdf_player" pdfsrc="…">, pdf.js's viewer page.
_PDF_VIEWER = re.compile(r"/viewer\.html?$", re.I)
# The hosts of the video platforms whose embedded players a page may carry.
VIDEO_PLATFORMS = (
    "v.qq.com", "player.bilibili.com", "player.youku.com", "open.iqiyi.com", "www.ixigua.com",
    "player.video.iqiyi.com", "tv.cctv.com", "player.cntv.cn", "www.youtube.com", "www.youtube-nocookie.com",
    "player.vimeo.com", "v.163.com", "www.douyin.com", "weixin.qq.com", "mp.weixin.qq.com",
)
# A page script handing its player a file: showPlayer('/…/a.mp4', …) (nankai's ckplayer
# template), ckplayer's {video: '…'}, a player's src/file/url option.
_SCRIPT_VIDEO = re.compile(
    r"""(?:showPlayer\s*\(|\b(?:video|file|src|url)\s*[:=])\s*["']([^"'<>\s]+?\.(?:mp4|webm|m4v|flv|m3u8))["']""",
    re.I,
)
_WORDS = re.compile(r"\s+")


def _absolute(base_url: str, value: str | None) -> str | None:
    """``value`` joined against the page, if it is an http(s) URL with a host, written safe."""
    if not value or not value.strip():
        return None
    url = join_url(base_url, value.strip())
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return safe_url(url)


def file_type(url: str, text: str = "") -> str | None:
    """The file extension the URL's path (else the link's text) ends with, lower-case."""
    for name in (unquote(urlsplit(url).path), clean_text(text)):
        match = re.search(r"\.([A-Za-z0-9]{1,5})$", name.strip())
        if match:
            return match.group(1).lower()
    return None


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def _is_attachment(url: str, text: str) -> bool:
    kind = file_type(url, "")
    if kind in ATTACHMENT_TYPES:
        return True
    if kind is None or _DOWNLOAD_URL.search(url):  # no file in the URL: the text names it
        return _DOWNLOAD_URL.search(url) is not None and file_type("", text) in ATTACHMENT_TYPES
    return False


def _viewer_file(el, base_url: str) -> tuple[str, str] | None:
    """``(url, text)`` of the file an embedded PDF viewer shows, if ``el`` is one."""
    if "wp_pdf_player" in (el.get("class") or ""):
        url = _absolute(base_url, el.get("pdfsrc") or el.get("data-src") or el.get("src"))
        title = re.search(r"""['"]title['"]\s*:\s*['"]([^'"]+)""", el.get("sudyfile-attr") or "")
        return (url, clean_text(title.group(1)) if title else "") if url else None
    if el.tag in ("iframe", "embed", "object", "a"):
        src = el.get("src") or el.get("data") or el.get("href") or ""
        viewer = _absolute(base_url, src)
        if viewer and _PDF_VIEWER.search(urlsplit(viewer).path):
            files = parse_qs(urlsplit(viewer).query).get("file")
            url = _absolute(viewer, files[0]) if files else None
            if url is None and "#" in src:  # viewer.html#file=… (a pdf.js fragment)
                found = re.search(r"[#&]file=([^&]+)", src)
                url = _absolute(viewer, unquote(found.group(1))) if found else None
            return (url, "") if url else None
    return None


def _attachment_area(body) -> list:
    """Elements after the body, inside its nearest ancestors, where CMSs list attachments
    (VSB's 附件【…】 list below v_news_content in the news form): up to two levels up."""
    found, node = [], body
    for _ in range(2):
        parent = node.getparent()
        if parent is None:
            break
        found.extend(node.itersiblings())
        node = parent
    return found


# What may link or show a file, in document order (lxml finds them: a body has hundreds of
# elements and few of these).
_LINKS_AND_VIEWERS = etree.XPath(
    "descendant-or-self::*[self::a[@href] or self::iframe or self::embed or self::object"
    " or contains(@class, 'wp_pdf_player')]")
# An href that may be a file's: an extension of ATTACHMENT_TYPES before the end, a query or
# a fragment, or a download script (no regex can say more before the URL is joined).
_MAYBE_FILE = re.compile(
    r"\.(?:" + "|".join(sorted(ATTACHMENT_TYPES)) + r")(?:$|[?#&\s])|" + _DOWNLOAD_URL.pattern, re.I)
# A page whose bytes name no video file has no player script to read.
VIDEO_FILE_BYTES = re.compile(rb"\.(?:mp4|webm|m4v|flv|m3u8)\b", re.I)


def attachments(body, base_url: str, after: bool = True) -> list[dict]:
    """The files the article attaches, in page order, each once: ``{"url", "text"}``.
    ``after``: also those listed right after the body (else the body's own only)."""
    own, listed_after = split_attachments(body, base_url, after)
    return own + listed_after


def split_attachments(body, base_url: str, after: bool = True) -> tuple[list[dict], list[dict]]:
    """``attachments`` in two: those the body links or shows, and those a CMS lists right
    after it (which the body does not link)."""
    if body is None or isinstance(body, str):
        return [], []
    found: dict[str, str] = {}

    def look(root) -> None:
        for el in _LINKS_AND_VIEWERS(root):
            if el.tag == "a":
                href = el.get("href")
                if not _MAYBE_FILE.search(href):
                    continue  # (most links: one look at the href says it is no file)
                url = _absolute(base_url, href)
                if url is None:
                    continue
                text = clean_text(" ".join(el.itertext()))
                if _is_attachment(url, text):
                    found.setdefault(url, text or el.get("title") or _file_name(url))
                continue
            viewer = _viewer_file(el, base_url)
            if viewer is not None:
                url, text = viewer
                found.setdefault(url, text or _file_name(url))

    look(body)
    own = len(found)
    for el in _attachment_area(body) if after else ():
        if isinstance(el.tag, str):
            look(el)
    items = [{"url": url, "text": text} for url, text in found.items()]
    return items[:own], items[own:]


def is_file_icon(img) -> bool:
    """Is this ``<img>`` a file-type icon rather than a picture of the article?"""
    src = img.get("src") or ""
    if _ICON_SRC.search(src):
        return True
    link = next(img.iterancestors("a"), None)
    if link is None:
        return False
    href = link.get("href") or ""
    text = clean_text(" ".join(link.itertext()))
    return bool(href) and _is_attachment(join_url("http://x.invalid/", href) or "", text) and _small(img)


def _small(img) -> bool:
    """An image drawn at icon size (or with no size: an icon in a file link is that)."""
    sizes = [img.get("width"), img.get("height")]
    numbers = [int(m.group()) for m in (re.match(r"\d+", s or "") for s in sizes) if m]
    return not numbers or max(numbers) <= 64


def _is_platform(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == platform or host.endswith("." + platform) for platform in VIDEO_PLATFORMS)


PLAYER_TAGS = frozenset({"video", "embed", "object", "iframe"})


def player_file(el, base_url: str) -> tuple[str, str | None, bool] | None:
    """``(url, poster, embed)`` of the video a player element shows, if it is one."""
    if el.tag == "video":
        poster = _absolute(base_url, el.get("poster"))
        for src in (el.get("src"), *(s.get("src") for s in el.iter("source"))):
            url = _absolute(base_url, src)
            if url and file_type(url) in VIDEO_TYPES | {None}:
                return url, poster, el.get("data-embed") is not None
        return None
    url = _absolute(base_url, el.get("src") or el.get("data"))
    if url is None:
        return None
    if file_type(url) in VIDEO_TYPES:
        return url, None, False
    if el.tag == "iframe" and _is_platform(url):
        return url, None, True
    return None


def is_player(el) -> bool:
    """Does this element play a video (``player_file`` finds one, whatever the page's URL)?"""
    return player_file(el, "http://page.invalid/") is not None


def mark_players(root, base_url: str) -> None:
    """Replace every video player in ``root`` by an empty ``<video src poster>`` (with
    ``data-embed`` for a platform's player page): for a working copy whose embedded
    elements are then dropped as no content (the generic extractor's), so that the body
    it assembles still says where its videos were."""
    for el in list(root.iter("video", "embed", "object", "iframe")):
        if el.getparent() is None or any(a.tag == "video" for a in el.iterancestors()):
            continue
        found = player_file(el, base_url)
        if found is None:
            continue
        url, poster, embed = found
        marker = etree.Element("video", src=url)
        if poster:
            marker.set("poster", poster)
        if embed:
            marker.set("data-embed", "1")
        marker.tail = el.tail
        el.getparent().replace(el, marker)


def videos(body, document, base_url: str, hosts=()) -> list[dict]:
    """The article's videos, in page order, each once: ``{"url", "poster", "embed"}``
    (``embed``: a platform's player page, not a file). ``document``: the page's tree, whose
    scripts may hand a player its file; such a file counts only on the page's own site
    (its host, or one of ``hosts``)."""
    found: dict[str, dict] = {}

    def add(url: str | None, poster: str | None = None, embed: bool = False) -> None:
        if url and url not in found:
            found[url] = {"url": url, "poster": poster, "embed": embed}

    if body is not None and not isinstance(body, str):
        for el in body.iter("video", "embed", "object", "iframe"):
            if any(a.tag == "video" for a in el.iterancestors()):
                continue  # (a video's <embed> fallback: the same video)
            found_file = player_file(el, base_url)
            if found_file is not None:
                add(*found_file)
    own = {(urlsplit(base_url).hostname or "").lower(), *(h.lower() for h in hosts)}

    def script_files(root) -> list[str]:
        urls = (_absolute(base_url, m.group(1)) for script in root.iter("script")
                for m in _SCRIPT_VIDEO.finditer(script.text or ""))
        return list(dict.fromkeys(u for u in urls if u and (urlsplit(u).hostname or "").lower() in own))

    if body is not None and not isinstance(body, str):
        for url in script_files(body):
            add(url)
    if not found and document is not None:
        # The player's script outside the body (a template's): only a page with one such
        # file, so that a column's other videos are never taken for this article's.
        files = script_files(document)
        if len(files) == 1:
            add(files[0])
    return list(found.values())


def add_to_body(body, found_videos: list[dict], base_url: str) -> None:
    """Make the body show every video the page has: one it does not hold (a player its
    page's script starts) is added at its end as the empty ``<video>`` that
    ``mark_players`` writes, so the Markdown and the clean HTML show it."""
    held = {found[0] for el in body.iter(*PLAYER_TAGS) if (found := player_file(el, base_url))}
    for item in found_videos:
        if item["url"] not in held:
            marker = etree.SubElement(body, "video", src=item["url"])
            if item.get("poster"):
                marker.set("poster", item["poster"])
            if item.get("embed"):
                marker.set("data-embed", "1")
