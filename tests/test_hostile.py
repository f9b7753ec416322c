"""Hostile pages: nothing a page says may become live script, a foreign URL scheme or an
evaluated template tag on the blog that publishes newsbot's output.

Each page goes through the real extraction path (a site's page object, or the generic
extractor for an unknown host; ``prepare`` as a crawl applies it) into every profile and
the JSONL record. The Markdown is rendered as a blog renders it (CommonMark with raw HTML
enabled, as hexo-renderer-marked does); the Jekyll body is HTML and is rendered the same
way. The rendered HTML is parsed and every element and attribute checked. Each page also
carries benign content (text, an http image, a link), which must survive, so the test
cannot pass by emptying everything.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from lxml import etree
from markdown_it import MarkdownIt

from newsbot.publish.profiles import PROFILES
from newsbot.publish.templates import raw
from newsbot.pages.generic.extraction import GenericArticlePage
from newsbot.extract import extract_article
from newsbot.pages.page_input import PageInput
from newsbot.extract import prepare
from newsbot.items import article_record
from newsbot.sites import site_for_url

from .conftest import ROOT

NANKAI_URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056999.shtml"
GENERIC_URL = "https://hostile.example.org/news/2023/05/18/1.html"
OPTIONS = {"blog": "nankai.info", "site": "https://finews.example", "category": "nfdsb", "outlet": "南开"}
BENIGN_TEXT = "南开大学今天举行了一场普通的学术报告会，师生踊跃参加。"
BENIGN_IMAGE = "http://img.example.org/benign.jpg"
BENIGN_LINK = "https://www.nankai.edu.cn/benign.html"
BENIGN = (
    f"<p>{BENIGN_TEXT}</p><p><img src=\"{BENIGN_IMAGE}\"></p>"
    f"<p>详见<a href=\"{BENIGN_LINK}\">学校主页</a>。</p>"
)
PAYLOAD = "alert(1)"

SCHEMES = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "  javascript:alert(1)", "\tjavascript:alert(1)",
    "jav&#x09;ascript:alert(1)", "jav&#x0A;ascript:alert(1)", "jav&#13;ascript:alert(1)",
    "&#106;avascript:alert(1)", "&#x6A;&#x61;vascript:alert(1)", "java\u0000script:alert(1)",
    "vbscript:msgbox(1)", "VBScript:alert(1)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>", "livescript:alert(1)", "file:///etc/passwd",
]

# name: (title, body HTML); the benign content is appended to every body.
PAGES = {
    "script": ("普通标题", "<p>前文<script>alert(1)</script>后文</p><script src=\"http://evil.example/x.js\"></script>"
                        "<noscript><img src=\"http://evil.example/n.png\"></noscript>"),
    "handlers": ("普通标题", "<p onclick=\"alert(1)\" onmouseover=alert(1)>点击这里</p>"
                          "<img src=\"http://img.example.org/h.png\" onerror=\"alert(1)\" onload=alert(1)>"
                          "<a href=\"https://example.org/x\" onclick=\"alert(1)\">处理器链接</a>"
                          "<div style=\"background:url(javascript:alert(1))\" onfocus=alert(1)>有样式</div>"),
    "link schemes": ("普通标题", "".join(f"<p><a href=\"{s}\">链接{i}</a></p>" for i, s in enumerate(SCHEMES))),
    "image schemes": ("普通标题", "".join(
        f"<p><img src=\"{s}\"><img data-src=\"{s}\"><img data-original=\"{s}\"></p>" for s in SCHEMES)),
    "breakout in src": ("普通标题",
        "<p><img src=\"http://img.example.org/a.png)<script>alert(1)</script>(\"></p>"
        "<p><img src='http://img.example.org/b.png\" onerror=\"alert(1)'></p>"
        "<p><img src=\"http://img.example.org/c d.png&#10;)![x](javascript:alert(1))\"></p>"
        "<p><img src=\"http://img.example.org/e.png> <script>alert(1)</script>\"></p>"
        "<p><img src=\"http://img.example.org/f.png\\\"><img src=\"http://img.example.org/`g`.png\"></p>"),
    "breakout in href": ("普通标题",
        "<p><a href=\"https://example.org/a)<script>alert(1)</script>(\">括号</a></p>"
        "<p><a href='https://example.org/b\" onclick=\"alert(1)'>引号</a></p>"
        "<p><a href=\"https://example.org/c d&#10;e)[x](javascript:alert(1))\">换行</a></p>"
        "<p><a href=\"https://example.org/<img src=x onerror=alert(1)>\">尖括号</a></p>"
        "<p><a href=\"https://example.org/d\\\">反斜杠</a>！<a href=\"https://example.org/e\">叹号后</a></p>"),
    "markdown in text": ("普通标题",  # prose that looks like markup: shown(2) is text, not a payload
        "<p>[点我](javascript:shown(2)) ![图](javascript:shown(2)) &lt;javascript:shown(2)&gt;</p>"
        "<p>&lt;script&gt;shown(2)&lt;/script&gt; &lt;img src=x onerror=shown(2)&gt; &amp;lt;b&amp;gt;</p>"
        "<p># 不是标题<br>- 不是列表<br>&gt; 不是引用<br>1. 不是编号</p>"
        "<p>惊叹!<a href=\"https://example.org/bang\">不是图片</a></p>"
        "<p><a href=\"https://example.org/label\">a](javascript:shown(2)) [b</a></p>"
        "<p>`code` *em* _em_ \\ [x]: javascript:shown(2)</p>"),
    "template syntax": ("{{ site.title }} {% include evil.html %} {# c #}",
        "<p>{{ site.title }} {% include evil.html %} {# comment #} {%- raw -%} {% endraw %}{{ 7*7 }} #} {#}</p>"
        "<p><a href=\"https://example.org/{{x}}/{%y%}\">{{ label }}</a>"
        "<img src=\"http://img.example.org/{{z}}.png\"></p>"
        "<p><strong>{% endraw %}{{ bold }}</strong></p>"),
    "comments": ("普通标题",
        "<p>前<!-- secret <script>alert(1)</script> -->后</p><!--more--><!-- <img src=x onerror=alert(1)> -->"
        "<p>&lt;!--more--&gt; 文字里的分隔符 &lt;!-- 注释 --&gt;</p><!--[if IE]><script>alert(1)</script><![endif]-->"),
    "base area map": ("普通标题",
        "<base href=\"javascript:alert(1)//\"><base href=\"https://evil.example/\">"
        "<map name=\"m\"><area href=\"javascript:alert(1)\" shape=\"rect\" coords=\"0,0,1,1\">"
        "<area href=\"https://example.org/area\"></map><img src=\"http://img.example.org/m.png\" usemap=\"#m\">"),
    "svg math": ("普通标题",
        "<svg onload=\"alert(1)\"><script>alert(1)</script><a xlink:href=\"javascript:alert(1)\"><text>s</text></a></svg>"
        "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">数学</maction>"
        "<mi href=\"javascript:alert(1)\">x</mi></math>"),
    "form meta embeds": ("普通标题",
        "<form action=\"javascript:alert(1)\"><input type=\"submit\" formaction=\"javascript:alert(1)\">"
        "<button formaction=\"javascript:alert(1)\">按钮</button></form>"
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"
        "<iframe src=\"javascript:alert(1)\"></iframe><object data=\"javascript:alert(1)\"></object>"
        "<embed src=\"javascript:alert(1)\"><link rel=\"stylesheet\" href=\"javascript:alert(1)\">"
        "<style>body{background:url(javascript:alert(1))}</style><video poster=\"javascript:alert(1)\"></video>"
        "<table background=\"javascript:alert(1)\"><tr><td>表格</td></tr></table>"),
    "markdown between elements": ("普通标题",  # the container's own text, between blank lines
        "前文\n\n[点我](javascript:shown(3))\n\n![x](javascript:shown(3))\n\n<p>中段</p>\n\n"
        "[再点](javascript:shown(3)) *强调*\n\n"),
    "hostile title": ("\"><script>alert(1)</script> — 标题: #x & {{ 7*7 }}", "<p>标题有害</p>"),
}

NANKAI_PAGE = """<html><head><meta charset="utf-8"><title>{title}-南开要闻-南开大学</title></head><body>
<table><tr><td style="font-size:24px;font-weight:bold">{title}</td></tr>
<tr><td>来源：南开大学新闻网 发稿时间：2023-05-18 10:00</td></tr>
<tr><td id="txt">{body}</td></tr></table></body></html>"""
GENERIC_PAGE = """<html><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2023-05-18T10:00:00+08:00"></head><body>
<div class="header"><a href="/">首页</a></div>
<div class="article"><h1>{title}</h1><div class="content">{body}</div></div>
<div class="footer">版权所有</div></body></html>"""

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "base", "form", "input", "button", "meta", "link", "style",
               "svg", "math", "area", "map", "frame", "frameset", "applet", "template", "noscript", "video", "audio"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
             "srcset", "usemap", "dynsrc", "lowsrc"}
FOREIGN_SCHEME = re.compile(r"(javascript|vbscript|livescript|data|file):", re.I)
TEMPLATE_SYNTAX = re.compile(r"\{[{%#]|#\}")
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def page_html(template: str, title: str, body: str) -> bytes:
    return template.format(title=title, body=body + BENIGN).encode("utf-8")


def extracted(name: str, path: str):
    """The Article a crawl would write for this page, by the nankai site or generically."""
    title, body = PAGES[name]
    if path == "nankai":
        response = PageInput(NANKAI_URL, page_html(NANKAI_PAGE, title, body))
        site = site_for_url(NANKAI_URL)
        article = extract_article(site.page(response))
        article.site, article.source = site.name, site.display_name
    else:
        response = PageInput(GENERIC_URL, page_html(GENERIC_PAGE, title, body))
        article = extract_article(GenericArticlePage(response))
        article.source = "hostile.example.org"
    article.crawled_at = NOW
    return prepare(article, now=NOW)


def assert_inert(html: str, allowed_comments: int = 0) -> etree._Element:
    """No active element, no handler or style, no URL but http(s)/mailto, and no comment
    beyond the ones expected (the summary divider)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    comments = [c for c in root.iter(etree.Comment)]
    assert len(comments) == allowed_comments, [c.text for c in comments]
    for el in root.iter(tag=etree.Element):
        assert el.tag.lower() not in ACTIVE_TAGS, lxml.html.tostring(el)
        for name, value in el.attrib.items():
            name = name.lower()
            assert not name.startswith("on") and name != "style", (name, value)
            squeezed = re.sub(r"[\x00-\x20]", "", value)
            assert not FOREIGN_SCHEME.match(squeezed), (name, value)
            if name in URL_ATTRS:
                schemes = ("http", "https") if name == "src" else ("http", "https", "mailto")
                assert urlsplit(value).scheme in schemes, (name, value)
    return root


