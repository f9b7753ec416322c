"""The generic (fallback) article extractor: title, publication time and body of a news page
on a host newsbot has no configuration for, or whose own selectors found no body.

How the body is found
    1. trafilatura's main-content detection gives a reference text; the page element whose
       text best matches it (bigram F1) is a candidate container.
    2. A density score in the manner of readability/GNE (text per paragraph, Chinese
       punctuation, link density) gives a second candidate, and the only one when
       trafilatura finds nothing or too little (short notices).
    3. The chosen container is copied and cleaned the Chinese way: share widgets, 责任编辑 /
       来源 / 编辑 / 审核 lines, 上一篇/下一篇, 打印/关闭, 字号 大 中 小, related-news lists,
       the repeated headline and the date line; captions stay; image URLs become absolute.

How the date is found
    Every date in the page's visible text is a candidate, scored by its label (发布时间：,
    发稿时间：, 日期：… beat 更新时间：, 成文日期：, 今天是), by its distance from the headline,
    and against related-news lists, links and the body; meta tags, dates in page scripts
    (``"pubtime": …``), the URL path and htmldate add candidates and corroborate. Strings are
    parsed by ``newsbot.dates`` only. A time with hour:minute is preferred when the page
    states one for the chosen day.
"""

from __future__ import annotations

import bisect
import copy
import logging
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree

from .body import BLOCK_TAGS, IMAGE_SRC_ATTRS, is_hidden
from .dates import DATE_TIME, SHANGHAI, date_from_url, parse_date
from .pages import META_DATE_NAMES, ArticlePage
from .text import clean_text, fold_spaces

logger = logging.getLogger(__name__)

# --- what is never content -------------------------------------------------------------
DROP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas video audio source link meta "
    "input button select option textarea head title map area".split()
)
# Containers a paragraph may live in (scored); inline tags only pass text up.
CONTAINER_TAGS = frozenset(
    "div td article section main form body center blockquote founder-content span font table tbody "
    "tr ul ol li dd".split()
)
PARAGRAPH_TAGS = frozenset("p div td section li dd pre blockquote h1 h2 h3 h4 h5 h6 center span font".split())
_PUNCT = re.compile("[，。！？；、“”,!?;]")  # sentence punctuation (not the colons of "来源：")
_HAN = re.compile(r"[\u3400-\u9fff]")
_WS = re.compile(r"\s+")

# Class/id words of page chrome. Matched against the element's class and id tokens; an
# element is removed from the body only when its text is short or mostly links.
_NOISE_SUBSTR = (
    "share", "comment", "recommend", "relat", "copyright", "statement", "declare", "qrcode",
    "sponsor", "advert", "breadcrumb", "crumb", "pagenav", "prevnext", "prev_next", "sxp",
    "fontsize", "font-size", "font_size", "zoomtool", "printbtn", "footer", "sidebar", "toolbar",
    "bdshare", "bshare", "jiathis", "zebian", "keyword", "disclaimer", "reward", "appendqr",
    "article-tag", "article_tag", "hot-list", "hotlist", "rank",
)
_NOISE_TOKENS = frozenset(
    "ad ads adv tag tags tool tools print prev next nav menu edit editor author-info bianji "
    "liability close fenxiang dianzan zan report pages-nav".split()
)
_NOT_NOISE = re.compile(r"trs_editor|ueditor|editor[-_]?content|content[-_]?editor|article[-_]?content|main[-_]?content", re.I)

