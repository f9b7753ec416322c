"""The publication time of a page: candidates from everywhere, scored, the best one chosen.

Every date in the page's visible text is a candidate, scored by its label (发布时间：,
发稿时间：, 日期：… beat 更新时间：, 成文日期：, 今天是), by its distance below the headline
(a date above it is as often a widget's), and against links, lists, the body itself and
what follows the body or sits in a comment/related/footer/sidebar block (another item's date); meta tags, dates in page scripts
(``"pubtime": …``), the URL path and htmldate add candidates and corroborate. Strings are
parsed by ``newsbot.dates`` only. A time with hour:minute is preferred when the page
states one for the chosen day.
"""

from __future__ import annotations

import bisect
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree

from newsbot.html.tree import BLOCK_TAGS, is_hidden
from newsbot.dates import DATE_TIME, SHANGHAI, date_from_url, parse_date
from newsbot.pages.base import META_DATE_NAMES, compiled_xpath
from newsbot.pages.generic.tree import DROP_TAGS, class_tokens, link_text_len, squeeze, tag_of, text_of

_PUB_LABEL = re.compile(
    r"(发布时间|发布日期|发稿时间|发表时间|发表日期|发布于|首发时间|首发于|首发|上线时间|刊发时间|"
    r"发布|时间|日期|Published|Date|出版日期|见报日期|添加时间|录入时间|更新时间|更新日期|更新于|"
    r"最后更新|修改时间|修改日期|编辑时间|成文日期|成文时间|印发日期|发文日期|今天是|今日|截止|截至|至)"
    r"\s*[:：]?\s*[（(【\[]?\s*$",
    re.I,
)
LABEL_SCORE = {
    "发布时间": 60, "发布日期": 60, "发稿时间": 60, "发表时间": 60, "发表日期": 60, "发布于": 55,
    "首发时间": 55, "首发于": 50, "首发": 50, "上线时间": 45, "刊发时间": 55, "发布": 50, "时间": 40,
    "日期": 40, "published": 45, "date": 30, "出版日期": 45, "见报日期": 45, "添加时间": 30,
    "录入时间": 30, "更新时间": 5, "更新日期": 5, "更新于": -10, "最后更新": -25, "修改时间": -25,
    "修改日期": -25, "编辑时间": 0, "成文日期": -30, "成文时间": -30, "印发日期": -30, "发文日期": 10,
    "今天是": -80, "今日": -40, "截止": -60, "截至": -60, "至": -60,
}
_SCRIPT_DATE = re.compile(
    r"""["']?(?:pubtime|pubTime|pub_time|publish_time|publishTime|publishtime|publishDate|publish_date|"""
    r"""pubDate|pubdate|newsTime|newstime|datePublished|createTime|create_time|ptime|firstPublishTime|ct)"""
    r"""["']?\s*[:=]\s*["']([^"'<>]{6,40})["']"""
)
EXTRA_META_NAMES = (
    "og:release_date", "og:time", "firstpublishedtime", "weibo: article:create_at", "apub:time",
    "publishtime", "pubtime", "publish-date", "release_date", "datepublished", "sailthru.date",
    "article:published", "dc.date.created", "dcterms.created",
)
MODIFIED_META = frozenset({
    "lastmodifiedtime", "dateupdate", "og:updated_time", "article:modified_time", "maketime",
    "datemodified", "last-modified",
})
# Class/id words of page parts that are not the article's header: a date there is another
# item's (a comment, a related article, the site's footer).
_ELSEWHERE = re.compile(r"comment|pinglun|relat|recommend|footer|sidebar|hotlist|hot-list|rank|copyright|xgxw|xgwz")
# Sources that state a date outside the visible text; they corroborate a text date.
_STATED = ("meta", "url", "script")


@dataclass
class DateCandidate:
    value: datetime
    score: float
    has_time: bool
    source: str  # "text", "meta", "script", "url" or "htmldate"


def choose_published(candidates: list[DateCandidate]) -> datetime | None:
    """The best-scored candidate, a day the meta/script/URL dates agree on counting more."""
    if not candidates:
        return None
    stated_days = Counter(_day(c) for c in candidates if c.source in _STATED)
    best = None
    for c in candidates:
        agreement = stated_days[_day(c)]
        score = c.score + 12 * min(agreement, 2) - (12 if c.source in _STATED and agreement else 0)
        if best is None or score > best[0]:
            best = (score, c)
    chosen = best[1]
    if not chosen.has_time:
        timed = [c for c in candidates if c.has_time and _day(c) == _day(chosen) and c.score > 0]
        if timed:
            chosen = max(timed, key=lambda c: c.score)
    return chosen.value


def _day(candidate: DateCandidate):
    return candidate.value.astimezone(SHANGHAI).date()


def date_candidates(root, document, html: str, url: str, title_el, container) -> list[DateCandidate]:
    """``document``: the page's lxml tree as parsed (metas and scripts are read there)."""
    found = text_dates(root, title_el, container) + meta_dates(document) + script_dates(document)
    url_date = date_from_url(url)
    if url_date:
        found.append(DateCandidate(url_date, 35, False, "url"))
    if not [c for c in found if c.score > 20]:
        stated = htmldate_date(html, url)
        if stated:
            found.append(DateCandidate(stated, 15, False, "htmldate"))
    return found


