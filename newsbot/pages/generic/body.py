"""Choosing the page element that holds the article, and assembling the body from it.

1. A density score in the manner of readability/GNE (text per paragraph, Chinese
   punctuation, link density) scores every container (``Density``).
2. Where the density choice is clear (``clear_choice``: no element outside its line scores
   half as much), it is the container: most pages. Only where it is not (a page of several
   posts, a teaser list beside a short article) is trafilatura's main-content detection
   asked for a reference text (``reference_text``), which costs more than the rest of the
   generic path together.
3. Then the density choice stands unless the reference says it is the wrong part of the
   page (little of its text is in the reference: a teaser list, comments); then the scored
   element that best matches the reference wins; with no density choice at all, the
   element whose text best matches the reference (``choose_container``).
4. Siblings of the same kind that continue the article, and figures the page puts beside
   the text, join it (``assemble_body``).
"""

from __future__ import annotations

import copy
import logging
import re
import warnings

from lxml import etree

from newsbot.pages.generic.tree import (
    TextLengths, bigram_f1, bigrams, link_text_len, own_link_len, own_text, squeeze, tag_of, text_of,
)

logger = logging.getLogger(__name__)

# Containers a paragraph may live in (scored); inline tags only pass text up.
CONTAINER_TAGS = frozenset(
    "div td article section main form body center blockquote founder-content span font table tbody "
    "tr ul ol li dd".split()
)
PARAGRAPH_TAGS = frozenset("p div td section li dd pre blockquote h1 h2 h3 h4 h5 h6 center span font".split())
_PUNCT = re.compile("[，。！？；、“”,!?;]")  # sentence punctuation (not the colons of "来源：")
_HAN = re.compile(r"[\u3400-\u9fff]")


def reference_text(html: str, url: str) -> str:
    """trafilatura's main text of the page ("" when it finds none or fails)."""
    import trafilatura

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
            logging.getLogger("htmldate").setLevel(logging.CRITICAL)
            text = trafilatura.extract(
                html, url=url, include_comments=False, include_tables=True,
                favor_recall=True, deduplicate=False, with_metadata=False,
            )
    except Exception:  # noqa: BLE001 - a failed helper is no reference text, not a crash
        logger.debug("trafilatura failed on %s", url, exc_info=True)
        return ""
    return text or ""


class Density:
    """Readability-style scores: each paragraph adds to its container and, less, above.

    ``scores`` maps elements to their score; ``direct`` holds the part of it that comes
    from each element's own paragraphs.
    """

    def __init__(self, root, lengths: TextLengths | None = None):
        self.root = root
        self.lengths = lengths if lengths is not None else TextLengths(root)
        self.scores, self.direct = _density(root, self.lengths, min_length=8, min_han=5)
        if not self.scores:  # short notices: take what there is
            self.scores, self.direct = _density(root, self.lengths, min_length=2, min_han=2)

    def best(self):
        """The top-scored element, climbing to a parent that holds article paragraphs too."""
        if not self.scores:
            return None
        best = max(self.scores.items(), key=lambda kv: kv[1])[0]
        # Paragraphs of the article may sit both in the container and in a wrapper inside it
        # (pasted content): climb while the parent holds article paragraphs of its own.
        for _ in range(3):
            parent = best.getparent()
            if parent is None or parent is self.root or tag_of(parent) not in CONTAINER_TAGS:
                break
            own = self.direct.get(best, 0.0) or self.scores.get(best, 0.0)
            if self.direct.get(parent, 0.0) < max(own * 0.25, 4.0):
                break
            if self.lengths.links(parent) > max(self.lengths[parent], 1) * 0.3:
                break
            best = parent
        return best

    def subtree(self, el) -> float:
        """The best score in ``el`` or below it."""
        return max([self.scores.get(el, 0.0), *(self.scores.get(n, 0.0) for n in el.iterdescendants())])


# A rival outside the chosen element's line scoring this share of its score makes the
# choice unclear (on the real pages at hand: 4 pages of 105, among them the one where the
# reference changes the choice, a short article beside a longer teaser list).
UNCLEAR_RIVAL = 0.5


def clear_choice(density: Density, chosen, is_noise) -> bool:
    """Is the density choice beyond doubt: there is one, neither it nor a container of it is
    named as page chrome (``is_noise``: a comment list, a related-news box, whose many
    punctuated lines outscore a short article), and no element that neither holds it nor
    lies inside it scores UNCLEAR_RIVAL of its subtree's best?"""
    if chosen is None or any(is_noise(el) for el in (chosen, *chosen.iterancestors())):
        return False
    best = density.subtree(chosen)
    if best <= 0:
        return False
    lineage = set(chosen.iterancestors())
    for el, score in density.scores.items():
        if score >= best * UNCLEAR_RIVAL and el is not chosen and el not in lineage \
                and chosen not in el.iterancestors():
            return False
    return True


