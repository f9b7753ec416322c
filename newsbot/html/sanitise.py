"""The clean HTML of a body, written from the parsed tree by an allow-list."""

from __future__ import annotations

import nh3
from lxml import etree

from newsbot.html.links import absolute_url, href_or_src, image_src
from newsbot.html.media import PLAYER_TAGS, is_file_icon, is_player, player_file
from newsbot.html.tree import MISPARSED_VOID, SKIP_TAGS, is_hidden, kept
from newsbot.text import is_blank

# The clean HTML is written from the parsed tree, by an allow-list: the tags ammonia
# (the Rust sanitiser; nh3 in Python) keeps by default, less image maps and ruby pinyin.
# Any other tag is unwrapped (its content kept, the tag not); only content attributes, each
# on its own tags; link URLs http/https/mailto and image URLs http/https, absolute; text and
# attribute values escaped. No comment is written, nor what a never-content tag (or an image
# map, a frame, a <base>, MathML) holds. Every token written is one of these, so no parser,
# however it nests them, can make a script of it.
# Then nh3 (ammonia) cleans it once more with the same allow-list (``final_pass``):
# defence in depth over every body_html newsbot writes. On every page the tests have it
# removes nothing (tests/test_clean_html.py); what it adds is the <tbody> html5ever puts
# in a table. Its cost: bench/crawl/extraction.py.
ALLOWED_TAGS = frozenset(
    "a abbr acronym article aside b bdi bdo blockquote br caption center cite code col colgroup "
    "data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hgroup hr i img ins kbd li mark nav ol p pre q rtc ruby s samp small span strike strong "
    "sub summary sup table tbody td th thead time tr tt u ul var wbr".split()
)
# Written with nothing inside, as nh3 wrote them (the paragraphs still read their text).
DROPPED_TAGS = frozenset({"area", "map", "base", "frame", "frameset", "math"})
_ATTRIBUTES = {"a": ("title", "href"), "td": ("title", "colspan", "rowspan"), "th": ("title", "colspan", "rowspan")}
VOID_TAGS = frozenset({"br", "col", "hr", "img", "wbr"})  # (the allowed ones: no end tag)


def escape_text(text: str) -> str:
    """Text content in HTML, as html5ever writes it (nh3 wrote it before): '&', '<' and '>'
    escaped, line breaks as an HTML parser reads them (CR LF and CR are LF)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    """An attribute value inside double quotes, as html5ever writes it."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def pre_text(tag: str, text: str) -> str:
    """The escaped text that opens an element: an HTML parser drops a newline right after
    <pre>, so the clean HTML has none there."""
    html = escape_text(text)
    return html[1:] if tag == "pre" and html[:1] == "\n" else html



def serialise_children(parent: etree._Element, base_url: str, out: list[str]) -> None:
    """Append the clean HTML of what ``parent`` holds: never-content and hidden elements
    dropped (their tails kept)."""
    for el in parent:
        tag = el.tag
        if tag in MISPARSED_VOID:
            text = el.text
            if text:
                out.append(escape_text(text))
            serialise_children(el, base_url, out)
        elif isinstance(tag, str) and tag.lower() not in SKIP_TAGS and not is_hidden(el):
            serialise(el, tag.lower(), base_url, out)
        elif tag in PLAYER_TAGS and not is_hidden(el) and not any(a.tag == "video" for a in el.iterancestors()):
            found = player_file(el, base_url)
            if found is not None:
                out.append(video_html(*found))
        tail = el.tail
        if tail:
            out.append(escape_text(tail))