def assert_benign_survives(root: etree._Element) -> None:
    assert BENIGN_TEXT in root.text_content()
    assert BENIGN_IMAGE in [img.get("src") for img in root.iter("img")]
    assert BENIGN_LINK in [a.get("href") for a in root.iter("a")]


def markdown_to_html(markdown: str) -> str:
    """CommonMark with raw HTML, and without markdown-it's own URL filter: kramdown and
    marked (Jekyll's and Hexo's converters) keep a javascript: link they are given."""
    converter = MarkdownIt("commonmark", {"html": True})
    converter.validateLink = lambda url: True
    return converter.render(markdown)


def post_body(post: str) -> str:
    return post.split("---\n", 2)[2]


def assert_no_template_tag(text: str) -> None:
    """Every '{' that opens a tag and every '#}' is raw-wrapped (printed as the character)."""
    assert not TEMPLATE_SYNTAX.search(text.replace(raw("{"), "R").replace(raw("#"), "R")), text


# libxml2 (HTML 4 rules) nests everything after an <embed> inside it; body.py walks that as
# the content it is, but the generic extractor (newsbot/pages/generic) drops the <embed> with
# all it holds, so the article loses its body. Strict: this fails loudly once fixed.
EMBED_LOSES_BODY = pytest.mark.xfail(strict=True, raises=Exception,
                                     reason="generic extractor drops the content after an <embed>")
