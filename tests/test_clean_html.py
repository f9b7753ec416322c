"""The clean HTML (``body_html``: the JSONL record, the feeds, Jekyll posts) is written by
newsbot's own allow-list in ``newsbot.html.sanitise``, from the tree the page was parsed into. It
used to be written the same way and then passed through nh3 (ammonia), which parsed and
wrote it once more; that cost a tenth of reading a page. These tests are the proof that
the second pass removed nothing:

- every string written is a sequence of allowed tokens: allowed tags with allowed
  attributes, URLs with allowed schemes, text and values escaped. No HTML parser can
  build a script, a handler or a comment out of such tokens, whatever it nests;
- nh3, given the allow-list body.py used to hand it, returns every page the tests have
  as it is, but for the <tbody> an HTML parser puts around table rows;
- on generated hostile pages, where html5ever (nh3's parser) does nest some markup
  otherwise, nh3 still finds no tag, attribute or text to take out.
"""

from __future__ import annotations

import collections
import html
import re
from urllib.parse import urlsplit

import nh3
import pytest

from newsbot.html.sanitise import ALLOWED_TAGS
from newsbot.html.links import IMAGE_SCHEMES, LINK_SCHEMES
from newsbot.html.tree import SKIP_TAGS
from newsbot.html.body import clean_html
from newsbot.extract import extract
from newsbot.cli.golden import article_pages
from newsbot.errors import Dropped
from newsbot.extract import prepare

from . import test_fuzzed_pages, test_hostile
from .conftest import ROOT
from .test_realpages import REALPAGES, page_url

# What body.py handed nh3 before it wrote the clean HTML itself.
NH3 = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(SKIP_TAGS) | {"area", "map", "base", "frame", "frameset"},
    attributes={"*": {"title"}, "a": {"href"}, "img": {"src"}, "td": {"colspan", "rowspan"},
                "th": {"colspan", "rowspan"}},
    url_schemes=set(LINK_SCHEMES),
    link_rel=None,
    strip_comments=True,
)
ATTRIBUTES = {"a": {"title", "href"}, "img": {"src"}, "td": {"title", "colspan", "rowspan"},
              "th": {"title", "colspan", "rowspan"}}
# Elements whose content an HTML parser does not read as markup (raw text, RCDATA,
# foreign content, templates): none may be allowed, or escaped text could turn into markup.
NOT_MARKUP_INSIDE = {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
                     "plaintext", "template", "svg", "math", "listing"}
VOID = {"br", "img", "hr", "wbr", "col"}
IMPLIED = {"tbody", "tr", "colgroup"}  # what an HTML parser puts in a table around rows, cells, columns

ENTITY = r"&(?:amp|lt|gt|quot);"
TOKEN = re.compile(
    rf"<(?P<start>[a-z][a-z0-9]*)(?P<attrs>(?: [a-z]+=\"(?:[^\"<>&]|{ENTITY})*\")*)>"
    rf"|</(?P<end>[a-z][a-z0-9]*)>"
    rf"|(?P<text>(?:[^<>&]|{ENTITY})+)"
)
ATTRIBUTE = re.compile(r' ([a-z]+)="([^"]*)"')


def tokens(clean: str) -> list[tuple]:
    """The clean HTML as tokens; fails on any character that is no part of one."""
    found, at = [], 0
    while at < len(clean):
        match = TOKEN.match(clean, at)
        assert match, f"not an allowed token at {at}: {clean[at:at + 80]!r}"
        if match["start"]:
            attrs = tuple((name, html.unescape(value)) for name, value in ATTRIBUTE.findall(match["attrs"]))
            found.append(("start", match["start"], attrs))
        elif match["end"]:
            found.append(("end", match["end"]))
        else:
            found.append(("text", html.unescape(match["text"])))
        at = match.end()
    return found


def assert_allowed(clean: str) -> None:
    open_tags = []
    for token in tokens(clean):
        if token[0] == "start":
            _, tag, attrs = token
            assert tag in ALLOWED_TAGS, tag
            for name, value in attrs:
                assert name in ATTRIBUTES.get(tag, {"title"}), (tag, name)
                if name in ("href", "src"):
                    url = urlsplit(value)
                    assert url.scheme in (IMAGE_SCHEMES if tag == "img" else LINK_SCHEMES), value
                    assert url.netloc or url.scheme == "mailto", value  # absolute
            if tag not in VOID:
                open_tags.append(tag)
        elif token[0] == "end":
            assert open_tags and open_tags.pop() == token[1], f"</{token[1]}> closes nothing open: {clean[:200]!r}"
    assert not open_tags, f"left open: {open_tags}"