def meta_dates(document) -> list[DateCandidate]:
    found = []
    wanted = {n.lower() for n in META_DATE_NAMES + EXTRA_META_NAMES}
    for meta in compiled_xpath("//meta[@content]")(document):
        attrib = meta.attrib
        name = (attrib.get("property") or attrib.get("name") or attrib.get("itemprop") or "").strip().lower()
        if not name or name in MODIFIED_META or name not in wanted:
            continue
        value = parse_date(attrib.get("content"))
        if value:
            found.append(DateCandidate(value, 45, bool(re.search(r"\d[:：]\d", attrib.get("content"))), "meta"))
    for raw in compiled_xpath("//*[@itemprop='datePublished']/@datetime | //time[@pubdate]/@datetime")(document):
        value = parse_date(raw)
        if value:
            found.append(DateCandidate(value, 45, True, "meta"))
    return found


def script_dates(document) -> list[DateCandidate]:
    """The first publication time a page script states (``"pubtime": "…"``, a Unix time)."""
    for script in compiled_xpath("//script/text()")(document):
        for match in _SCRIPT_DATE.finditer(script):
            raw = match.group(1).strip()
            if re.fullmatch(r"\d{10}|\d{13}", raw):
                value = datetime.fromtimestamp(int(raw[:10]), timezone.utc).astimezone(SHANGHAI)
                value = value if value.year >= 1995 else None
            else:
                value = parse_date(raw)
            if value:
                return [DateCandidate(value, 38, True, "script")]
    return []


def htmldate_date(html: str, url: str) -> datetime | None:
    """htmldate's original-date search, when the page itself gave no good candidate."""
    from htmldate import find_date

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.getLogger("htmldate").setLevel(logging.CRITICAL)
            raw = find_date(html, url=url, extensive_search=True, original_date=True)
    except Exception:  # noqa: BLE001 - a failed helper is no date, not a crash
        return None
    return parse_date(raw) if raw else None


def _linear_text(root) -> list[tuple[int, str, object]]:
    """The visible text as pieces ``(offset, text, owner element)``, in reading order: an
    element's text, a space after a block, a tail (owned by the parent). One iterwalk of the
    tree, skipping what is not shown, rather than a Python call per element."""
    pieces = []
    position = 0
    skipped = set()
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if event == "start":
            tag = tag_of(el)
            if tag is None or tag in DROP_TAGS or is_hidden(el):
                skipped.add(el)
                walker.skip_subtree()
            elif el.text:
                pieces.append((position, el.text, el))
                position += len(el.text)
            continue
        if el not in skipped and ((tag := tag_of(el)) in BLOCK_TAGS or tag == "br"):
            pieces.append((position, " ", el))
            position += 1
        if el.tail and el is not root:
            pieces.append((position, el.tail, el.getparent()))
            position += len(el.tail)
    return pieces


def text_dates(root, title_el, container) -> list[DateCandidate]:
    pieces = _linear_text(root)
    if not pieces:
        return []
    text = "".join(p[1] for p in pieces).replace("\xa0", " ").replace("\u3000", " ")
    starts = [p[0] for p in pieces]
    title_start = title_end = body_start = body_end = None
    # (The elements of the headline and of the body, looked up once rather than by climbing
    # from every piece of the page's text.)
    in_title = set(title_el.iter()) if title_el is not None else ()
    in_body = set(container.iter()) if container is not None else ()
    for start, piece, owner in pieces:
        if owner in in_title:
            title_start = start if title_start is None else title_start
            title_end = start + len(piece)
        if owner in in_body:
            # the body begins at its first real paragraph: a date line above it is a header
            if body_start is None and len(squeeze(piece)) >= 30 and re.search("[，。；]", piece):
                body_start = start
            body_end = start + len(piece)

    found = []
    for match in DATE_TIME.finditer(text):
        value = parse_date(match.group(0))
        if value is None:
            continue
        owner = pieces[max(bisect.bisect_right(starts, match.start()) - 1, 0)][2]
        lineage = [owner, *owner.iterancestors()]
        score = 0.0
        label = _PUB_LABEL.search(text[max(0, match.start() - 14):match.start()])
        if label:
            score += LABEL_SCORE.get(label.group(1).lower(), 30)
        if re.match(r"\s*(?:至|到|-|—|~|～)\s*\d", text[match.end():match.end() + 3]):
            score -= 40  # a period: "5月19日至5月25日"
        if any(tag_of(a) == "a" for a in lineage):
            score -= 60
        if any(tag_of(a) in ("li", "dd") for a in lineage[:4]):
            score -= 30
        near_title = title_end is not None and 0 <= match.start() - title_end <= 200
        if not near_title and _in_link_row(owner):
            score -= 35
        in_body = body_start is not None and body_start <= match.start() < (body_end or 0)
        if in_body:
            score -= 45
        elif body_end is not None and match.start() >= body_end:
            score -= 50  # after the article: comments, related lists, the footer
        if any(_ELSEWHERE.search(" ".join(class_tokens(a))) for a in lineage):
            score -= 40
        if title_end is not None:
            distance = match.start() - title_end
            if 0 <= distance <= 400 and not in_body:
                score += 45 - distance / 12
            elif distance < 0 and title_start - match.end() <= 250:
                score += 5 - (title_start - match.end()) / 25  # above the headline: a widget as often
        elif body_start is not None and 0 <= body_start - match.end() <= 400:
            score += 30 - (body_start - match.end()) / 15
        has_time = match.group("H") is not None
        if has_time:
            score += 4
        found.append(DateCandidate(value, score, has_time, "text"))
    return found


def _in_link_row(owner) -> bool:
    """A date in a list row: the row (a few levels up) is mostly one link."""
    node = owner
    for _ in range(2):
        if node is None:
            return False
        if tag_of(node) in ("li", "tr", "dd", "p", "div"):
            text = squeeze(text_of(node))
            links = link_text_len(node)
            if links and links >= len(text) * 0.4 and len(text) < 120:
                return True
        node = node.getparent()
    return False