CASES = [pytest.param(name, path, marks=[EMBED_LOSES_BODY] if (name, path) == ("form meta embeds", "generic") else [])
         for name in PAGES for path in ("nankai", "generic")]


@pytest.mark.parametrize("name, path", CASES)
def test_hostile_page_is_inert_in_every_profile_and_the_feed(name, path):
    article = extracted(name, path)
    record = json.loads(json.dumps(article_record(article), ensure_ascii=False))

    hexo = PROFILES["hexo"].render(article, OPTIONS)
    assert_no_template_tag(post_body(hexo))
    root = assert_inert(markdown_to_html(post_body(hexo)), allowed_comments=1)  # <!--more-->
    assert_benign_survives(root)
    assert [line for line in hexo.splitlines() if "<!--more-->" in line] == ["<!--more-->"]

    jekyll = PROFILES["jekyll"].render(article, OPTIONS)
    assert_no_template_tag(post_body(jekyll))
    assert_benign_survives(assert_inert(markdown_to_html(post_body(jekyll))))

    text = PROFILES["text"].render(article, OPTIONS)
    assert BENIGN_TEXT in text
    assert PAYLOAD not in text and PAYLOAD not in record["body_text"] and PAYLOAD not in record["summary"]

    assert_benign_survives(assert_inert(record["body_html"]))
    assert_benign_survives(assert_inert(markdown_to_html(record["body_markdown"]), allowed_comments=1))
    assert BENIGN_IMAGE in record["images"]
    assert all(urlsplit(src).scheme in ("http", "https") for src in record["images"])


