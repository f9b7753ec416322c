"""Article body -> paragraphs and images (``Block``) and clean HTML, in one walk.

Extractors find the body element; this module decides what in it is content, so every
site and the generic fallback render alike. The walk writes both forms at once (a body is
walked once per page, the most costly step of reading it): the paragraphs with their
Markdown (``newsbot.html.markdown``) and the clean HTML by the allow-list
(``newsbot.html.sanitise``).

Everything here may be hostile (a post is published on someone's blog): links and images
keep only http(s) (and mailto for links) URLs, Markdown destinations cannot be ended early,
and the clean HTML is written by an allow-list that only writes safe tokens.
"""

from __future__ import annotations

import re

from lxml import etree

from newsbot.html.links import IMAGE_SCHEMES, absolute_url, href_or_src, image_src
from newsbot.html.media import PLAYER_TAGS, is_file_icon, player_file
from newsbot.html.markdown import Block, escape_markdown, finish_paragraph, markdown_url
from newsbot.html.sanitise import (
    VOID_TAGS, escape_text, content_root, img_tag, pre_text, serialise, serialise_children, start_tag, video_html,
)
from newsbot.html.tree import (
    BLOCK_TAGS, MISPARSED_VOID, SKIP_TAGS, has_structure, inline_text, is_hidden, kept, parse_fragment,
)
from newsbot.text import NOT_SPLIT_SAFE, fold_spaces, remove_pinyin

_BR = "\x00"  # stands for <br> while whitespace is folded
_BR_EDGE = re.compile(f" ?{_BR} ?")
_BR_RUN = re.compile(f"{_BR}+")
# What a paragraph's raw text needs more than str.split to fold (NOT_SPLIT_SAFE: spaces
# _fold keeps, zero-width characters it drops; <br>), or Markdown escapes: text without
# any of these reads as " ".join(raw.split()), and so does its Markdown when it has no
# Markdown syntax (bold, links) of its own.
_NOT_PLAIN = re.compile(f"[{NOT_SPLIT_SAFE}{_BR}" + r"\\`*_\[\]<&]")
# What _fold folds or strips away entirely: a paragraph of only these is no paragraph.
_BLANK = re.compile(f"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u202f\u200b\u200c\u200d\u2060\ufeff\u00ad{_BR}]*")


def _fold(raw: str) -> str:
    """Fold whitespace, keep <br> as a line break, drop pinyin annotations."""
    text = fold_spaces(raw)
    if _BR in text:
        text = _BR_RUN.sub("\n", _BR_EDGE.sub(_BR, text).strip(" " + _BR))
    else:
        text = text.strip(" ")
    return remove_pinyin(text)


