"""Local attachments for blogs (``NEWSBOT_ATTACHMENTS=local``): the files an article
attaches (its record's ``attachments``: .pdf, .doc(x), .xls(x), .zip, …) downloaded beside
its post, where its local images go (``newsbot.publish.images``: the Hexo asset folder, the
Jekyll ``assets/{urlname}/``), and the post's links to them pointing at the local copies.
The downloads are ``newsbot.crawl.pipelines.attachments``' (Scrapy's FilesPipeline: the
crawl's robots.txt, politeness, retries, host map and replay, the site's hosts only). The
default (``remote``) links to the site's files.

A file is stored only when its bytes are a document or an archive (``attachment_extension``:
PDF, the OLE container of .doc/.xls/.ppt/.wps, the zip container of .docx/.xlsx/.pptx/.odt
and of .zip, RAR, 7z, gzip, tar, RTF), under the SHA-256 of its bytes and the extension its
type allows: a program, an HTML page (a login page behind a .pdf link), a script or a text
file is never stored, so nothing a browser would run is ever served from the blog. A file
that does not download keeps its remote link in the post.
"""

from __future__ import annotations

import hashlib
import html
import re
from urllib.parse import unquote, urlsplit

MODES = ("remote", "local")  # NEWSBOT_ATTACHMENTS

# Containers, by their first bytes -> the extensions a file of that container may have
# (the first: the one a file gets when its link names none of the others).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
CONTAINERS = (
    ((b"%PDF-",), ("pdf",)),
    ((_OLE,), ("doc", "xls", "ppt", "wps", "et", "dps")),
    (_ZIP, ("zip", "docx", "xlsx", "pptx", "odt", "ods", "odp")),
    ((b"Rar!\x1a\x07",), ("rar",)),
    ((b"7z\xbc\xaf\x27\x1c",), ("7z",)),
    ((b"\x1f\x8b",), ("gz",)),
    ((b"{\\rtf",), ("rtf",)),
)
# Which program made an OLE or zip container, from the names of its streams or members.
_OLE_KINDS = (("W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t".encode(), "doc"), ("W\0o\0r\0k\0b\0o\0o\0k".encode(), "xls"),
              ("P\0o\0w\0e\0r\0P\0o\0i\0n\0t".encode(), "ppt"))
_ZIP_KINDS = ((b"word/", "docx"), (b"xl/", "xlsx"), (b"ppt/", "pptx"),
              (b"application/vnd.oasis.opendocument.text", "odt"),
              (b"application/vnd.oasis.opendocument.spreadsheet", "ods"),
              (b"application/vnd.oasis.opendocument.presentation", "odp"))
EXTENSIONS = tuple(dict.fromkeys(ext for _, exts in CONTAINERS for ext in (*exts, "tar")))
# What a local attachment's name is made of (checked before it goes into a post).
LOCAL_NAME = re.compile(r"[0-9a-f]{64}\.(?:" + "|".join(EXTENSIONS) + ")")


def attachment_extension(data: bytes, declared: str | None = None) -> str | None:
    """The extension a downloaded attachment is stored with, from its bytes: the one its
    link declares (``declared``, lower-case, no dot) when the bytes are of a container that
    extension is, else the container's own; None for anything else (a program, HTML, a
    script, text), which is never stored."""
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    for magics, extensions in CONTAINERS:
        if not data.startswith(magics):
            continue
        if declared in extensions:
            return declared
        kinds = _OLE_KINDS if magics == (_OLE,) else _ZIP_KINDS if magics == _ZIP else ()
        return next((kind for marker, kind in kinds if marker in data), extensions[0])
    return None


def local_name(data: bytes, extension: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


def link_key(url: str) -> tuple[str, str, str]:
    """What two writings of one link share: its host, path and query, percent-decoded, the
    scheme aside (the record's URL is joined against the page as fetched, the body's links
    against the article's canonical URL: http and https of one file)."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), unquote(parts.path or "/"), unquote(parts.query)


# A Markdown link's destination (markdown_url leaves no ')' or blank in one; a ']' of the
# text is escaped, so an unescaped '](' starts a destination) and an <a href> of the clean
# HTML (attribute values double-quoted, '"' escaped).
_MARKDOWN_LINK = re.compile(r"(?<!\\)(\]\()([^)\s]+)(\))")
_A_HREF = re.compile(r'(<a(?:\s[\w:-]+="[^"]*")*?\shref=")([^"]*)(")')


def local_links_markdown(markdown: str, local: dict[str, str]) -> str:
    """``markdown`` with each link to a downloaded attachment (``local``: remote URL ->
    the reference the post uses) pointing at the local file."""
    if not local:
        return markdown
    by_key = {link_key(url): reference for url, reference in local.items()}
    return _MARKDOWN_LINK.sub(lambda m: m[1] + by_key.get(link_key(m[2]), m[2]) + m[3], markdown)


def local_links_html(body_html: str, local: dict[str, str]) -> str:
    """``body_html`` with each ``<a href>`` to a downloaded attachment pointing at the local
    file (the reference needs no escaping: a hex name, a fixed extension, the blog's URL)."""
    if not local:
        return body_html
    by_key = {link_key(url): reference for url, reference in local.items()}

    def swap(match: re.Match) -> str:
        reference = by_key.get(link_key(html.unescape(match[2])))
        return match[0] if reference is None else match[1] + html.escape(reference) + match[3]

    return _A_HREF.sub(swap, body_html)