# Lines that are page chrome wherever they stand (matched on the block's whole text).
_LABEL_CHROME = (
    "责任编辑", "责编", "编辑", "审核", "审校", "审稿", "校对", "初审", "复审", "终审", "二审", "三审",
    "值班编辑", "签发", "监制", "统筹", "来源", "稿源", "文章来源", "本文来源", "信息来源", "新闻来源",
)
_LABEL_CREDIT = ("作者", "撰稿", "摄影", "供稿", "排版", "美编", "视频", "图片编辑", "文字", "通讯员", "记者")
_CHROME_LINE = re.compile(
    r"^[\[【（(]?\s*(?:" + "|".join(sorted(_LABEL_CHROME, key=len, reverse=True)) + r")\s*[:：|｜/]"
)
_CREDIT_LINE = re.compile(r"^(?:" + "|".join(sorted(_LABEL_CREDIT, key=len, reverse=True)) + r")\s*[:：|｜]")
_SHARE_WORDS = re.compile(
    r"分享到|分享|微信|朋友圈|新浪微博|腾讯微博|微博|QQ空间|QQ好友|QQ|豆瓣|人人网|复制链接|更多|"
    r"打印本页|打印此页|打印此文|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏|"
    r"字体|字号|大|中|小|默认|A\+|A-|纠错|我要纠错|挑错|推荐|扫一扫|点赞|举报|投诉|[:：\[\]【】|｜/、\s]"
)
_CHROME_PATTERNS = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|上一篇文章|下一篇文章|前一篇|后一篇)\s*[:：]"
    r"|^(?:相关新闻|相关阅读|相关链接|延伸阅读|推荐阅读|相关推荐|热点推荐|往期推荐|往期回顾|猜你喜欢|"
    r"更多精彩|热门推荐|热点新闻|精彩推荐|相关文章|相关稿件|相关信息|相关附件)\s*[:：]?$"
    r"|扫一扫在手机|在手机打开当前页|返回搜狐|查看更多|点击蓝字|关注我们|长按识别|长按二维码|"
    r"阅读原文|本文为.{0,20}原创|转载请|版权所有|平台声明|特别声明|免责声明|版权声明|"
    r"(?:点击数|点击量|浏览次数|阅读次数|阅读量|浏览量|访问量|点击率)\s*[:：]|海量资讯|尽在新浪财经"
)
_PAGINATION = re.compile(r"^(?:共\d+页|第\d+页|首页|尾页|上一页|下一页|上页|下页|\d+|[<>«»…]|\s)+$")
_SPACED_CREDITS = re.compile(
    r"^(?:(?:责任编辑|责编|编辑|审核|校对|监制|统筹|来源|作者|撰稿|摄影|文字|视频|制作)\s+[\u3400-\u9fff·]{1,6}\s*)+$"
)
_TRAILING_EDITOR = re.compile(r"[（(【\[]\s*(?:责任编辑|责编|编辑)\s*[:：][^（）()【】\[\]]{1,30}[）)】\]]\s*$")
# A heading after which only chrome follows (cut the body there when it is near the end).
_TAIL_HEADING = re.compile(
    r"^(?:相关新闻|相关阅读|相关链接|推荐阅读|相关推荐|热点推荐|往期推荐|往期回顾|猜你喜欢|更多精彩|"
    r"热门推荐|精彩推荐|相关文章|相关稿件|网友评论|评论|我来说两句)\s*[:：]?$"
)

# --- dates ---------------------------------------------------------------------------------
_PUB_LABEL = re.compile(
    r"(发布时间|发布日期|发稿时间|发表时间|发表日期|发布于|首发时间|首发于|首发|上线时间|刊发时间|"
    r"发布|时间|日期|Published|Date|出版日期|见报日期|添加时间|录入时间|更新时间|更新日期|更新于|"
    r"最后更新|修改时间|修改日期|编辑时间|成文日期|成文时间|印发日期|发文日期|今天是|今日|截止|截至|至)"
    r"\s*[:：]?\s*[（(【\[]?\s*$",
    re.I,
)
_LABEL_SCORE = {
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
    "dateModified".lower(), "last-modified",
})


# --- small helpers ---------------------------------------------------------------------
def _tag(el) -> str | None:
    return el.tag.lower() if isinstance(el.tag, str) else None


def _text(el) -> str:
    return "".join(el.itertext())


def _squeeze(text: str) -> str:
    return _WS.sub("", text.replace("\xa0", " ").replace("\u3000", " "))


def _bigrams(text: str) -> Counter:
    text = _squeeze(text)
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def _f1(a: Counter, b: Counter, size_a: int | None = None, size_b: int | None = None) -> float:
    if not a or not b:
        return 0.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    p, r = common / (size_a or sum(a.values())), common / (size_b or sum(b.values()))
    return 2 * p * r / (p + r)


def _tokens(el) -> list[str]:
    value = f"{el.get('class') or ''} {el.get('id') or ''}"
    return [t.lower() for t in re.split(r"[\s]+", value) if t]


