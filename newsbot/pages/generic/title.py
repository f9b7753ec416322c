"""The headline: the page element that states it, and its text.

The element is scored by how it matches ``og:title`` and ``<title>`` (sites add a suffix
such as ``-南开要闻-南开大学`` to the latter), by heading tags, title-like class/id words and
big type (never in the site's banner, whose name a ``<title>`` may be). Where no element
matches (no ``<title>``, or one naming only the site), the headline is the short line above
the body (``headline_above``); without either, og:title or the ``<title>``'s longest part.
"""

from __future__ import annotations

import re

from newsbot.dates import DATE_TIME
from newsbot.pages.base import compiled_xpath
from newsbot.text import clean_text
from newsbot.pages.generic.cleanup import is_chrome_line, is_info_line
from newsbot.pages.generic.tree import (
    class_tokens, link_text_len, own_text, squeeze, tag_of, text_of, xml_safe,
)

_TITLE_WORDS = re.compile(r"title|biaoti|bt\b|headline|tit\b|topic")
_BIG_STYLE = re.compile(r"font-size\s*:\s*(2[2-9]|[3-9]\d)px|font-weight\s*:\s*bold")
_BIG_FONT_SIZES = frozenset(("4", "5", "6", "7", "+1", "+2", "+3"))
_HEADING_SCORE = {"h1": 30, "h2": 20, "h3": 12}
# Tags that may hold a headline matched by text alone (no heading tag, no title class).
_PLAIN_TAGS = frozenset(("founder-title", "td", "div", "span", "p"))
# The site's own name in its banner is no headline, though it may equal a <title>.
_SITE_BANNER = re.compile(r"logo|banner|brand|site-?name")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|—|-)\s*")
# A headline above the body: how many blocks above its first paragraph are looked at (share
# bars and tool links make many), and the length a headline has (squeezed).
_BLOCKS_ABOVE = 40
_HEADLINE_LENGTH = range(5, 81)
_BREADCRUMB = re.compile(r"[>»＞→]|当前位置|您的位置|所在位置")
# Lines at the top of a body that are not its headline: a credit, a caption, a kicker.
_NOT_HEADLINE = re.compile(r"^[（(]|^(?:原标题|图为|图片|图：|视频)|记者|通讯员|摄影|发言人")
_HAN = re.compile(r"[\u3400-\u9fff]")


def head_title(document) -> str:
    """The page's ``<title>`` (``document``: the page's lxml tree, as parsed)."""
    return xml_safe(clean_text(next(iter(compiled_xpath("//title//text()")(document)), None)))


def og_title(document) -> str:
    found = compiled_xpath("//meta[@property='og:title' or @name='og:title']/@content")(document)
    return xml_safe(clean_text(found[0] if found else None))


def title_element(root, head: str, og: str, lengths=None):
    """The element that states the headline, or None. ``lengths``: the tree's TextLengths."""
    head, og = squeeze(head), squeeze(og)
    best, best_score = None, 0.0
    for position, el in enumerate(root.iter()):
        tag = tag_of(el)
        if tag is None or (lengths is not None and not 4 <= lengths[el] <= 120):
            continue
        text = lengths.short_text(el) if lengths is not None else squeeze(text_of(el))
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
        if link_text_len(el, lengths) > len(text) / 2:
            score -= 50
        score -= position / 2000  # the first of equals
        if score > best_score and not any(
            _SITE_BANNER.search(" ".join(class_tokens(a))) for a in (el, *el.iterancestors())[:4]
        ):
            best, best_score = el, score
    return best if best_score >= 25 else None


def headline_above(root, container):
    """The headline as the page's structure states it: the short line above the body.

    For pages whose headline matches no ``<title>``, ``og:title`` or heading (none there, or
    only a site name): among the text blocks just above the body's first paragraph, the one
    that reads as a headline (short, not links, not a date/source line, not chrome, not a
    sentence), a heading, title class or big type first, the nearest first.
    """
    if container is None:
        return None
    first = first_paragraph(container)
    above = []
    for el in root.iter():
        if el is first:
            break
        if tag_of(el) is not None and own_text(el):
            above.append(el)
    best, best_score = None, None
    distance = 0  # lines of text between the candidate and the body
    for el in reversed(above[-_BLOCKS_ABOVE:]):
        text = clean_text(text_of(el))
        squeezed = squeeze(text)
        if link_text_len(el) > len(squeezed) / 2 or is_chrome_line(text):
            continue
        distance += 1
        if (
            len(squeezed) not in _HEADLINE_LENGTH or is_info_line(text) or _BREADCRUMB.search(text)
            or squeezed.endswith(("。", "：", ":")) or len(DATE_TIME.sub("", squeezed)) < 5
            or _NOT_HEADLINE.search(squeezed) or (len(squeezed) < 10 and not _HAN.search(squeezed))
        ):
            continue
        tag = tag_of(el)
        score = _HEADING_SCORE.get(tag, 0) - distance * 4
        # a headline stands above the body rather than in it
        score += 0 if el is container or container in el.iterancestors() else 15
        score += 25 if _TITLE_WORDS.search(" ".join(class_tokens(el))) else 0
        score += 8 if tag in ("b", "strong") or _BIG_STYLE.search(el.get("style") or "") else 0
        if best_score is None or score > best_score:
            best, best_score = el, score
    return best


def first_paragraph(container):
    """The container's first block of running text (≥ 30 characters with punctuation)."""
    for el in container.iter():
        if tag_of(el) is None:
            continue
        text = own_text(el)
        if len(text) >= 30 and re.search("[，。；！？]", text):
            return el
    return container


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