def test_text_that_looks_like_markup_stays_text():
    """Escaping must not lose what the page says: the reader sees the characters."""
    article = extracted("markdown in text", "nankai")
    root = lxml.html.fragment_fromstring(markdown_to_html(article.body_markdown), create_parent="div")
    seen = root.text_content()
    assert [p.text_content() for p in root.iter("p")][2] == "# 不是标题\n- 不是列表\n> 不是引用\n1. 不是编号"
    for said in ("[点我](javascript:shown(2))", "<script>shown(2)</script>", "&lt;b&gt;", "# 不是标题",
                 "- 不是列表", "> 不是引用", "1. 不是编号", "惊叹!", "a](javascript:shown(2)) [b", "`code` *em* _em_ \\"):
        assert said in seen, said


def test_urls_keep_their_meaning_when_encoded():
    """A destination is percent-encoded, not cut: each image still points where the page said
    (and is written, in the record too, as a browser sends it: issue 21)."""
    article = extracted("breakout in src", "nankai")
    assert "http://img.example.org/a.png)%3Cscript%3Ealert(1)%3C/script%3E(" in article.images
    root = lxml.html.fragment_fromstring(markdown_to_html(article.body_markdown), create_parent="div")
    assert [unquote(img.get("src")) for img in root.iter("img")] == [unquote(src) for src in article.images]


def test_template_syntax_in_the_title_is_only_ever_data():
    """Titles reach the page through front matter, which neither Hexo nor Jekyll evaluates;
    they must load back exactly."""
    import yaml

    article = extracted("template syntax", "nankai")
    assert article.title == "{{ site.title }} {% include evil.html %} {# c #}"
    hexo, jekyll = (PROFILES[p].render(article, OPTIONS) for p in ("hexo", "jekyll"))
    assert yaml.safe_load(hexo.split("---\n", 2)[1])["title"] == f"南开大学->{article.title} | nankai.info"
    assert yaml.safe_load(jekyll.split("---\n", 2)[1])["title"] == article.title


@pytest.mark.slow
@pytest.mark.parametrize("name", ["breakout in src", "template syntax"])
def test_newsbot_extract_writes_inert_posts(tmp_path, name):
    title, body = PAGES[name]
    page = tmp_path / "page.html"
    page.write_bytes(page_html(NANKAI_PAGE, title, body))
    done = subprocess.run(
        [sys.executable, "-m", "newsbot.cli", "extract", str(page), "--url", NANKAI_URL, "--format", "hexo"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert_no_template_tag(post_body(done.stdout))
    assert_benign_survives(assert_inert(markdown_to_html(post_body(done.stdout)), allowed_comments=1))
