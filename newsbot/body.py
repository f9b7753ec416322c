"""Article body HTML -> paragraphs and images, and from those the Markdown, text and clean
HTML forms the writers use. Extractors find the body element; this module decides what in
it is content, so every site and the generic fallback render alike.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from .text import fold_spaces, remove_pinyin

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
KEEP_ATTRS = frozenset({"href", "src", "alt", "title", "colspan", "rowspan"})
IMAGE_SRC_ATTRS = ("data-original", "data-src", "original", "src")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_BR = "\x00"  # stands for <br> while whitespace is folded


@dataclass(frozen=True)
class Block:
    """A paragraph (``text`` and its ``markdown``) or an image (``src``)."""

    text: str = ""
    markdown: str = ""
    src: str | None = None

    @property
    def is_image(self) -> bool:
        return self.src is not None


def parse_fragment(html: str) -> etree._Element:
    """Parse body HTML (a whole element or a fragment) into one element."""
    return lxml.html.fragment_fromstring(html, create_parent="div")


def is_hidden(el: etree._Element) -> bool:
    return (
        el.get("hidden") is not None
        or bool(_HIDDEN_STYLE.search(el.get("style") or ""))
        or el.get("aria-hidden") == "true" and not len(el) and not (el.text or "").strip()
    )


def image_src(el: etree._Element, base_url: str) -> str | None:
    for attr in IMAGE_SRC_ATTRS:
        value = (el.get(attr) or "").strip()
        if value and not value.startswith(("data:", "javascript:")):
            return urljoin(base_url, value)
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
            _drop(node, parent)


def _drop(node: etree._Element, parent: etree._Element | None = None) -> None:
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


def _escape_markdown(text: str) -> str:
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    return text.replace("<", "&lt;")


def _finish(raw: str) -> str:
    """Fold whitespace, keep <br> as a line break, drop pinyin annotations."""
    text = fold_spaces(raw)
    text = re.sub(f" ?{_BR} ?", _BR, text).strip(" " + _BR)
    text = re.sub(f"{_BR}+", "\n", text)
    return remove_pinyin(text)


class _BlockBuilder:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.blocks: list[Block] = []
        self.md: list[str] = []
        self.text: list[str] = []

    def add(self, text: str | None) -> None:
        if text:
            self.text.append(text)
            self.md.append(_escape_markdown(text))

    def flush(self) -> None:
        text = _finish("".join(self.text))
        markdown = _finish("".join(self.md))
        markdown = re.sub(r"^([#>+-]|\d+\.)(?= )", r"\\\1", markdown)  # not a heading/list
        markdown = re.sub(r"\*\*\s*\*\*", "", markdown)
        if text:
            self.blocks.append(Block(text=text, markdown=markdown))
        self.md.clear()
        self.text.clear()

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag in SKIP_TAGS or is_hidden(el):
            self.add(el.tail)  # comments and skipped elements still have tail text
            return
        tag = tag.lower()
        if tag == "br":
            self.text.append(_BR)
            self.md.append(_BR)
        elif tag == "img":
            src = image_src(el, self.base_url)
            if src:
                self.flush()
                self.blocks.append(Block(src=src))
        elif tag in ("strong", "b") and not _has_structure(el):
            inner = inline_text(el)
            stripped = inner.strip(" \t\r\n\xa0\u3000")
            if stripped:
                lead = inner[: len(inner) - len(inner.lstrip(" \t\r\n\xa0\u3000"))]
                trail = inner[len(inner.rstrip(" \t\r\n\xa0\u3000")):]
                self.text.append(inner)
                self.md.append(f"{lead}**{_escape_markdown(stripped)}**{trail}")
            else:
                self.add(inner)
        elif tag == "a" and el.get("href") and not _has_structure(el):
            inner = inline_text(el)
            href = urljoin(self.base_url, el.get("href").strip())
            if inner.strip() and href.startswith(("http://", "https://")):
                self.text.append(inner)
                label = _escape_markdown(fold_spaces(inner).strip())
                self.md.append(f"[{label}]({href.replace(')', '%29').replace(' ', '%20')})")
            else:
                self.add(inner)
        else:
            block = tag in BLOCK_TAGS
            if block:
                self.flush()
            self.add(el.text)
            for child in el:
                self.walk(child)
            if block:
                self.flush()
        self.add(el.tail)


def _has_structure(el: etree._Element) -> bool:
    """Does an inline element wrap images or blocks (then it is walked, not flattened)?"""
    return any(
        isinstance(d.tag, str) and (d.tag == "img" or d.tag in BLOCK_TAGS) for d in el.iterdescendants()
    )


def inline_text(el: etree._Element) -> str:
    """An element's text as a reader sees it: no scripts or ruby pinyin, <br> kept."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in SKIP_TAGS and not is_hidden(child):
            parts.append(" " if child.tag == "br" else inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def html_to_blocks(body: etree._Element | str, base_url: str) -> list[Block]:
    root = parse_fragment(body) if isinstance(body, str) else body
    builder = _BlockBuilder(base_url)
    builder.add(root.text)
    for child in root:
        builder.walk(child)
    builder.flush()
    return builder.blocks


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
        out.append(f"![{image_alt}]({block.src})" if block.is_image else block.markdown)
        if index == cut:
            out.append(MORE)
    return "\n\n".join(out)


def blocks_summary(blocks: list[Block]) -> str:
    cut = summary_index(blocks)
    return "\n".join(b.text for b in blocks[: cut + 1] if not b.is_image)


def blocks_to_text(blocks: list[Block]) -> str:
    """Plain text: one paragraph per line (a <br> inside a paragraph becomes a space)."""
    return "\n".join(b.text.replace("\n", " ") for b in blocks if not b.is_image)


def clean_html(body: etree._Element | str, base_url: str) -> str:
    """The body as clean HTML: no scripts, styles, comments or hidden elements; only
    content attributes; absolute links and image URLs."""
    root = parse_fragment(body) if isinstance(body, str) else copy.deepcopy(body)
    while len(root) == 1 and not (root.text or "").strip() and not (root[0].tail or "").strip():
        root = root[0]  # the body container itself (<td id="txt">) is not content
    for el in list(root.iter()):
        if el is root:
            continue
        tag = el.tag if isinstance(el.tag, str) else None
        if tag is None or tag.lower() in SKIP_TAGS or is_hidden(el):
            _drop(el)
    for el in root.iter():
        for attr in list(el.attrib):
            if attr not in KEEP_ATTRS:
                del el.attrib[attr]
        if el.tag == "img":
            src = image_src(el, base_url)
            el.attrib.clear()
            if src:
                el.set("src", src)
        elif el.get("href"):
            el.set("href", urljoin(base_url, el.get("href").strip()))
    for el in list(root.iter("p", "div", "span")):
        if el is not root and not len(el) and not fold_spaces(el.text or "").strip():
            _drop(el)  # empty spacer paragraphs (<p>&nbsp;</p>)
    inner = (root.text or "") + "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in root
    )
    return inner.strip()