class _BlockBuilder:
    """Collects the current paragraph's text pieces, and its Markdown pieces once it has
    Markdown syntax of its own (bold, a link): a plain paragraph's Markdown is its text
    escaped, which costs one pass instead of a second _finish."""

    def __init__(self, base_url: str, html_root: etree._Element):
        self.base_url = base_url
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.md: list[str] | None = None
        self.html_root = html_root
        self.out: list[str] | None = None
        self.html: list[str] | None = None

    def add(self, text: str | None) -> None:
        # (Whitespace that would open a paragraph is left out: _fold strips it anyway, and
        # the newlines between blocks, most of the tails in a body, then need no flush.)
        if text and (self.text or text.strip(" \t\r\n")):
            self.text.append(text)
            if self.md is not None:
                self.md.append(escape_markdown(text))

    def markdown_pieces(self) -> list[str]:
        if self.md is None:
            self.md = [escape_markdown(piece) for piece in self.text]
        return self.md

    def flush(self) -> None:
        raw = "".join(self.text)
        plain = not _NOT_PLAIN.search(raw)
        if plain:  # most paragraphs: nothing for _fold to do but fold whitespace
            text = remove_pinyin(" ".join(raw.split()))
        else:
            text = "" if _BLANK.fullmatch(raw) else _fold(raw)
        if text:
            if self.md is None and plain:
                markdown = text  # (nothing in it for Markdown to escape)
            elif self.md is None and "&" not in raw:
                # Escaping and _fold commute on text without '&' (whether '&' is escaped
                # depends on what follows it, which _fold can change): tests/test_body.py.
                markdown = escape_markdown(text)
            else:
                markdown = _fold("".join(self.markdown_pieces()))
            self.blocks.append(Block(text, finish_paragraph(markdown)))
        self.text.clear()
        self.md = None

    def walk(self, el: etree._Element) -> None:
        """Add ``el`` and its tail to the paragraphs and, inside the clean HTML's root, to
        the clean HTML too: one walk for both. ``self.out`` is where the clean HTML goes;
        None on the wrappers around the HTML root (they are not content)."""
        tag = el.tag
        out = self.out
        if tag in PLAYER_TAGS and not is_hidden(el):
            self._video(el, out)  # (then the element's own handling: an <embed>'s content is walked)
        if tag in MISPARSED_VOID:
            if el is self.html_root:
                self.out = out = []
            self.add(el.text)
            if out is not None and el.text:
                out.append(escape_text(el.text))
            for child in el:
                self.walk(child)
            if el is self.html_root:
                self.html, self.out, out = out, None, None
            self._add_tail(el.tail, out)
            return
        if not isinstance(tag, str) or tag in SKIP_TAGS or is_hidden(el):
            self._add_tail(el.tail, out)  # comments and skipped elements still have tail text
            return
        tag = tag.lower()
        if tag == "br":
            self.add(_BR)  # (escaping leaves it as it is)
            self._html_of_unwalked(el, tag, out)
        elif tag == "img":
            src = image_src(el, self.base_url)
            if src and is_file_icon(el):
                src = None  # (a file-type icon: no picture of the article, not in the HTML either)
                if out is not None and el.text is None and not len(el):
                    self._add_tail(el.tail, out)
                    return
            if src:
                if self.text:
                    self.flush()
                self.blocks.append(Block(src=src))
            if out is not None and el.text is None and not len(el):  # (an image as images are)
                if src:
                    out.append(img_tag(src))
            else:
                self._html_of_unwalked(el, tag, out)
        elif tag in ("strong", "b") and not has_structure(el):
            inner = inline_text(el)
            stripped = inner.strip(" \t\r\n\xa0\u3000")
            if stripped:
                lead = inner[: len(inner) - len(inner.lstrip(" \t\r\n\xa0\u3000"))]
                trail = inner[len(inner.rstrip(" \t\r\n\xa0\u3000")):]
                md = self.markdown_pieces()
                self.text.append(inner)
                md.append(f"{lead}**{escape_markdown(stripped)}**{trail}")
            else:
                self.add(inner)
            self._html_of_unwalked(el, tag, out)
        elif tag == "a" and el.get("href") and not has_structure(el):
            inner = inline_text(el)
            href = absolute_url(href_or_src(el.get("href")), self.base_url, IMAGE_SCHEMES)  # no mailto: in Markdown
            if inner.strip() and href:
                md = self.markdown_pieces()
                if md and md[-1].endswith("!"):  # '![' would start an image
                    md[-1] = md[-1][:-1] + "\\!"
                self.text.append(inner)
                label = escape_markdown(fold_spaces(inner).strip())
                md.append(f"[{label}]({markdown_url(href)})")
            else:
                self.add(inner)
            self._html_of_unwalked(el, tag, out)
        else:
            # The clean HTML of el: its tags around its content, or (the HTML root) its
            # content alone, or (dropped: a spacer) nothing, its content walked for the
            # paragraphs only.
            end = None
            text = el.text
            if el is self.html_root:
                self.out = out = []
            elif out is not None:
                start = start_tag(el, tag, text, self.base_url)
                if start is None:
                    self.out = []  # scratch: what el holds is not in the clean HTML
                elif start:
                    out.append(start)
                    if tag not in VOID_TAGS:
                        end = f"</{tag}>"
            block = tag in BLOCK_TAGS
            if block and self.text:  # (most block boundaries close nothing)
                self.flush()
            if text:
                self.add(text)
                if self.out is not None:
                    self.out.append(pre_text(tag, text))
            if len(el):
                for child in el:
                    self.walk(child)
            if block and self.text:
                self.flush()
            if el is self.html_root:
                self.html, out = out, None
            elif end:
                out.append(end)
            self.out = out
        self._add_tail(el.tail, out)

    def _video(self, el: etree._Element, out: list[str] | None) -> None:
        """A video player: a paragraph of its own that links the video (the Markdown, the
        plain text leaves it out as it leaves images out), and in the clean HTML a
        ``<video>`` element (a platform's player page: a link)."""
        if any(a.tag == "video" for a in el.iterancestors()):
            return  # (a <video>'s <embed> fallback: the same video)
        found = player_file(el, self.base_url)
        if found is None:
            return
        url, poster, embed = found
        if self.text:
            self.flush()
        self.blocks.append(Block("视频", f"[视频]({markdown_url(url)})", video=url))
        if out is not None:
            out.append(video_html(url, poster, embed))

    def _add_tail(self, tail: str | None, out: list[str] | None) -> None:
        if tail:
            self.add(tail)
            if out is not None:
                out.append(escape_text(tail))

    def _html_of_unwalked(self, el: etree._Element, tag: str, out: list[str] | None) -> None:
        """The clean HTML of an element the paragraphs did not walk into (a <br>, an image,
        a flattened <b> or link): serialised on its own. On the wrappers (``out`` None) the
        HTML root is el or inside it."""
        if out is not None:
            serialise(el, tag, self.base_url, out)
        elif self.html is None:
            root = self.html_root
            self.html = [escape_text(root.text or "")]
            serialise_children(root, self.base_url, self.html)



