"""Generated hostile pages: whatever the markup or the bytes, a page is read or dropped with
a reason (``Dropped``), never lost to an exception. Each kind of input below once lost
articles: control characters, hrefs that are no URL, markup nested hundreds deep, UTF-16
pages, empty hidden list items."""

from __future__ import annotations

import random

import pytest

from newsbot.extract import extract
from newsbot.errors import Dropped
from newsbot.extract import prepare
from newsbot.publish.profiles import render

TEXTS = ["南开大学", "全國(guó)", "　　据介绍，", "a * b _c_ [x](y) `code`", "# 标题", "1. 第一", "{{ site.title }}",
         "&amp;lt;", "&nbsp;", "\u3000", "\u200b", "\x0b", "\x0c", "\x01", "\ufffe", "\r\n", "（记者 张三 通讯员 李四）",
         "责任编辑：王五", "版权声明", "更多...", "发布时间：2023-05-06 10:00", "来源：人民网", "作者：赵六", "很长的一段话，" * 12,
         "<!-- c -->", "&#13;", "&#x09;", "&#0;"]
URLS = ["/a/b.html", "http://news.nankai.edu.cn/x/中文.html", "  /lead space.html", "javascript:alert(1)", "mailto:a@b.c",
        "http://[Nucl. Phys. B 612 (2001) 25]", "http://[::1]/x", "https://ex.com/a b/c", "/pic/图 片.jpg",
        "/images/spacer.gif", "data:image/png;base64,AAA", "/q?x=\"y\"", "/{{x}}", "", "/é.png"]
STYLES = ["text-align:left", "display:none", "visibility: hidden", "font-size:16px"]
BLOCK = ["p", "div", "td", "li", "h2", "blockquote", "span", "font", "table", "tr", "ul"]
INLINE = ["strong", "b", "em", "span", "a", "font", "label", "rt"]
NANKAI = """<html><head><meta charset="utf-8"><title>{title}-综合新闻-南开大学</title></head><body>
<table><tr><td style="font-size:30px;">{title}</td></tr>
<tr><td><span>来源： 南开大学新闻网</span><span>发稿时间：2023-05-06 09:37</span></td></tr>
<tr><td id="txt" style="font-size:16px">{body}</td>{after}</tr></table></body></html>"""
GENERIC = """<html><head><meta charset="utf-8"><title>{title}</title></head><body><h1>{title}</h1>
<div class="date">2023-05-06</div><div class="article-content">{body}</div>{after}</body></html>"""


def attrs(rng) -> str:
    found = [f'style="{rng.choice(STYLES)}"'] if rng.random() < 0.4 else []
    found += ["hidden"] if rng.random() < 0.05 else []
    found += [f'title="{rng.choice(TEXTS)}"'] if rng.random() < 0.1 else []
    return "".join(" " + a for a in found)


def node(rng, depth: int) -> str:
    r = rng.random()
    if depth > 4 or r < 0.25:
        return "".join(rng.choice(TEXTS) for _ in range(rng.randint(0, 3)))
    if r < 0.32:
        return "<br>"
    if r < 0.42:
        attr = rng.choice(["src", "data-src", "data-original", "src"])
        return f'<img {attr}="{rng.choice(URLS)}"{attrs(rng)}>'
    if r < 0.52:
        return f'<a href="{rng.choice(URLS)}"{attrs(rng)}>{node(rng, depth + 1)}</a>'
    if r < 0.56:
        return rng.choice(["<script>alert(1)</script>", "<embed src=/x.swf>", "<iframe src=/x></iframe>", "<o:p></o:p>",
                           "<svg><script>1</script></svg>", "<li hidden></li>", "<font>" * 400 + "深" + "</font>" * 400])
    tag = rng.choice(INLINE if r < 0.75 else BLOCK)
    inner = "".join(node(rng, depth + 1) for _ in range(rng.randint(0, 4)))
    return f"<{tag}{attrs(rng)}>{inner}" + ("" if rng.random() < 0.05 else f"</{tag}>")


def pages(count: int, seed: int):
    rng = random.Random(seed)
    for n in range(count):
        nankai = n % 3
        url = (f"https://news.nankai.edu.cn/zhxw/system/2023/05/06/{30000000 + n}.shtml" if nankai
               else f"https://fuzz.example.org/news/{n}.html")
        html = (NANKAI if nankai else GENERIC).format(
            title=rng.choice(["南开大学举办活动", "A title *with* _marks_", "{{ bad }} 标题"]),
            body="\n".join(node(rng, 0) for _ in range(rng.randint(1, 10))),
            after=rng.choice(["", "<div>版权声明 本网站由南开大学</div>", "更多>>"]))
        yield url, html, rng


def read(url: str, body: bytes, headers=None):
    """The article, or None when the pipelines drop it with a reason."""
    try:
        article = prepare(extract(url, body, headers))
    except Dropped:
        return None
    render(article, "text")
    return article


@pytest.mark.slow  # over a second in-process
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_markup_is_read_or_dropped_never_an_exception(seed):
    read_count = 0
    for url, html, _ in pages(300, seed):
        article = read(url, html.encode("utf-8"), {"Content-Type": "text/html"})
        if article is not None:
            read_count += 1
            assert not any(c in article.body_text + article.body_html for c in "\x00\x01\x0b\x0c\ufffe")
    assert read_count > 100  # (most generated pages have a body)


@pytest.mark.slow  # over a second in-process
def test_generated_bytes_are_read_or_dropped_never_an_exception():
    encodings = ["utf-8", "gbk", "gb18030", "big5", "utf-16", "utf-16-be", "latin-1", "utf-32"]
    declared = ["utf-8", "gbk", "big5", "utf-16", "iso-8859-1", "x-unknown", ""]
    for url, html, rng in pages(300, 3):
        html = html.replace('<meta charset="utf-8">', f'<meta charset="{rng.choice(declared)}">')
        body = html.encode(rng.choice(encodings), "replace")
        cut = rng.random()
        if cut < 0.2:
            at = rng.randrange(len(body))
            body = body[:at] + bytes(rng.randrange(256) for _ in range(5)) + body[at:]
        elif cut < 0.3:
            body = body[: rng.randrange(len(body))]
        headers = rng.choice([{"Content-Type": "text/html"}, {"Content-Type": f"text/html; charset={rng.choice(declared)}"}, None])
        read(url, body, headers)
