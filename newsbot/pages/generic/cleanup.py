"""Removing page chrome from a chosen body container, the Chinese way.

Share widgets, 责任编辑 / 来源 / 编辑 / 审核 lines, 上一篇/下一篇, 打印/关闭, 字号 大 中 小,
related-news lists, the repeated headline and the date line above the first paragraph go;
captions stay; image URLs become absolute.
"""

from __future__ import annotations

import re

from newsbot.html.tree import BLOCK_TAGS
from newsbot.html.links import IMAGE_SRC_ATTRS
from newsbot.dates import DATE_TIME
from newsbot.text import clean_text, fold_spaces
from newsbot.urls import join_url
from newsbot.pages.generic.tree import (
    class_tokens, drop, is_attached, link_text_len, own_text, squeeze, tag_of, text_of, xml_safe,
)

# Class/id words of page chrome. Matched against the element's class and id tokens; an
# element is removed from the body only when its text is short or mostly links.
NOISE_SUBSTRINGS = (
    "share", "comment", "recommend", "relat", "copyright", "statement", "declare", "qrcode",
    "sponsor", "advert", "breadcrumb", "crumb", "pagenav", "prevnext", "prev_next", "sxp",
    "fontsize", "font-size", "font_size", "zoomtool", "printbtn", "footer", "sidebar", "toolbar",
    "bdshare", "bshare", "jiathis", "zebian", "keyword", "disclaimer", "reward", "appendqr",
    "article-tag", "article_tag", "hot-list", "hotlist", "rank",
)
NOISE_TOKENS = frozenset(
    "ad ads adv tag tags tool tools print prev next nav menu edit editor author-info bianji "
    "liability close fenxiang dianzan zan report pages-nav".split()
)
_NOT_NOISE = re.compile(
    r"trs_editor|ueditor|editor[-_]?content|content[-_]?editor|article[-_]?content|main[-_]?content", re.I
)

# Lines that are page chrome wherever they stand (matched on the block's whole text).
# A link to more of a list, as a text of its own: 更多..., 更多……, 更多>>, 【更多】, 查看更多 ».
MORE_LINK = re.compile(
    r"^[\[【(（<《〔]?\s*(?:查看|点击查看|浏览)?更多(?:内容|新闻|信息|资讯)?\s*"
    r"(?:\.{2,}|…+|。{2,}|[>＞»》→+]+|\s)*[\]】)）〕]?$"
)
# A site's footer line: its ICP licence or police registration number (every Chinese site
# shows one), who runs it (本网站由…设计维护).
_FOOTER_LINE = re.compile(r"ICP[备证]|公网安备|本网站由|本站由.{0,20}(?:维护|主办|制作)")
CHROME_LABELS = (
    "责任编辑", "责编", "编辑", "审核", "审校", "审稿", "校对", "初审", "复审", "终审", "二审", "三审",
    "值班编辑", "签发", "监制", "统筹", "来源", "稿源", "文章来源", "本文来源", "信息来源", "新闻来源",
)
CREDIT_LABELS = ("作者", "撰稿", "摄影", "供稿", "排版", "美编", "视频", "图片编辑", "文字", "通讯员", "记者")
_CHROME_LINE = re.compile(
    r"^[\[【（(]?\s*(?:" + "|".join(sorted(CHROME_LABELS, key=len, reverse=True)) + r")\s*[:：|｜/]"
)
_CREDIT_LINE = re.compile(r"^(?:" + "|".join(sorted(CREDIT_LABELS, key=len, reverse=True)) + r")\s*[:：|｜]")
_SHARE_WORDS = re.compile(
    r"分享到|分享|微信|朋友圈|新浪微博|腾讯微博|微博|QQ空间|QQ好友|QQ|豆瓣|人人网|复制链接|更多|"
    r"打印本页|打印此页|打印此文|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏|"
    r"字体|字号|放大|缩小|正常|大|中|小|默认|A\+|A-|纠错|我要纠错|挑错|推荐|扫一扫|点赞|举报|投诉|[:：\[\]【】|｜/、\s]"
)
_SHARE_CORE = re.compile(r"分享|微信|微博|QQ|打印|关闭|字体|字号|纠错|扫一扫|收藏|返回顶部")
_CHROME_PATTERNS = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|上一篇文章|下一篇文章|前一篇|后一篇)\s*[:：]"
    r"|^(?:相关新闻|相关阅读|相关链接|延伸阅读|推荐阅读|相关推荐|热点推荐|往期推荐|往期回顾|猜你喜欢|"
    r"更多精彩|热门推荐|热点新闻|精彩推荐|相关文章|相关稿件|相关信息|相关附件)\s*[:：]?$"
    r"|^点击(?:进入|查看|阅读|浏览)"
    r"|^(?:此前报道|相关报道|更多报道|延伸阅读|相关阅读|推荐阅读|相关新闻|相关链接|原文链接|原文地址)[:：]"
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
# Image URLs that are page furniture, not article pictures.
_FURNITURE_IMAGE = re.compile(r"qrcode|erweima|/icon|logo|share|spacer|blank\.gif|(?:next|prev|pre)_?page", re.I)
_LINK_LIST_TAGS = frozenset("ul ol dl table div section p td tr tbody span li".split())


