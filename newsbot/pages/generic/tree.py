"""Small helpers over an lxml tree shared by the generic extractor's rules."""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from newsbot.html.media import mark_players
from newsbot.html.tree import BLOCK_TAGS
from newsbot.text import has_controls, without_controls

# What is never content: removed from the working copy of the page before anything is scored.
DROP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas video audio source link meta "
    "input button select option textarea head title map area".split()
)
_WS = re.compile(r"\s+")
# Characters lxml refuses in text and attribute values: HTML parsers keep them from the
# page, and assigning them back raises. (newsbot.text's one rule; a page read through
# newsbot.pages.page_input.PageInput has none left.)
xml_safe = without_controls


def tag_of(el) -> str | None:
    """The lower-case tag name, or None for comments and processing instructions."""
    tag = el.tag
    if isinstance(tag, str):
        return tag if tag.islower() else tag.lower()  # (lxml's HTML parser lower-cases them)
    return None


def text_of(el) -> str:
    return "".join(el.itertext())


def squeeze(text: str) -> str:
    """Text with every space removed: Chinese text is compared without its spacing."""
    return _WS.sub("", text.replace("\xa0", " ").replace("\u3000", " "))


def bigrams(text: str) -> Counter:
    text = squeeze(text)
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def bigram_f1(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def class_tokens(el) -> list[str]:
    """The element's class and id words, lower-cased."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()


def drop(el) -> None:
    """Remove an element, keeping its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def link_text_len(el, lengths: "TextLengths | None" = None) -> int:
    if lengths is not None:
        return lengths.links(el)
    return sum(len(squeeze(text_of(a))) for a in el.iter("a"))


class TextLengths(dict):
    """``len(squeeze(text_of(el)))`` of every element of a tree that no longer changes (the
    working copy after ``preclean``), from one walk of it: the rules ask it of most
    elements, and joining a page's texts once per element made the generic path cost a
    multiple of what it does. An element not in the tree is measured as it is asked.

    The squeezed text itself is kept for the short elements (``SHORT`` characters at most:
    ``short_text``), which the headline rule reads by the hundred."""

    SHORT = 120

    def __init__(self, root):
        super().__init__()
        self.texts: dict = {}
        texts, short = self.texts, self.SHORT
        for el in reversed(list(root.iter())):  # (children before their parents)
            parts = [squeeze(el.text)] if el.text and isinstance(el.tag, str) else []
            size = len(parts[0]) if parts else 0
            for child in el:
                tail = squeeze(child.tail) if child.tail else ""
                size += self[child] + len(tail)
                if size <= short:
                    parts.append(texts[child])
                    parts.append(tail)
            self[el] = size
            if size <= short:
                texts[el] = "".join(parts)

    def __missing__(self, el) -> int:
        return len(squeeze(text_of(el)))

    def short_text(self, el) -> str:
        """``squeeze(text_of(el))`` of an element of at most ``SHORT`` characters."""
        found = self.texts.get(el)
        return found if found is not None else squeeze(text_of(el))

    def links(self, el) -> int:
        """``link_text_len(el)``."""
        return sum(self[a] for a in el.iter("a"))


def own_text(el) -> str:
    """Text of ``el`` that is not inside a nested block (inline children included), squeezed."""
    parts = [el.text or ""]
    for child in el:
        tag = tag_of(child)
        if tag is not None and tag not in BLOCK_TAGS:
            parts.append(own_text(child))
        parts.append(child.tail or "")
    return squeeze("".join(parts))


def own_link_len(el) -> int:
    total = 0
    for child in el:
        tag = tag_of(child)
        if tag == "a":
            total += len(squeeze(text_of(child)))
        elif tag is not None and tag not in BLOCK_TAGS:
            total += own_link_len(child)
    return total


def is_attached(el, root) -> bool:
    """Is ``el`` still inside ``root`` (not removed with an ancestor)?"""
    node = el
    while node is not None:
        if node is root:
            return True
        node = node.getparent()
    return False


def preclean(root, base_url: str) -> None:
    """Drop comments, scripts, styles, forms' controls and hidden elements from a working copy;
    remove control characters, so that every later edit of the copy is a valid assignment."""
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        drop(el)
    # (A page read through newsbot.pages.page_input.PageInput has no control character left: one
    # look at all its text and attribute values says whether each element need be looked at.)
    clean = not has_controls("".join(root.itertext())) and not any(map(has_controls, _ATTRIBUTE_VALUES(root)))
    if not clean:
        for el in root.iter(etree.Element):
            _remove_control_characters(el)
    # (The elements to look at found by lxml rather than by a Python test of every element.)
    for el in _STYLED_OR_HIDDEN(root):
        style = (el.get("style") or "").lower()
        if "visibility" in style and "hidden" in style and len(squeeze(text_of(el))) > 100:
            # WeChat's #js_content is revealed by script: it is the article, not hidden.
            el.set("style", re.sub(r"visibility\s*:\s*hidden\s*;?", "", style))
        elif el.get("hidden") is not None or re.search(r"display\s*:\s*none", style):
            drop(el)
    mark_players(root, base_url)  # (a player is dropped below; an empty <video> says where it was)
    for el in list(root.iter(*_DROPPED)):
        drop(el)


_DROPPED = tuple(DROP_TAGS - {"head", "title", "video"})
_STYLED_OR_HIDDEN = etree.XPath("descendant-or-self::*[@style or @hidden]")
_ATTRIBUTE_VALUES = etree.XPath("descendant-or-self::*/@*", smart_strings=False)


def _remove_control_characters(el) -> None:
    # (xml_safe returns the very string it was given when there is nothing to take out.)
    if el.text and xml_safe(el.text) is not el.text:
        el.text = xml_safe(el.text)
    if el.tail and xml_safe(el.tail) is not el.tail:
        el.tail = xml_safe(el.tail)
    for name, value in el.attrib.items():
        if xml_safe(value) is not value:
            el.set(name, xml_safe(value))