def start_tag(el: etree._Element, tag: str, text: str | None, base_url: str) -> str | None:
    """The clean start tag of a content element (``text`` is its text): "" for a tag not
    allowed (its content stays), None if nothing of the element is written (an empty
    spacer, an image with no http(s) URL, an image map)."""
    if tag not in ALLOWED_TAGS:
        return None if tag in DROPPED_TAGS else ""
    if tag in ("p", "div", "span") and is_spacer(el, text):
        return None
    if tag == "img":
        src = image_src(el, base_url)
        return None if src is None or is_file_icon(el) else img_tag(src)
    allowed = _ATTRIBUTES.get(tag)
    if allowed is None:  # (most tags: only a title; one look-up, not a list of them all)
        title = el.get("title")
        return f"<{tag}>" if title is None else f'<{tag} title="{escape_attribute(title)}">'
    attrs = ""
    for name, value in el.items():
        if name in allowed:
            if name == "href":
                value = absolute_url(href_or_src(value), base_url)
            if value is not None:
                attrs += f' {name}="{escape_attribute(value)}"'
    return f"<{tag}{attrs}>"


# nh3's own allow-list, the one written above plus <video> (the players newsbot.html.media
# reads; a <video> is written with a link inside, never with a <source>).
_URL_SCHEMES = {"http", "https", "mailto"}
FINAL_PASS = nh3.Cleaner(
    tags=set(ALLOWED_TAGS) | {"video"},
    clean_content_tags=(set(SKIP_TAGS) - {"video"}) | DROPPED_TAGS,
    attributes={"*": {"title"}, "a": {"href"}, "img": {"src"}, "td": {"colspan", "rowspan"},
                "th": {"colspan", "rowspan"}, "video": {"src", "poster", "controls", "preload"}},
    url_schemes=_URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
)


def final_pass(html: str) -> str:
    """``html`` (this module's clean HTML) through nh3 with the same allow-list: the last
    step before a body_html is written anywhere."""
    if not html:
        return html
    # (html5ever writes U+00A0 as &nbsp;, and only U+00A0: a text "&nbsp;" comes out as
    # "&amp;nbsp;". The character itself, as this module writes it.)
    return FINAL_PASS.clean(html).replace("&nbsp;", "\xa0")


def video_html(url: str, poster: str | None, embed: bool) -> str:
    """A video in the clean HTML: a ``<video>`` element with a link inside for readers
    that play none, or (a platform's player page, which no <video> plays) the link alone.
    ``url``/``poster``: http(s) URLs (newsbot.html.media made them so)."""
    link = f'<a href="{escape_attribute(url)}">视频</a>'
    if embed:
        return f"<p>{link}</p>"
    poster_attribute = f' poster="{escape_attribute(poster)}"' if poster else ""
    return f'<video controls="" preload="none" src="{escape_attribute(url)}"{poster_attribute}>{link}</video>'


def attachment_html(item: dict) -> str:
    """A paragraph linking an attached file (``item``: newsbot.html.media's, an http(s) URL)."""
    return f'<p>附件：<a href="{escape_attribute(item["url"])}">{escape_text(item["text"] or "附件")}</a></p>'


def img_tag(src: str) -> str:
    return f'<img src="{escape_attribute(src)}">'


def is_spacer(el: etree._Element, text: str | None) -> bool:
    """Does the element show nothing: no text but blanks, no content element (the empty
    spacer paragraphs of CMS pages, <p>&nbsp;</p>)? (Its own text asked first: most
    paragraphs have one.)"""
    if text and not is_blank(text):
        return False
    if not len(el):
        return True
    return not any(child.tail and not is_blank(child.tail) for child in el) and not any(map(kept, el))


def serialise(el: etree._Element, tag: str, base_url: str, out: list[str]) -> None:
    """Append the clean HTML of a content element (not its tail)."""
    text = el.text
    start = start_tag(el, tag, text, base_url)
    if start is None:
        return
    if start:
        out.append(start)
    if text:
        out.append(pre_text(tag, text))
    if len(el):
        serialise_children(el, base_url, out)
    if start and tag not in VOID_TAGS:
        out.append(f"</{tag}>")


def content_root(root: etree._Element) -> etree._Element:
    """The element whose content is the clean HTML: the body container itself (<td
    id="txt">) is not content."""
    while len(root) == 1 and kept(root[0]) and not (root[0].tag in PLAYER_TAGS and is_player(root[0])) \
            and not (root.text or "").strip() and not (root[0].tail or "").strip():
        root = root[0]
    return root