def _is_noise_container(el) -> bool:
    for token in _tokens(el):
        if _NOT_NOISE.search(token):
            return False
    for token in _tokens(el):
        parts = [p for p in re.split(r"[-_]+", token) if p]
        if token in _NOISE_TOKENS or any(p in _NOISE_TOKENS for p in parts):
            return True
        if any(word in token for word in _NOISE_SUBSTR):
            return True
    return False


def _drop(el) -> None:
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


def _link_text_len(el) -> int:
    return sum(len(_squeeze(_text(a))) for a in el.iter("a"))


_SHARE_CORE = re.compile(r"分享|微信|微博|QQ|打印|关闭|字体|字号|纠错|扫一扫|收藏|返回顶部")


def _is_share_line(text: str) -> bool:
    if len(text) > 40 or not _SHARE_CORE.search(text):
        return False
    return len(_SHARE_WORDS.sub("", text)) <= 1


def is_chrome_line(text: str) -> bool:
    """Is a whole block of text page chrome (editor, source, share, prev/next, print…)?"""
    text = clean_text(text)
    if not text:
        return False
    squeezed = _squeeze(text)
    if len(squeezed) <= 60 and _CHROME_LINE.search(squeezed):
        return True
    if len(squeezed) <= 40 and _CREDIT_LINE.search(squeezed):
        return True
    if len(squeezed) <= 80 and _CHROME_PATTERNS.search(squeezed):
        return True
    if _is_share_line(squeezed):
        return True
    if len(squeezed) <= 30 and (_PAGINATION.match(text) and re.search(r"页", text)):
        return True
    if len(text) <= 40 and _SPACED_CREDITS.match(text):
        return True
    return False


# --- the document ------------------------------------------------------------------------
def _preclean(root) -> None:
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop(el)
    for el in list(root.iter()):
        tag = _tag(el)
        if tag is None:
            continue
        if tag in DROP_TAGS and tag not in ("head", "title"):
            _drop(el)
            continue
        style = (el.get("style") or "").lower()
        if "visibility" in style and "hidden" in style and len(_squeeze(_text(el))) > 100:
            # WeChat's #js_content is revealed by script: it is the article, not hidden.
            el.set("style", re.sub(r"visibility\s*:\s*hidden\s*;?", "", style))
        elif el.get("hidden") is not None or re.search(r"display\s*:\s*none", style):
            _drop(el)


@dataclass
class _DateCandidate:
    value: datetime
    score: float
    has_time: bool
    source: str