def _density(root, lengths: TextLengths, min_length: int, min_han: int) -> tuple[dict, dict]:
    scores: dict = {}
    direct: dict = {}
    for el in root.iter(*PARAGRAPH_TAGS):  # (lxml's HTML parser lower-cases tags)
        tag = el.tag
        own = own_text(el)
        length = len(own)
        if length < min_length or own_link_len(el) > length * 0.5:
            continue
        punct = len(_PUNCT.findall(own))
        if len(_HAN.findall(own)) < min_han:
            continue
        value = 1 + punct + min(length / 40, 6)
        if tag in ("li", "dd") or (tag in ("td", "span", "font") and punct < 2):
            value *= 0.5
        holds_text = (el.text or "").strip() != "" or any(tag_of(c) == "br" for c in el)
        target = el if tag in CONTAINER_TAGS and tag not in ("span", "font", "li") and holds_text else el.getparent()
        if target is not None:
            direct[target] = direct.get(target, 0.0) + value
        for distance, node in enumerate(_ancestors(target, 3)):
            scores[node] = scores.get(node, 0.0) + value / (1 + distance * 1.5)
    for node in list(scores):
        link_density = lengths.links(node) / max(lengths[node], 1)
        scores[node] *= max(0.0, 1 - link_density * 1.3)
    return scores, direct


def _ancestors(el, count):
    node = el
    while node is not None and count > 0:
        if isinstance(node.tag, str):
            yield node
        node = node.getparent()
        count -= 1


def best_match(root, reference: str):
    """The element whose text best matches the reference text (bigram F1 ≥ 0.5), if any."""
    ref = bigrams(reference)
    ref_size = sum(ref.values())
    if ref_size < 20:
        return None
    best, best_f1 = None, 0.0
    for el in root.iter():
        tag = tag_of(el)
        if tag not in CONTAINER_TAGS and tag != "p":
            continue
        text = squeeze(text_of(el))
        if len(text) < ref_size * 0.5:
            continue
        score = bigram_f1(bigrams(text), ref)
        # of equals, the innermost (an ancestor adds only chrome)
        if score > best_f1 + 1e-9 or (abs(score - best_f1) < 1e-9 and best is not None and el in best.iterancestors()):
            best, best_f1 = el, score
    return best if best_f1 >= 0.5 else None


def choose_container(root, density: Density, reference: str):
    """The page element that holds the article (see the module docstring)."""
    chosen = density.best()
    ref = bigrams(reference)
    ref_size = sum(ref.values())
    if chosen is None:
        return best_match(root, reference)
    if ref_size < 60:
        return chosen
    grams = bigrams(text_of(chosen))
    precision = sum((grams & ref).values()) / max(sum(grams.values()), 1)
    if precision >= 0.5:
        return chosen
    top = max(density.scores.values())
    best, best_f1 = chosen, 0.0
    for el, score in density.scores.items():
        if score < top * 0.2:
            continue
        f1 = bigram_f1(bigrams(text_of(el)), ref)
        if f1 > best_f1:
            best, best_f1 = el, f1
    return best


def continuing_siblings(container, density: Density, is_noise) -> tuple[list, list]:
    """Siblings of the container that continue the article (before, after)."""
    if container is None or container.getparent() is None:
        return [], []
    threshold = max(density.subtree(container) * 0.3, 6.0)
    before, after = [], []
    for side, iterator in ((before, container.itersiblings(preceding=True)), (after, container.itersiblings())):
        for sibling in iterator:
            if tag_of(sibling) is None:
                continue
            text = squeeze(text_of(sibling))
            if not text and sibling.find(".//img") is None:
                continue
            same_kind = sibling.tag == container.tag and (sibling.get("class") or "") == (container.get("class") or "")
            if (
                same_kind and density.subtree(sibling) >= threshold
                and link_text_len(sibling) <= len(text) * 0.25 and not is_noise(sibling)
            ):
                side.append(sibling)
                continue
            break
    before.reverse()
    return before, after


def assemble_body(root, container, before: list, after: list):
    """A detached copy of the container (with its continuing siblings and nearby figures)."""
    if before or after:
        body = etree.Element("div")
        for part in (*before, container, *after):
            piece = copy.deepcopy(part)
            piece.tail = None
            body.append(piece)
    else:
        body = copy.deepcopy(container)
        body.tail = None
        body.tag = "div"
        for attr in list(body.attrib):
            if attr not in ("class", "id"):
                del body.attrib[attr]
    _append_following_figures(root, container, body)
    return body


def _append_following_figures(root, container, body) -> None:
    """Epaper pages put the picture and its caption beside the text container."""
    node = container
    for _ in range(3):
        if node is None or node is root:
            return
        for sibling in node.itersiblings():
            if tag_of(sibling) is None:
                continue
            text = squeeze(text_of(sibling))
            images = sibling.findall(".//img")
            if images and len(images) <= 3 and len(text) <= 80 and not sibling.findall(".//a") and text:
                figure = copy.deepcopy(sibling)
                figure.tail = None
                body.append(figure)
                continue
            if text:
                return
        node = node.getparent()
