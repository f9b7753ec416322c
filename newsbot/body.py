"""Article body HTML -> paragraphs and images, and from those the Markdown, text and clean
HTML forms the writers use. Extractors find the body element; this module decides what in
it is content, so every site and the generic fallback render alike.

Everything here may be hostile (a post is published on someone's blog): links and images
keep only http(s) (and mailto for links) URLs, Markdown destinations cannot be ended early,
and the clean HTML is written by an allow-list (below) that only writes safe tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml import etree

from .text import NOT_SPLIT_SAFE, fold_spaces, is_blank, remove_pinyin, without_controls
from .urls import join_url

SUMMARY_CHARS = 200  # FORMAT.md: the divider follows the paragraph where the text reaches 200
MORE = "<!--more-->"

# Never content: code, forms, embedded players, and ruby annotations (<rt>, <rp>) whose
# text is pinyin, not prose.
SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas video audio source "
    "input button select option textarea label head title meta link rt rp".split()
)
BLOCK_TAGS = frozenset(
    "p div section article main header footer aside nav address blockquote center figure "
    "figcaption pre ul ol li dl dt dd table thead tbody tfoot tr td th caption h1 h2 h3 h4 "
    "h5 h6 hr form fieldset details summary".split()
)
# HTML5 void elements that lxml's parser (libxml2, HTML 4 rules) does not know are empty:
# it nests everything after them inside them. What they "contain" is the content that
# follows them, so it is walked as such, while the element itself is dropped.
MISPARSED_VOID = frozenset({"embed", "source", "track"})
IMAGE_SRC_ATTRS = ("data-original", "data-src", "original", "src")
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BR = "\x00"  # stands for <br> while whitespace is folded


class Block(NamedTuple):
    """A paragraph (``text`` and its ``markdown``) or an image (``src``). (A named tuple:
    a body has dozens, and a frozen dataclass takes twice as long to make.)"""

    text: str = ""
    markdown: str = ""
    src: str | None = None

    @property
    def is_image(self) -> bool:
        return self.src is not None


# lxml.html's parser, less its element class lookup: lxml.html asks a Python function for
# the class of every element the walks below touch, a tenth of the clean step. The tree
# libxml2 builds is the same.
_FRAGMENT_PARSER = etree.HTMLParser()
_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.I)  # lxml.html's own test


# Element levels below a page's (or a body's) root kept as they are. The rules that read a
# tree walk it recursively, two or three Python frames a level, and Python stops at 1,000:
# markup nested deeper (unclosed <font> on every paragraph of an old CMS page, or a page
# built to trip us) lost its article with RecursionError.
MAX_DEPTH = 200
_AT_MAX_DEPTH = etree.XPath("*/" * (MAX_DEPTH - 1) + "*[*]")  # the elements there that have children


def flatten_deep(root: etree._Element) -> int:
    """Unwrap every element nested more than MAX_DEPTH levels below ``root``, keeping its
    text, images and line breaks (what is lost: where the paragraphs down there begin).
    Returns how many elements at that depth had theirs unwrapped: 0 for any usual page."""
    deep = _AT_MAX_DEPTH(root)
    for el in deep:
        tags = {d.tag for d in el.iterdescendants() if isinstance(d.tag, str)} - {"img", "br"}
        etree.strip_tags(el, *tags)
    return len(deep)


def parse_fragment(html: str) -> etree._Element:
    """Parse body HTML (a whole element or a fragment) into one element: the tree
    ``lxml.html.fragment_fromstring(html, create_parent="div")`` makes, in plain elements,
    of the text ``without_controls``: a Word paste's \x0b before the first element made lxml
    refuse the text (ValueError, the article lost), and inside elements it became U+FFFD."""
    html = without_controls(html)
    if not _FULL_HTML.match(html):
        html = f"<html><body>{html}</body></html>"
    document = etree.fromstring(html, _FRAGMENT_PARSER)
    if document is None:
        raise etree.ParserError("Document is empty")
    bodies = [el for el in document if el.tag == "body"]
    assert document.tag == "html" and len(bodies) == 1, f"not one body in {html!r}"  # as lxml.html
    body = bodies[0]
    root = etree.Element("div")
    if body.text and body.text.strip():
        root.text = body.text
    root.extend(body)
    flatten_deep(root)
    return root


# What lxml's HTML serialiser percent-encodes in href and src (libxml2 2.14): every byte of
# a non-ASCII character, space, DEL and the C0 controls; and leading " \t\n\r" it drops.
_SERIALISER_ESCAPES = re.compile(r"[^!-~]+")


def _percent_encoded(match: re.Match) -> str:
    return "".join(f"%{byte:02X}" for byte in match[0].encode())


def href_or_src(value: str | None) -> str | None:
    """An href or src attribute as the body's links and images read it: as lxml's HTML
    serialiser writes it (the body used to be written out and parsed again; its URLs
    stay as they were)."""
    if value and _SERIALISER_ESCAPES.search(value):  # (a leading blank is one of them)
        return _SERIALISER_ESCAPES.sub(_percent_encoded, value.lstrip(" \t\n\r"))
    return value


def is_hidden(el: etree._Element) -> bool:
    names = el.keys()
    if not names:  # most elements: nothing to look up
        return False
    # (Names looked up in the list of them, values read only where there is one: a body's
    # paragraphs each have a style, and nothing else.)
    return (
        "hidden" in names
        or "style" in names and _hiding_style(el.get("style"))
        or "aria-hidden" in names and el.get("aria-hidden") == "true" and not len(el) and not (el.text or "").strip()
    )


@lru_cache(maxsize=256)  # a page repeats a few style strings on every paragraph
def _hiding_style(style: str) -> bool:
    return bool(_HIDDEN_STYLE.search(style))


@lru_cache(maxsize=1024)  # the Markdown and the clean HTML ask about the same image URLs
def absolute_url(value: str | None, base_url: str, schemes=LINK_SCHEMES) -> str | None:
    """``value`` resolved against the page, if it is a URL with one of ``schemes``.

    urljoin drops the tabs and newlines browsers ignore too (``jav&#x09;ascript:``) and
    lowercases the scheme, so what is checked is what a browser would run. Not a URL at
    all (``Nucl. Phys. B 612 (2001) 25`` is fine, ``http://[x`` raises): no URL.
    """
    value = (value or "").strip()
    url = join_url(base_url, value) if value else None
    # (urljoin has parsed both URLs the result is made of: splitting it raises no more.)
    return url if url is not None and urlsplit(url).scheme in schemes else None


def image_src(el: etree._Element, base_url: str) -> str | None:
    """The first usable image URL of an <img> (lazy-loading attributes first)."""
    for attr in IMAGE_SRC_ATTRS:
        value = el.get(attr)
        if value:  # (most images have one of the four)
            src = absolute_url(href_or_src(value) if attr == "src" else value, base_url, IMAGE_SCHEMES)
            if src:
                return src
    return None


def remove_between_comments(root: etree._Element, start: str, end: str) -> None:
    """Remove everything from a ``<!-- start -->`` comment to its ``<!-- end -->`` comment.

    Some CMSs wrap injected widgets (Eastmoney's stock charts) in marker comments rather
    than in an element of their own.
    """
    for comment in list(root.iter(etree.Comment)):
        if (comment.text or "").strip() != start or comment.getparent() is None:
            continue
        parent = comment.getparent()
        node, doomed = comment, []
        while node is not None:
            doomed.append(node)
            if isinstance(node, etree._Comment) and (node.text or "").strip() == end:
                break
            node = node.getnext()
        for node in doomed:
            remove_keeping_tail(node, parent)


def remove_keeping_tail(node: etree._Element, parent: etree._Element | None = None) -> None:
    """Remove a node but keep its tail text (the text after it belongs to the parent)."""
    parent = parent if parent is not None else node.getparent()
    if parent is None:
        return
    tail = node.tail
    previous = node.getprevious()
    parent.remove(node)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


# --- Markdown ---------------------------------------------------------------------------
# Text: backslash-escape what Markdown would read as syntax; '<' as an entity so no raw
# HTML (or a fake <!--more-->) can start; '&' where it would start an entity, so the text
# '&lt;' stays those four characters.
# (One character class first, the '&' condition after it: the regex engine then skips
# ahead to a candidate character, three times faster than an alternation.)
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<&](?:(?<=&)(?=#?\w+;)|(?<!&))")
_MD_REPLACE = {"<": "&lt;", "&": "&amp;"}
# A paragraph line that Markdown would read as a heading, quote or list item: escape the
# marker (of "1. " the dot: a backslash before a digit is no escape and would show).
_MD_LINE_START = re.compile(r"^(?:([#>+-])|(\d+)([.)]))(?= )", re.M)
_LINE_MARKERS = frozenset("#>+-0123456789")
_EMPTY_STRONG = re.compile(r"\*\*\s*\*\*")
# A destination (link or image URL) may hold none of these: whitespace and controls end
# it, ')' '(' '<' '>' unbalance it, quotes start a title, '\' escapes, '`' starts a code
# span that binds tighter than the link, and braces would read as template syntax.
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f()<>\"'\\`{}]")
_BR_EDGE = re.compile(f" ?{_BR} ?")
_BR_RUN = re.compile(f"{_BR}+")
# What a paragraph's raw text needs more than str.split to fold (NOT_SPLIT_SAFE: spaces
# _finish keeps, zero-width characters it drops; <br>), or Markdown escapes: text without
# any of these reads as " ".join(raw.split()), and so does its Markdown when it has no
# Markdown syntax (bold, links) of its own.
_NOT_PLAIN = re.compile(f"[{NOT_SPLIT_SAFE}{_BR}" + r"\\`*_\[\]<&]")
# What _finish folds or strips away entirely: a paragraph of only these is no paragraph.
_BLANK = re.compile(f"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u202f\u200b\u200c\u200d\u2060\ufeff\u00ad{_BR}]*")


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: _MD_REPLACE.get(m[0], "\\" + m[0]), text)


def markdown_url(url: str) -> str:
    """A URL as a Markdown link destination that no character in it can end early
    (percent-encoded: the same URL to a browser)."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


def _escape_line_start(match: re.Match) -> str:
    return f"\\{match[1]}" if match[1] else f"{match[2]}\\{match[3]}"


def _finish(raw: str) -> str:
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
        # (Whitespace that would open a paragraph is left out: _finish strips it anyway, and
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
        if plain:  # most paragraphs: nothing for _finish to do but fold whitespace
            text = remove_pinyin(" ".join(raw.split()))
        else:
            text = "" if _BLANK.fullmatch(raw) else _finish(raw)
        if text:
            if self.md is None and plain:
                markdown = text  # (nothing in it for Markdown to escape)
            elif self.md is None and "&" not in raw:
                # Escaping and _finish commute on text without '&' (whether '&' is escaped
                # depends on what follows it, which _finish can change): tests/test_body.py.
                markdown = escape_markdown(text)
            else:
                markdown = _finish("".join(self.markdown_pieces()))
            if markdown[0] in _LINE_MARKERS or "\n" in markdown:  # else no line can start with one
                markdown = _MD_LINE_START.sub(_escape_line_start, markdown)
            if "**" in markdown:
                markdown = _EMPTY_STRONG.sub("", markdown)
            self.blocks.append(Block(text, markdown))
        self.text.clear()
        self.md = None

    def walk(self, el: etree._Element) -> None:
        """Add ``el`` and its tail to the paragraphs and, inside the clean HTML's root, to
        the clean HTML too: one walk for both. ``self.out`` is where the clean HTML goes;
        None on the wrappers around the HTML root (they are not content)."""
        tag = el.tag
        out = self.out
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
            if src:
                if self.text:
                    self.flush()
                self.blocks.append(Block(src=src))
            if out is not None and el.text is None and not len(el):  # (an image as images are)
                if src:
                    out.append(_img_tag(src))
            else:
                self._html_of_unwalked(el, tag, out)
        elif tag in ("strong", "b") and not _has_structure(el):
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
        elif tag == "a" and el.get("href") and not _has_structure(el):
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
                start = _start_tag(el, tag, text, self.base_url)
                if start is None:
                    self.out = []  # scratch: what el holds is not in the clean HTML
                elif start:
                    out.append(start)
                    if tag not in _VOID_TAGS:
                        end = f"</{tag}>"
            block = tag in BLOCK_TAGS
            if block and self.text:  # (most block boundaries close nothing)
                self.flush()
            if text:
                self.add(text)
                if self.out is not None:
                    self.out.append(_pre_text(tag, text))
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
            _serialise(el, tag, self.base_url, out)
        elif self.html is None:
            root = self.html_root
            self.html = [escape_text(root.text or "")]
            _serialise_children(root, self.base_url, self.html)


def _has_structure(el: etree._Element) -> bool:
    """Does an inline element wrap images or blocks (then it is walked, not flattened)?"""
    return len(el) > 0 and any(
        isinstance(d.tag, str) and (d.tag == "img" or d.tag in BLOCK_TAGS) for d in el.iterdescendants()
    )


def inline_text(el: etree._Element) -> str:
    """An element's text as a reader sees it: no scripts or ruby pinyin, <br> kept."""
    if not len(el):
        return el.text or ""  # (most: <strong>南开新闻网讯</strong>)
    parts = [el.text or ""]
    for child in el:
        if _kept(child):
            parts.append(" " if child.tag == "br" else inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_body(body: etree._Element | str, base_url: str) -> tuple[list[Block], str]:
    """The body's paragraphs and images, and its clean HTML, from one walk of it.
    ``body``: HTML, or an element whose content is the body."""
    root = parse_fragment(body) if isinstance(body, str) else body
    html_root = _html_root(root)
    return _read(root.text, root, None if html_root is root else html_root, base_url)


def read_element(el: etree._Element, base_url: str) -> tuple[list[Block], str]:
    """``read_body`` of the body element an extractor found in its page, as the HTML
    ``etree.tostring(el, method="html")`` reads (el and its tail), without writing it out
    and parsing it again. (A body that is the page's <html> or <body> itself still takes
    the long way: the parse of ``<body>`` inside a body differs.)"""
    if el.tag in ("html", "body"):
        return read_body(etree.tostring(el, encoding="unicode", method="html"), base_url)
    html_root = _html_root(el) if _kept(el) and not (el.tail or "").strip() else None
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


def summary_index(blocks: list[Block], limit: int = SUMMARY_CHARS) -> int:
    """Index of the block after which the summary divider stands."""
    total, last_text = 0, -1
    for index, block in enumerate(blocks):
        if block.is_image:
            continue
        last_text = index
        total += len(block.text)
        if total >= limit:
            return index
    return last_text


def blocks_to_markdown(blocks: list[Block], image_alt: str = "图") -> str:
    cut = summary_index(blocks)
    out = []
    for index, block in enumerate(blocks):
        out.append(f"![{image_alt}]({markdown_url(block.src)})" if block.is_image else block.markdown)
        if index == cut:
            out.append(MORE)
    return "\n\n".join(out)


def blocks_summary(blocks: list[Block]) -> str:
    cut = summary_index(blocks)
    return "\n".join(b.text for b in blocks[: cut + 1] if not b.is_image)


def blocks_to_text(blocks: list[Block]) -> str:
    """Plain text: one paragraph per line (a <br> inside a paragraph becomes a space)."""
    return "\n".join(b.text.replace("\n", " ") for b in blocks if not b.is_image)


# --- clean HTML -------------------------------------------------------------------------
# The clean HTML is written here, from the parsed tree, by an allow-list: the tags ammonia
# (the Rust sanitiser; nh3 in Python) keeps by default, less image maps and ruby pinyin.
# Any other tag is unwrapped (its content kept, the tag not); only content attributes, each
# on its own tags; link URLs http/https/mailto and image URLs http/https, absolute; text and
# attribute values escaped. No comment is written, nor what a never-content tag (or an image
# map, a frame, a <base>, MathML) holds. Every token written is one of these, so no parser,
# however it nests them, can make a script of it.
# This walk's output used to pass through nh3 last. nh3 parsed it again (a tenth of the
# cost of reading a page) and removed nothing: tests/test_clean_html.py holds the two side
# by side on every page the tests have (the same, but for the <tbody> html5ever adds) and
# on generated hostile pages.
ALLOWED_TAGS = frozenset(
    "a abbr acronym article aside b bdi bdo blockquote br caption center cite code col colgroup "
    "data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hgroup hr i img ins kbd li mark nav ol p pre q rtc ruby s samp small span strike strong "
    "sub summary sup table tbody td th thead time tr tt u ul var wbr".split()
)
# Written with nothing inside, as nh3 wrote them (the paragraphs still read their text).
DROPPED_TAGS = frozenset({"area", "map", "base", "frame", "frameset", "math"})
_ATTRIBUTES = {"a": ("title", "href"), "td": ("title", "colspan", "rowspan"), "th": ("title", "colspan", "rowspan")}
_VOID_TAGS = frozenset({"br", "col", "hr", "img", "wbr"})  # (the allowed ones: no end tag)


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


def _pre_text(tag: str, text: str) -> str:
    """The escaped text that opens an element: an HTML parser drops a newline right after
    <pre>, so the clean HTML has none there."""
    html = escape_text(text)
    return html[1:] if tag == "pre" and html[:1] == "\n" else html


def _kept(el) -> bool:
    """Is this child content (an element, not never-content, not hidden)?"""
    if el.tag in MISPARSED_VOID:
        return True
    return isinstance(el.tag, str) and el.tag.lower() not in SKIP_TAGS and not is_hidden(el)


def _serialise_children(parent: etree._Element, base_url: str, out: list[str]) -> None:
    """Append the clean HTML of what ``parent`` holds: never-content and hidden elements
    dropped (their tails kept)."""
    for el in parent:
        tag = el.tag
        if tag in MISPARSED_VOID:
            text = el.text
            if text:
                out.append(escape_text(text))
            _serialise_children(el, base_url, out)
        elif isinstance(tag, str) and tag.lower() not in SKIP_TAGS and not is_hidden(el):
            _serialise(el, tag.lower(), base_url, out)
        tail = el.tail
        if tail:
            out.append(escape_text(tail))


def _start_tag(el: etree._Element, tag: str, text: str | None, base_url: str) -> str | None:
    """The clean start tag of a content element (``text`` is its text): "" for a tag not
    allowed (its content stays), None if nothing of the element is written (an empty
    spacer, an image with no http(s) URL, an image map)."""
    if tag not in ALLOWED_TAGS:
        return None if tag in DROPPED_TAGS else ""
    if tag in ("p", "div", "span") and _is_spacer(el, text):
        return None
    if tag == "img":
        src = image_src(el, base_url)
        return None if src is None else _img_tag(src)
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


def _img_tag(src: str) -> str:
    return f'<img src="{escape_attribute(src)}">'


def _is_spacer(el: etree._Element, text: str | None) -> bool:
    """Does the element show nothing: no text but blanks, no content element (the empty
    spacer paragraphs of CMS pages, <p>&nbsp;</p>)? (Its own text asked first: most
    paragraphs have one.)"""
    if text and not is_blank(text):
        return False
    if not len(el):
        return True
    return not any(child.tail and not is_blank(child.tail) for child in el) and not any(map(_kept, el))


def _serialise(el: etree._Element, tag: str, base_url: str, out: list[str]) -> None:
    """Append the clean HTML of a content element (not its tail)."""
    text = el.text
    start = _start_tag(el, tag, text, base_url)
    if start is None:
        return
    if start:
        out.append(start)
    if text:
        out.append(_pre_text(tag, text))
    if len(el):
        _serialise_children(el, base_url, out)
    if start and tag not in _VOID_TAGS:
        out.append(f"</{tag}>")


def _html_root(root: etree._Element) -> etree._Element:
    """The element whose content is the clean HTML: the body container itself (<td
    id="txt">) is not content."""
    while len(root) == 1 and _kept(root[0]) and not (root.text or "").strip() and not (root[0].tail or "").strip():
        root = root[0]
    return root


def clean_html(body: etree._Element | str, base_url: str) -> str:
    """The body as clean, safe HTML: no scripts, styles, comments or hidden elements; only
    content attributes; absolute http(s)/mailto links and http(s) image URLs."""
    return read_body(body, base_url)[1]