class GenericExtraction:
    """All generic extraction of one response; fields are computed once, on demand."""

    def __init__(self, response):
        self.response = response
        self.url = response.url
        self.selector = response.selector
        self.doc = copy.deepcopy(response.selector.root)
        self.base_url = urljoin(self.url, (self.selector.xpath("//base/@href").get() or "").strip())
        body = self.doc.find(".//body")
        self.root = body if body is not None else self.doc
        _preclean(self.root)

    # --- title --------------------------------------------------------------------------
    @cached_property
    def head_title(self) -> str:
        return clean_text(self.selector.xpath("//title//text()").get())

    @cached_property
    def og_title(self) -> str:
        return clean_text(self.selector.xpath("//meta[@property='og:title' or @name='og:title']/@content").get())

    @cached_property
    def title_element(self):
        head = _squeeze(self.head_title)
        og = _squeeze(self.og_title)
        best, best_score = None, 0.0
        for position, el in enumerate(self.root.iter()):
            tag = _tag(el)
            if tag is None:
                continue
            tokens = " ".join(_tokens(el))
            is_heading = tag in ("h1", "h2", "h3")
            titled = bool(re.search(r"title|biaoti|bt\b|headline|tit\b|topic", tokens))
            big = bool(re.search(r"font-size\s*:\s*(2[2-9]|[3-9]\d)px|font-weight\s*:\s*bold", el.get("style") or ""))
            big = big or (tag == "font" and (el.get("size") or "").strip() in ("4", "5", "6", "7", "+1", "+2", "+3"))
            text = _squeeze(_text(el))
            if not 4 <= len(text) <= 120:
                continue
            exact = text in (og, head)
            if not (is_heading or titled or big or exact or tag in ("founder-title", "td", "div", "span", "p")):
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
            score += {"h1": 30, "h2": 20, "h3": 12}.get(tag, 0) + (10 if titled else 0) + (8 if big else 0)
            if _link_text_len(el) > len(text) / 2:
                score -= 50
            score -= position / 2000  # the first of equals
            if score > best_score:
                best, best_score = el, score
        return best if best_score >= 25 else None

    @cached_property
    def title(self) -> str | None:
        if self.title_element is not None:
            text = clean_text(_text(self.title_element))
            if text:
                return text
        if self.og_title:
            return self.og_title
        head = self.head_title
        if not head:
            return None
        parts = [p for p in re.split(r"\s*(?:_|\||｜|--|—|-)\s*", head) if p.strip()]
        return max(parts, key=len) if parts else head

    # --- body: candidates -----------------------------------------------------------------
    @cached_property
    def trafilatura_text(self) -> str:
        try:
            import trafilatura
        except ImportError:  # pragma: no cover - trafilatura is a dependency
            return ""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
                logging.getLogger("htmldate").setLevel(logging.CRITICAL)
                text = trafilatura.extract(
                    self.response.text, url=self.url, include_comments=False, include_tables=True,
                    favor_recall=True, deduplicate=False, with_metadata=False,
                )
        except Exception:  # noqa: BLE001 - a failed helper is no reference text, not a crash
            logger.debug("trafilatura failed on %s", self.url, exc_info=True)
            return ""
        return text or ""

    @cached_property
    def density_scores(self) -> dict:
        """Readability-style scores: each paragraph adds to its container and, less, above."""
        return self._density(min_length=8, min_han=5) or self._density(min_length=2, min_han=2)

    def _density(self, min_length: int, min_han: int) -> dict:
        scores: dict = {}
        self._direct: dict = {}  # paragraph scores of each element's own paragraphs
        for el in self.root.iter():
            tag = _tag(el)
            if tag not in PARAGRAPH_TAGS:
                continue
            own = self._own_text(el)
            length = len(own)
            if length < min_length:
                continue
            link = self._own_link_len(el)
            if link > length * 0.5:
                continue
            punct = len(_PUNCT.findall(own))
            han = len(_HAN.findall(own))
            if han < min_han:
                continue
            value = 1 + punct + min(length / 40, 6)
            if tag in ("li", "dd") or (tag in ("td", "span", "font") and punct < 2):
                value *= 0.5
            target = el if tag in CONTAINER_TAGS and tag not in ("span", "font", "li") and self._has_br_text(el) else el.getparent()
            if target is not None:
                self._direct[target] = self._direct.get(target, 0.0) + value
            for distance, node in enumerate(self._ancestors(target, 3)):
                scores[node] = scores.get(node, 0.0) + value / (1 + distance * 1.5)
        for node in list(scores):
            text_len = max(len(_squeeze(_text(node))), 1)
            link_density = _link_text_len(node) / text_len
            scores[node] *= max(0.0, 1 - link_density * 1.3)
        return scores

    @staticmethod
    def _ancestors(el, count):
        node = el
        while node is not None and count > 0:
            if isinstance(node.tag, str):
                yield node
            node = node.getparent()
            count -= 1

    @staticmethod
    def _has_br_text(el) -> bool:
        return (el.text or "").strip() != "" or any(_tag(c) == "br" for c in el)

    def _own_text(self, el) -> str:
        """Text of ``el`` that is not inside a nested block (inline children included)."""
        parts = [el.text or ""]
        for child in el:
            tag = _tag(child)
            if tag is not None and tag not in BLOCK_TAGS:
                parts.append(self._own_text(child))
            parts.append(child.tail or "")
        return _squeeze("".join(parts))

    def _own_link_len(self, el) -> int:
        total = 0
        for child in el:
            tag = _tag(child)
            if tag == "a":
                total += len(_squeeze(_text(child)))
            elif tag is not None and tag not in BLOCK_TAGS:
                total += self._own_link_len(child)
        return total

    @cached_property
    def density_choice(self):
        if not self.density_scores:
            return None
        best = max(self.density_scores.items(), key=lambda kv: kv[1])[0]
        # Paragraphs of the article may sit both in the container and in a wrapper inside it
        # (pasted content): climb while the parent holds article paragraphs of its own.
        for _ in range(3):
            parent = best.getparent()
            if parent is None or parent is self.root or _tag(parent) not in CONTAINER_TAGS:
                break
            own = self._direct.get(best, 0.0) or self.density_scores.get(best, 0.0)
            if self._direct.get(parent, 0.0) < max(own * 0.25, 4.0):
                break
            text = max(len(_squeeze(_text(parent))), 1)
            if _link_text_len(parent) > text * 0.3:
                break
            best = parent
        return best

    @cached_property
    def trafilatura_choice(self):
        reference = self.trafilatura_text
        ref = _bigrams(reference)
        ref_size = sum(ref.values())
        if ref_size < 20:
            return None
        best, best_f1 = None, 0.0
        for el in self.root.iter():
            tag = _tag(el)
            if tag not in CONTAINER_TAGS and tag not in ("p",):
                continue
            text = _squeeze(_text(el))
            if len(text) < ref_size * 0.5:
                continue
            grams = _bigrams(text)
            score = _f1(grams, ref, sum(grams.values()), ref_size)
            if score > best_f1 + 1e-9 or (abs(score - best_f1) < 1e-9 and best is not None and el in best.iterancestors()):
                best, best_f1 = el, score
        return best if best_f1 >= 0.5 else None

    @cached_property
    def container(self):
        """The page element that holds the article.

        The density choice, unless trafilatura's reference text says it is the wrong part of
        the page (little of its text is in the reference: a teaser list, comments): then the
        scored element that best matches the reference.
        """
        density = self.density_choice
        reference = _bigrams(self.trafilatura_text)
        ref_size = sum(reference.values())
        if density is None:
            return self.trafilatura_choice
        if ref_size < 60:
            return density
        grams = _bigrams(_text(density))
        size = max(sum(grams.values()), 1)
        precision = sum((grams & reference).values()) / size
        if precision >= 0.5:
            return density
        top = max(self.density_scores.values())
        best, best_f1 = density, 0.0
        for el, score in self.density_scores.items():
            if score < top * 0.2:
                continue
            candidate = _bigrams(_text(el))
            f1 = _f1(candidate, reference)
            if f1 > best_f1:
                best, best_f1 = el, f1
        return best

    @cached_property
    def siblings(self) -> tuple[list, list]:
        """Siblings of the container that continue the article (before, after)."""
        container = self.container
        if container is None or container.getparent() is None:
            return [], []
        own = self._subtree_score(container)
        threshold = max(own * 0.3, 6.0)
        before, after = [], []
        for side, iterator in ((before, container.itersiblings(preceding=True)), (after, container.itersiblings())):
            for sibling in iterator:
                if _tag(sibling) is None:
                    continue
                text = _squeeze(_text(sibling))
                if not text and sibling.find(".//img") is None:
                    continue
                links = _link_text_len(sibling)
                same_kind = sibling.tag == container.tag and (sibling.get("class") or "") == (container.get("class") or "")
                if (
                    same_kind and self._subtree_score(sibling) >= threshold
                    and links <= len(text) * 0.25 and not _is_noise_container(sibling)
                ):
                    side.append(sibling)
                    continue
                break
        before.reverse()
        return before, after

    def _subtree_score(self, el) -> float:
        best = self.density_scores.get(el, 0.0)
        for node in el.iterdescendants():
            best = max(best, self.density_scores.get(node, 0.0))
        return best

    # --- body: cleaning -----------------------------------------------------------------------
    @cached_property
    def body(self):
        container = self.container
        if container is None:
            return None
        before, after = self.siblings
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
        self._append_following_figures(container, body)
        self._clean(body)
        self._absolute_images(body)
        if not _squeeze(_text(body)) and body.find(".//img") is None:
            return None
        return body

    def _clean(self, body) -> None:
        title = _squeeze(self.title or "")
        # 1. chrome containers by class/id, link lists
        for el in list(body.iter()):
            if el is body or el.getparent() is None or _tag(el) is None:
                continue
            if not self._attached(el, body):
                continue
            text = _squeeze(_text(el))
            links = _link_text_len(el)
            if _is_noise_container(el) and (len(text) < 300 or links > len(text) * 0.5):
                _drop(el)
                continue
            tag = _tag(el)
            if tag in ("ul", "ol", "dl", "table", "div", "section", "p", "td", "tr", "tbody", "span", "li") and text:
                n_links = len(el.findall(".//a"))
                if n_links >= 3 and links > len(text) * 0.6:
                    _drop(el)
                    continue
            if title and text == title:
                _drop(el)
        # 2. everything after a "related news" heading, when only a little follows it
        for el in list(body.iter()):
            if el is body or _tag(el) is None or not self._attached(el, body):
                continue
            if _TAIL_HEADING.search(_squeeze(_text(el))) and self._rest_is_short(body, el):
                self._cut_from(body, el)
                break
        # 3. chrome lines; the date/source line before the first paragraph
        seen_paragraph = False
        for el in self._leaf_blocks(body):
            if not self._attached(el, body):
                continue
            text = _text(el)
            squeezed = _squeeze(text)
            if not squeezed:
                continue
            if is_chrome_line(text) or (not seen_paragraph and self._is_info_line(text)):
                self._drop_block(el, body)
                continue
            if len(squeezed) >= 30 and re.search("[，。；！？]", squeezed):
                seen_paragraph = True
        # 4. "（责任编辑：…）" at the end of a paragraph
        for el in body.iter():
            if _tag(el) is None:
                continue
            if el.text and _TRAILING_EDITOR.search(el.text):
                el.text = _TRAILING_EDITOR.sub("", el.text)
            if el.tail and _TRAILING_EDITOR.search(el.tail):
                el.tail = _TRAILING_EDITOR.sub("", el.tail)

    @staticmethod
    def _attached(el, root) -> bool:
        node = el
        while node is not None:
            if node is root:
                return True
            node = node.getparent()
        return False

    def _leaf_blocks(self, body) -> list:
        """Block elements with text of their own, in document order."""
        found = []
        for el in body.iter():
            tag = _tag(el)
            if tag is None or el is body:
                continue
            if tag in BLOCK_TAGS or tag in ("span", "font", "founder-content"):
                own = self._own_text(el)
                if own:
                    found.append(el)
        return found

    def _drop_block(self, el, body) -> None:
        """Drop a chrome block; its inline parents go too when they hold nothing else."""
        if _tag(el) in ("span", "font", "a", "b", "strong", "em"):
            parent = el.getparent()
            if parent is not None and parent is not body and _squeeze(_text(parent)) == _squeeze(_text(el)):
                el = parent
        if el.find(".//img") is not None:
            # keep images: drop only the text
            for child in list(el):
                if _tag(child) != "img" and child.find(".//img") is None:
                    _drop(child)
            el.text = None
            return
        _drop(el)

    @staticmethod
    def _rest_is_short(body, el) -> bool:
        before = after = 0
        seen = False
        for node in body.iter():
            if node is el:
                seen = True
            for piece in (node.text, node.tail):
                if piece:
                    if seen:
                        after += len(_squeeze(piece))
                    else:
                        before += len(_squeeze(piece))
        return after < max(before, 200)

    def _cut_from(self, body, el) -> None:
        """Remove ``el`` and everything after it in the body."""
        node = el
        while node is not None and node is not body:
            for sibling in list(node.itersiblings()):
                node.getparent().remove(sibling)
            node.tail = None
            node = node.getparent()
        _drop(el)

    def _is_info_line(self, text: str) -> bool:
        squeezed = _squeeze(text)
        if len(squeezed) > 120:
            return False
        match = DATE_TIME.search(fold_spaces(text))
        if not match or "。" in squeezed or squeezed.count("，") > 1:
            return False
        if match.start() > 20 and len(squeezed) > 60:
            return False
        return bool(re.search(r"来源|作者|编辑|发布|时间|日期|浏览|点击|阅读|字号|字体|责编", squeezed)) or len(squeezed) <= 25

    def _append_following_figures(self, container, body) -> None:
        """Epaper pages put the picture and its caption beside the text container."""
        node = container
        for _ in range(3):
            if node is None or node is self.root:
                return
            for sibling in node.itersiblings():
                tag = _tag(sibling)
                if tag is None:
                    continue
                imgs = sibling.findall(".//img")
                text = _squeeze(_text(sibling))
                if imgs and len(imgs) <= 3 and len(text) <= 80 and not sibling.findall(".//a") and text:
                    figure = copy.deepcopy(sibling)
                    figure.tail = None
                    body.append(figure)
                    continue
                if text:
                    return
            node = node.getparent()

    def _absolute_images(self, body) -> None:
        for img in list(body.iter("img")):
            for attr in IMAGE_SRC_ATTRS + ("orisrc", "original-src"):
                value = (img.get(attr) or "").strip()
                if value and not value.startswith(("data:", "javascript:")):
                    img.set(attr, urljoin(self.base_url, value))
            src = img.get("src") or ""
            if re.search(r"qrcode|erweima|/icon|logo|share|spacer|blank\.gif", src, re.I):
                _drop(img)

    # --- date -----------------------------------------------------------------------------------
    @cached_property
    def published(self) -> datetime | None:
        candidates = self.date_candidates()
        if not candidates:
            return None
        days = Counter()
        for c in candidates:
            if c.source in ("meta", "url", "script"):
                days[c.value.astimezone(SHANGHAI).date()] += 1
        best = None
        for c in candidates:
            day = c.value.astimezone(SHANGHAI).date()
            score = c.score + 12 * min(days[day], 2) - (12 if c.source in ("meta", "url", "script") and days[day] else 0)
            if best is None or score > best[0]:
                best = (score, c)
        chosen = best[1]
        if not chosen.has_time:
            day = chosen.value.astimezone(SHANGHAI).date()
            timed = [c for c in candidates if c.has_time and c.value.astimezone(SHANGHAI).date() == day and c.score > 0]
            if timed:
                chosen = max(timed, key=lambda c: c.score)
        return chosen.value

    def date_candidates(self) -> list[_DateCandidate]:
        found = self._text_dates() + self._meta_dates() + self._script_dates()
        url_date = date_from_url(self.url)
        if url_date:
            found.append(_DateCandidate(url_date, 35, False, "url"))
        if not [c for c in found if c.score > 20]:
            hd = self._htmldate()
            if hd:
                found.append(_DateCandidate(hd, 15, False, "htmldate"))
        return found

    def _meta_dates(self) -> list[_DateCandidate]:
        found = []
        wanted = {n.lower() for n in META_DATE_NAMES + EXTRA_META_NAMES}
        for meta in self.selector.xpath("//meta[@content]"):
            name = (meta.attrib.get("property") or meta.attrib.get("name") or meta.attrib.get("itemprop") or "").strip().lower()
            if not name or name in MODIFIED_META or name not in wanted:
                continue
            value = parse_date(meta.attrib.get("content"))
            if value:
                has_time = bool(re.search(r"\d[:：]\d", meta.attrib.get("content")))
                found.append(_DateCandidate(value, 45, has_time, "meta"))
        for raw in self.selector.xpath("//*[@itemprop='datePublished']/@datetime | //time[@pubdate]/@datetime").getall():
            value = parse_date(raw)
            if value:
                found.append(_DateCandidate(value, 45, True, "meta"))
        return found

    def _script_dates(self) -> list[_DateCandidate]:
        found = []
        for script in self.selector.xpath("//script/text()").getall():
            for match in _SCRIPT_DATE.finditer(script):
                raw = match.group(1).strip()
                value = None
                if re.fullmatch(r"\d{10}|\d{13}", raw):
                    stamp = int(raw[:10])
                    value = datetime.fromtimestamp(stamp, timezone.utc).astimezone(SHANGHAI)
                    if value.year < 1995:
                        value = None
                else:
                    value = parse_date(raw)
                if value:
                    found.append(_DateCandidate(value, 38, True, "script"))
                    break
        return found[:1]

    def _htmldate(self) -> datetime | None:
        try:
            from htmldate import find_date
        except ImportError:  # pragma: no cover
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                logging.getLogger("htmldate").setLevel(logging.CRITICAL)
                raw = find_date(self.response.text, url=self.url, extensive_search=True, original_date=True)
        except Exception:  # noqa: BLE001
            return None
        return parse_date(raw) if raw else None

    def _linear_text(self):
        """The visible text as one string, with each piece's owner element."""
        pieces = []
        position = 0

        def walk(el):
            nonlocal position
            tag = _tag(el)
            if tag is None or tag in DROP_TAGS or is_hidden(el):
                return
            if el.text:
                pieces.append((position, el.text, el))
                position += len(el.text)
            for child in el:
                walk(child)
                if child.tail:
                    pieces.append((position, child.tail, el))
                    position += len(child.tail)
            if tag in BLOCK_TAGS or tag == "br":
                pieces.append((position, " ", el))
                position += 1

        walk(self.root)
        return pieces

    def _text_dates(self) -> list[_DateCandidate]:
        pieces = self._linear_text()
        if not pieces:
            return []
        text = "".join(p[1] for p in pieces).replace("\xa0", " ").replace("\u3000", " ")
        starts = [p[0] for p in pieces]
        title_el = self.title_element
        container = self.container
        title_start = title_end = None
        body_start = body_end = None
        for start, piece, owner in pieces:
            if title_el is not None and (owner is title_el or title_el in owner.iterancestors()):
                title_start = start if title_start is None else title_start
                title_end = start + len(piece)
            if container is not None and (owner is container or container in owner.iterancestors()):
                # the body begins at its first real paragraph: a date line above it is a header
                if body_start is None and len(_squeeze(piece)) >= 30 and re.search("[，。；]", piece):
                    body_start = start
                body_end = start + len(piece)

        found = []
        for match in DATE_TIME.finditer(text):
            value = parse_date(match.group(0))
            if value is None:
                continue
            index = max(bisect.bisect_right(starts, match.start()) - 1, 0)
            owner = pieces[index][2]
            score = 0.0
            before = text[max(0, match.start() - 14):match.start()]
            label = _PUB_LABEL.search(before)
            if label:
                score += _LABEL_SCORE.get(label.group(1).lower(), 30)
            after = text[match.end():match.end() + 3]
            if re.match(r"\s*(?:至|到|-|—|~|～)\s*\d", after):
                score -= 40  # a period: "5月19日至5月25日"
            in_link = any(_tag(a) == "a" for a in [owner, *owner.iterancestors()])
            if in_link:
                score -= 60
            in_list = any(_tag(a) in ("li", "dd") for a in [owner, *owner.iterancestors()][:4])
            if in_list:
                score -= 30
            near_title = title_end is not None and 0 <= match.start() - title_end <= 200
            if not near_title and self._near_links(owner):
                score -= 35
            in_body = body_start is not None and body_start <= match.start() < (body_end or 0)
            if in_body:
                score -= 45
            if title_end is not None:
                distance = match.start() - title_end
                if 0 <= distance <= 400 and not in_body:
                    score += 45 - distance / 12
                elif distance < 0 and title_start - match.end() <= 250:
                    score += 20 - (title_start - match.end()) / 15
            elif body_start is not None and 0 <= body_start - match.end() <= 400:
                score += 30 - (body_start - match.end()) / 15
            has_time = match.group("H") is not None
            if has_time:
                score += 4
            found.append(_DateCandidate(value, score, has_time, "text"))
        return found

    @staticmethod
    def _near_links(owner) -> bool:
        """A date in a list row: the row (a few levels up) is mostly one link."""
        node = owner
        for _ in range(2):
            if node is None:
                return False
            tag = _tag(node)
            if tag in ("li", "tr", "dd", "p", "div"):
                text = _squeeze(_text(node))
                links = _link_text_len(node)
                if links and links >= len(text) * 0.4 and len(text) < 120:
                    return True
            node = node.getparent()
        return False

    # --- outlet ---------------------------------------------------------------------------------
    @cached_property
    def outlet(self) -> str | None:
        pattern = ArticlePage.outlet_pattern
        for text in self.selector.xpath(
            "//body//text()[contains(., '来源')][not(ancestor::script) and not(ancestor::style)]"
        ).getall():
            match = pattern.search(clean_text(text))
            if match:
                return match.group(1)
        return None


def extract_generic(response) -> dict:
    """``{"title", "published", "body"}`` of any news page (body: an lxml element or None)."""
    extraction = GenericExtraction(response)
    return {"title": extraction.title, "published": extraction.published, "body": extraction.body}


class GenericArticlePage(ArticlePage):
    """An article page on a host without configuration: everything the generic way."""

    @cached_property
    def generic(self) -> GenericExtraction:
        return GenericExtraction(self.response)

    def title(self) -> str | None:
        return self.generic.title

    def published(self) -> datetime | None:
        return self.generic.published

    def body(self):
        return self.generic.body

    def outlet(self) -> str | None:
        return super().outlet() or self.generic.outlet
