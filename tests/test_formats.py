"""The output profiles' own rules: YAML scalars that load back exactly, and template syntax
that neither Jekyll's Liquid nor Hexo's nunjucks can evaluate.

The YAML emitter is hand-written (a PyYAML round-trip per call cost most of the render
time), so it is proven here on arbitrary unicode rather than on a handful of titles.
Template neutralisation is checked by rendering with real engines: python-liquid (the
Liquid language Jekyll runs) and Jinja2 (nunjucks is its JavaScript port: same raw block,
same {{ }}, {% %} and {# #}).
"""

from __future__ import annotations

import re

from datetime import datetime, timezone

import jinja2
import liquid
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.publish.templates import RAW_BRACE, neutralise_markdown_templates, neutralise_templates
from newsbot.publish.frontmatter import double_quoted, yaml_scalar
from newsbot.publish.profiles import render_hexo, render_jekyll
from newsbot.items import Article

# Characters that mean something to YAML or to a template engine, mixed with any unicode
# (hypothesis' text() already leans towards edge cases: controls, astral planes, ...).
YAML_MEANINGFUL = list(":-?#&*!|>'\"%@`{}[],. \t\n\r\x85\u2028\u2029\ufeff\xa0\u3000~<=0123456789eEtrufalsnyoNY")
TEMPLATE_MEANINGFUL = ["{", "}", "%", "#", "-", " ", "\n", "raw", "endraw", "{% endraw %}", "{{", "}}", "x"]
titles = st.text(st.sampled_from(YAML_MEANINGFUL) | st.characters(exclude_categories=("Cs",)))
template_text = st.lists(st.sampled_from(TEMPLATE_MEANINGFUL) | st.characters(exclude_categories=("Cs",))).map("".join)


def pyyaml_double_quoted(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_style='"', width=1 << 30)
    return dumped.rstrip("\n").removesuffix("\n...")


@settings(max_examples=500)
@given(titles)
def test_every_yaml_scalar_loads_back_as_exactly_its_value(value):
    assert yaml.safe_load(f"title: {yaml_scalar(value)}\n") == {"title": value}


@settings(max_examples=500)
@given(titles)
def test_double_quoted_is_byte_for_byte_what_pyyaml_writes(value):
    assert double_quoted(value) == pyyaml_double_quoted(value)
    assert yaml.safe_load(f"title: {double_quoted(value)}\n") == {"title": value}


@pytest.mark.parametrize("value", ["南开大学->南开大学与火山引擎签约 | nankai.info", "nankai.info", "南开大学", "a-b c"])
def test_plain_titles_stay_bare_as_in_the_seeds(value):
    assert yaml_scalar(value) == value


@pytest.mark.parametrize(
    "value", ["true", "No", "null", "~", "", "12", "0x1F", "1.5", ".inf", "2023-05-18", "<<", "=", "a: b", "a #b",
              "1e5", "0o17", "0b1", "+1", "-.5",  # numbers to js-yaml (Hexo), strings to PyYAML
              "-a", "[a]", "{a}", "'a'", '"a"', "*a", "&a", "!a", "|a", ">a", "%a", "@a", "`a", " a", "a ", "a:"],
)
def test_titles_yaml_would_misread_are_quoted(value):
    assert yaml_scalar(value).startswith('"')


def article(title: str, body: str = "正文") -> Article:
    return Article(
        url="https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml", title=title, source="南开大学",
        urlname="9579a3379145c1db9a810f36ce3859e1", published=datetime(2023, 5, 18, 2, tzinfo=timezone.utc),
        body_markdown=body, body_html=f"<p>{body}</p>", outlet="南方都市报",
    )


@settings(max_examples=200)
@given(titles, titles.filter(bool))
def test_front_matter_of_both_profiles_gives_back_any_title_and_outlet(title, outlet):
    page = article(title)
    page.outlet = outlet
    hexo = render_hexo(page, {"blog": "nankai.info"})
    jekyll = render_jekyll(page, {"site": "https://finews.example", "category": "nfdsb"})
    assert yaml.safe_load(hexo.split("---\n", 2)[1])["title"] == f"南开大学->{title} | nankai.info"
    meta = yaml.safe_load(jekyll.split("---\n", 2)[1])
    assert (meta["title"], meta["tags"]) == (title, f"{outlet}新闻")


LIQUID = liquid.Environment(undefined=liquid.StrictUndefined)
NUNJUCKS_LIKE = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


@settings(max_examples=500)
@given(template_text)
def test_liquid_and_nunjucks_print_neutralised_text_as_written(text):
    """Whatever the article says, the engine prints it literally: nothing is evaluated,
    nothing raises, and an article's own '{% endraw %}' does not end our raw block."""
    neutral = neutralise_templates(text)
    # nunjucks (unlike Jinja2) stops at a stray "#}": none may remain outside a raw block.
    assert "#}" not in neutral.replace("{% raw %}#{% endraw %}", "R")
    assert LIQUID.from_string(neutral).render() == text
    # Jinja2 (unlike nunjucks) writes every line break as "\n".
    assert NUNJUCKS_LIKE.from_string(neutral).render() == text.replace("\r\n", "\n").replace("\r", "\n")


def test_no_line_of_a_hexo_post_starts_with_hexos_raw_placeholder():
    """Hexo swaps each raw block for an HTML comment before the Markdown renderer: a line
    starting with one would start an HTML block (its Markdown unread, even mid-paragraph).
    Rendered as CommonMark with Hexo's placeholders in, every such line stays paragraph text."""
    from markdown_it import MarkdownIt

    markdown = "{{ 7*7 }} and **bold**\n\nfirst line\\\n{% x %} second line\n\n![图](https://a.example/{x}.jpg)"
    neutral = neutralise_markdown_templates(markdown)
    placeholders = re.sub(r"\{% raw %\}.*?\{% endraw %\}", "<!--hexoPostRenderEscape:0-->", neutral)
    tokens = MarkdownIt("commonmark").parse(placeholders)
    assert [t.type for t in tokens if t.type.endswith("_open") or t.type == "html_block"] == ["paragraph_open"] * 3
    html = MarkdownIt("commonmark").render(placeholders)
    assert "<strong>bold</strong>" in html and "<br />\n<span></span><!--hexoPostRenderEscape:0-->" in html
    assert neutral.count("<span></span>") == 2  # the two lines that start with template syntax, no other


def test_template_syntax_in_posts_is_neutralised_in_both_profiles():
    body = "{{ site.title }} {% include x.html %} {# c #} {% endraw %}{{ 7*7 }} #}"
    hexo = render_hexo(article("标题", body), {"blog": "nankai.info"})
    jekyll = render_jekyll(article("标题", body), {"site": "https://finews.example", "category": "nfdsb"})
    assert RAW_BRACE + "{ site.title }}" in hexo and "{{ 7*7 }}" not in hexo and "#}" not in hexo
    assert LIQUID.from_string(jekyll.split("---\n", 2)[2]).render().startswith(f"<div>\n<p>{body}</p>\n</div>")
    # (Hexo: an empty <span></span> first, so the line is no HTML block: see templates.py)
    assert NUNJUCKS_LIKE.from_string(hexo.split("---\n", 2)[2]).render().startswith("<span></span>" + body)