def is_noise_container(el) -> bool:
    """Do the element's class/id words name page chrome (share bar, related list, footer…)?"""
    # WordPress's has-* classes (has-small-font-size) say how text looks, not what it is.
    tokens = [token for token in class_tokens(el) if not token.startswith("has-")]
    if any(_NOT_NOISE.search(token) for token in tokens):
        return False
    for token in tokens:
        parts = [p for p in re.split(r"[-_]+", token) if p]
        if token in NOISE_TOKENS or any(p in NOISE_TOKENS for p in parts):
            return True
        if any(word in token for word in NOISE_SUBSTRINGS):
            return True
    return False


def _is_share_line(text: str) -> bool:
    if len(text) > 40 or not _SHARE_CORE.search(text):
        return False
    return len(_SHARE_WORDS.sub("", text)) <= 1


def is_chrome_line(text: str) -> bool:
    """Is a whole block of text page chrome (editor, source, share, prev/next, print…)?"""
    text = clean_text(text)
    if not text:
        return False
    squeezed = squeeze(text)
    if len(squeezed) <= 60 and _CHROME_LINE.search(squeezed):
        return True
    if len(squeezed) <= 80 and _CHROME_PATTERNS.search(squeezed):
        return True
    if MORE_LINK.match(text) or (len(squeezed) <= 160 and _FOOTER_LINE.search(squeezed)):
        return True
    if _is_share_line(squeezed):
        return True
    if len(squeezed) <= 30 and (_PAGINATION.match(text) and re.search(r"页", text)):
        return True
    if len(text) <= 40 and _SPACED_CREDITS.match(text):
        return True
    return False


def is_credit_line(text: str) -> bool:
    """撰稿：…，摄影：… — part of the article at its end, page chrome above its first paragraph."""
    squeezed = squeeze(clean_text(text))
    return len(squeezed) <= 40 and bool(_CREDIT_LINE.search(squeezed))


def is_info_line(text: str) -> bool:
    """A date/source/hits line (the line under a headline), not a paragraph."""
    squeezed = squeeze(text)
    if len(squeezed) > 120:
        return False
    match = DATE_TIME.search(fold_spaces(text))
    if not match or "。" in squeezed or squeezed.count("，") > 1:
        return False
    if match.start() > 20 and len(squeezed) > 60:
        return False
    return bool(re.search(r"来源|作者|编辑|发布|时间|日期|浏览|点击|阅读|字号|字体|责编", squeezed)) or len(squeezed) <= 25


def clean_body(body, title: str | None) -> None:
    """Remove chrome from ``body`` (a copy of the chosen container) in place."""
    title = squeeze(title or "")
    _drop_chrome_containers(body, title)
    _cut_tail_lists(body)
    _drop_chrome_lines(body)
    _strip_trailing_editor(body)