def read_body(body: etree._Element | str, base_url: str) -> tuple[list[Block], str]:
    """The body's paragraphs and images, and its clean HTML, from one walk of it.
    ``body``: HTML, or an element whose content is the body."""
    root = parse_fragment(body) if isinstance(body, str) else body
    html_root = content_root(root)
    return _read(root.text, root, None if html_root is root else html_root, base_url)


def read_element(el: etree._Element, base_url: str) -> tuple[list[Block], str]:
    """``read_body`` of the body element an extractor found in its page, as the HTML
    ``etree.tostring(el, method="html")`` reads (el and its tail), without writing it out
    and parsing it again. (A body that is the page's <html> or <body> itself still takes
    the long way: the parse of ``<body>`` inside a body differs.)"""
    if el.tag in ("html", "body"):
        return read_body(etree.tostring(el, encoding="unicode", method="html"), base_url)
    html_root = content_root(el) if kept(el) and not (el.tail or "").strip() else None
    return _read(None, (el,), html_root, base_url)


def _read(text: str | None, children, html_root: etree._Element | None, base_url: str) -> tuple[list[Block], str]:
    """Walk ``text`` and ``children`` (a container's content); ``html_root``: the element
    whose content is the clean HTML, None for the container itself."""
    builder = _BlockBuilder(base_url, html_root)
    builder.add(text)
    if html_root is None:
        builder.out = [escape_text(text or "")]
    for child in children:
        builder.walk(child)
    if builder.text:
        builder.flush()
    if builder.out is not None:
        builder.html = builder.out
    html = "".join(builder.html).strip()
    return builder.blocks, html


def html_to_blocks(body: etree._Element | str, base_url: str) -> list[Block]:
    return read_body(body, base_url)[0]



def clean_html(body: etree._Element | str, base_url: str) -> str:
    """The body as clean, safe HTML: no scripts, styles, comments or hidden elements; only
    content attributes; absolute http(s)/mailto links and http(s) image URLs."""
    return read_body(body, base_url)[1]