def characters(found: list[tuple]) -> collections.Counter:
    """The characters of the text, not where they stand."""
    return collections.Counter("".join(t[1] for t in found if t[0] == "text").replace(" ", "").replace("\n", ""))


def body_html(url: str, body: bytes) -> str | None:
    try:
        return prepare(extract(url, body, {"Content-Type": "text/html"})).body_html
    except Dropped:
        return None


def project_pages() -> list[tuple[str, str, bytes]]:
    """Every article page the tests have: fixtures, real pages, test data, hostile pages."""
    found = [(str(page.relative_to(ROOT)), url, page.read_bytes()) for page, url in article_pages(ROOT / "fixtures")]
    if REALPAGES.is_dir():
        found += [(d.name, page_url(d.name), (d / "page.html").read_bytes())
                  for d in sorted(REALPAGES.iterdir()) if (d / "page.html").is_file()]
    for page in sorted((ROOT / "tests" / "data").glob("*.html")):
        for url in (test_hostile.NANKAI_URL, test_hostile.GENERIC_URL):
            found.append((f"{page.name} at {url}", url, page.read_bytes()))
    for name, (title, body) in test_hostile.PAGES.items():
        found.append((f"hostile {name} (nankai)", test_hostile.NANKAI_URL,
                      test_hostile.page_html(test_hostile.NANKAI_PAGE, title, body)))
        found.append((f"hostile {name} (generic)", test_hostile.GENERIC_URL,
                      test_hostile.page_html(test_hostile.GENERIC_PAGE, title, body)))
    return found


PROJECT_PAGES = project_pages()


def test_no_allowed_tag_reads_its_content_as_anything_but_markup():
    assert not ALLOWED_TAGS & NOT_MARKUP_INSIDE
    assert not ALLOWED_TAGS & SKIP_TAGS


@pytest.mark.parametrize("name,url,body", PROJECT_PAGES, ids=[p[0] for p in PROJECT_PAGES])
def test_clean_html_is_allowed_tokens_and_what_nh3_made_of_it(name, url, body):
    clean = body_html(url, body)
    if clean is None:
        return  # (a list page, or a page with no body: nothing written)
    assert_allowed(clean)
    assert without_tbody(NH3.clean(clean).replace("&nbsp;", "\xa0")) == without_tbody(clean)


def without_tbody(clean: str) -> str:
    return clean.replace("<tbody>", "").replace("</tbody>", "")


@pytest.mark.slow  # over a second in-process
def test_clean_html_of_generated_hostile_pages_has_nothing_nh3_would_remove():
    checked = 0
    for url, page, _ in test_fuzzed_pages.pages(600, seed=11):
        clean = body_html(url, page.encode())
        if clean is None:
            continue
        checked += 1
        assert_allowed(clean)
        again = tokens(NH3.clean(clean).replace("&nbsp;", "\xa0"))
        ours = tokens(clean)
        # html5ever nests some of this markup otherwise (it moves text out of a table,
        # splits a <p> around a <div>, closes and reopens a <b>, drops an empty link in
        # another, puts the rows a table implies), so order and empty elements may change:
        # the text may not, and no tag or attribute is new.
        assert characters(again) == characters(ours), clean
        assert {t for t in again if t[0] == "start" and t[1] not in IMPLIED} <= set(ours), clean
    assert checked > 300


def test_markup_that_is_not_allowed_is_unwrapped_or_dropped_whole():
    clean = clean_html(
        '<p>前<o:p>Word</o:p><blink>闪</blink><font color="red">表<input value="v"></font>'
        '<map><area href="http://a.example/">图区</map><math><mi>x</mi></math>后</p>'
        '<pre>\nline</pre><table><tr><td colspan="2" style="s" onclick="alert(1)" title=\'t"&<\'>格</td></tr></table>',
        "https://news.nankai.edu.cn/a/b.shtml",
    )
    assert clean == ('<p>前Word闪表后</p><pre>line</pre>'
                     '<table><tr><td colspan="2" title="t&quot;&amp;&lt;">格</td></tr></table>')
    assert_allowed(clean)