def _drop_chrome_containers(body, title: str) -> None:
    """Chrome containers by class/id, link lists, the headline repeated in the body."""
    for el in list(body.iter()):
        if el is body or tag_of(el) is None or not is_attached(el, body):
            continue
        text = squeeze(text_of(el))
        links = link_text_len(el)
        if is_noise_container(el) and (len(text) < 300 or links > len(text) * 0.5):
            drop(el)
            continue
        if tag_of(el) in _LINK_LIST_TAGS and text:
            if len(el.findall(".//a")) >= 3 and links > len(text) * 0.6:
                drop(el)
                continue
        if title and text == title:
            drop(el)


def _cut_tail_lists(body) -> None:
    """Everything after a "related news" heading, when only a little follows it."""
    for el in list(body.iter()):
        if el is body or tag_of(el) is None or not is_attached(el, body):
            continue
        if _TAIL_HEADING.search(squeeze(text_of(el))) and _rest_is_short(body, el):
            _cut_from(body, el)
            return


def _drop_chrome_lines(body) -> None:
    """Chrome lines anywhere; date/source and credit lines before the first paragraph."""
    seen_paragraph = False
    for el in _leaf_blocks(body):
        if not is_attached(el, body):
            continue
        text = text_of(el)
        squeezed = squeeze(text)
        if not squeezed:
            continue
        if is_chrome_line(text) or (not seen_paragraph and (is_info_line(text) or is_credit_line(text))):
            _drop_block(el, body)
            continue
        if len(squeezed) >= 30 and re.search("[，。；！？]", squeezed):
            seen_paragraph = True


def _strip_trailing_editor(body) -> None:
    """"（责任编辑：…）" at the end of a paragraph."""
    for el in body.iter():
        if tag_of(el) is None:
            continue
        if el.text and _TRAILING_EDITOR.search(el.text):
            el.text = _TRAILING_EDITOR.sub("", el.text)
        if el.tail and _TRAILING_EDITOR.search(el.tail):
            el.tail = _TRAILING_EDITOR.sub("", el.tail)


def _leaf_blocks(body) -> list:
    """Block elements with text of their own, in document order."""
    return [
        el for el in body.iter()
        if el is not body and tag_of(el) is not None
        and (tag_of(el) in BLOCK_TAGS or tag_of(el) in ("span", "font", "founder-content"))
        and own_text(el)
    ]


def _drop_block(el, body) -> None:
    """Drop a chrome block; its inline parents go too when they hold nothing else."""
    if tag_of(el) in ("span", "font", "a", "b", "strong", "em"):
        parent = el.getparent()
        if parent is not None and parent is not body and squeeze(text_of(parent)) == squeeze(text_of(el)):
            el = parent
    if el.find(".//img") is not None:
        # keep images: drop only the text
        for child in list(el):
            if tag_of(child) != "img" and child.find(".//img") is None:
                drop(child)
        el.text = None
        return
    drop(el)


def _rest_is_short(body, el) -> bool:
    before = after = 0
    seen = False
    for node in body.iter():
        if node is el:
            seen = True
        for piece in (node.text, node.tail):
            if piece:
                if seen:
                    after += len(squeeze(piece))
                else:
                    before += len(squeeze(piece))
    return after < max(before, 200)


def _cut_from(body, el) -> None:
    """Remove ``el`` and everything after it in the body."""
    node = el
    while node is not None and node is not body:
        for sibling in list(node.itersiblings()):
            node.getparent().remove(sibling)
        node.tail = None
        node = node.getparent()
    drop(el)


def absolute_images(body, base_url: str) -> None:
    """Image URLs made absolute; logos, QR codes and spacers dropped."""
    for img in list(body.iter("img")):
        for attr in IMAGE_SRC_ATTRS + ("orisrc", "original-src"):
            value = (img.get(attr) or "").strip()
            if value and not value.startswith(("data:", "javascript:")):
                url = join_url(base_url, value)
                if url is None:  # no URL at all: no image
                    del img.attrib[attr]
                else:
                    img.set(attr, xml_safe(url))
        if _FURNITURE_IMAGE.search(img.get("src") or ""):
            drop(img)
