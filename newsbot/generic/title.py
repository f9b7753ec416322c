"""The headline: the page element that states it, and its text.

The element is scored by how it matches ``og:title`` and ``<title>`` (sites add a suffix
such as ``-南开要闻-南开大学`` to the latter), by heading tags, title-like class/id words and
big type. Without a match, the ``<title>``'s longest part is the headline.
"""

from __future__ import annotations

import re

from ..text import clean_text
from .tree import class_tokens, link_text_len, squeeze, tag_of, text_of

_TITLE_WORDS = re.compile(r"title|biaoti|bt\b|headline|tit\b|topic")
_BIG_STYLE = re.compile(r"font-size\s*:\s*(2[2-9]|[3-9]\d)px|font-weight\s*:\s*bold")
_BIG_FONT_SIZES = frozenset(("4", "5", "6", "7", "+1", "+2", "+3"))
_HEADING_SCORE = {"h1": 30, "h2": 20, "h3": 12}
# Tags that may hold a headline matched by text alone (no heading tag, no title class).
_PLAIN_TAGS = frozenset(("founder-title", "td", "div", "span", "p"))
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-)\s*")


def head_title(selector) -> str:
    return clean_text(selector.xpath("//title//text()").get())


def og_title(selector) -> str:
    return clean_text(selector.xpath("//meta[@property='og:title' or @name='og:title']/@content").get())


def title_element(root, head: str, og: str):
    """The element that states the headline, or None."""
    head, og = squeeze(head), squeeze(og)
    best, best_score = None, 0.0
    for position, el in enumerate(root.iter()):
        tag = tag_of(el)
        if tag is None:
            continue
        text = squeeze(text_of(el))
        if not 4 <= len(text) <= 120:
            continue
        is_heading = tag in _HEADING_SCORE
        titled = bool(_TITLE_WORDS.search(" ".join(class_tokens(el))))
        big = bool(_BIG_STYLE.search(el.get("style") or ""))
        big = big or (tag == "font" and (el.get("size") or "").strip() in _BIG_FONT_SIZES)
        if not (is_heading or titled or big or text in (og, head) or tag in _PLAIN_TAGS):
            continue
        score = 0.0
        if og and text == og:
            score += 100
        if head and text in head:
            score += 60 + len(text)
        elif head and len(text) >= 6 and text[:12] in head:
            score += 20 + len(text) / 2
        if score == 0 and not (is_heading or titled):
            continue
        score += _HEADING_SCORE.get(tag, 0) + (10 if titled else 0) + (8 if big else 0)
        if link_text_len(el) > len(text) / 2:
            score -= 50
        score -= position / 2000  # the first of equals
        if score > best_score:
            best, best_score = el, score
    return best if best_score >= 25 else None


def title_text(element, head: str, og: str) -> str | None:
    """The headline: the element's text, else og:title, else the <title>'s longest part."""
    if element is not None:
        text = clean_text(text_of(element))
        if text:
            return text
    if og:
        return og
    if not head:
        return None
    parts = [p for p in _TITLE_SEPARATORS.split(head) if p.strip()]
    return max(parts, key=len) if parts else head
