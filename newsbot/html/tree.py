"""Small rules over an lxml tree that every reader of a page shares: parsing a body
fragment, markup nested too deep, hidden and never-content elements, removing a node but not
the text after it, an element's inline text."""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from newsbot.html.media import PLAYER_TAGS, is_player

from newsbot.text import without_controls

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
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

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


def has_structure(el: etree._Element) -> bool:
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
        if kept(child):
            parts.append(" " if child.tag == "br" else inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)



def kept(el) -> bool:
    """Is this child content (an element, not never-content, not hidden; a video player is
    content)?"""
    tag = el.tag
    if tag in MISPARSED_VOID:
        return True
    if not isinstance(tag, str):
        return False
    tag = tag.lower()
    if tag in SKIP_TAGS:
        return tag in PLAYER_TAGS and not is_hidden(el) and is_player(el)
    return not is_hidden(el)

