"""Template syntax in article text: Hexo (nunjucks) and Jekyll (Liquid) must print it,
never evaluate it."""

from __future__ import annotations

import re

# Hexo runs nunjucks over a post ({{ }}, {% %}, {# #}) and Jekyll runs Liquid ({{ }}, {% %}):
# article text must never be evaluated, nor break the build (nunjucks stops at a stray
# "#}"). Each '{' that would open a tag, and each '#' of a "#}", is wrapped in a raw block
# of its own, which both engines print as the plain character. No article text ever stands
# inside a raw block, so an article's own '{% endraw %}' cannot end one early (its '{' is
# wrapped too). Hexo >= 5 lifts raw blocks out before the Markdown renderer and puts them
# back after it; older Hexo runs nunjucks first: either way the plain character reaches the
# page (checked with Hexo 7 + hexo-renderer-marked). Not entities (&#123;): whether they
# survive depends on the Markdown renderer (marked keeps them, markdown-it decodes them back
# to '{' before nunjucks runs), while raw is read by the template engine itself.
# URLs get no raw block: their braces are percent-encoded (``markdown_url``).
_TEMPLATE_SYNTAX = re.compile(r"\{(?=[{%#])|#(?=\})")

# Hexo's placeholder for a raw block is an HTML comment, and a line that starts with an
# HTML comment starts an HTML block (CommonMark type 2, which even interrupts a paragraph):
# its Markdown would be passed through unread ('7\*7' shown with its backslash, no <p>). An
# empty <span></span> first keeps such a line text: a line whose tag has more after it on
# the line starts no HTML block, in CommonMark, marked and markdown-it alike, and the empty
# element shows nothing.
_LINE_STARTING_RAW = re.compile(r"^(?=\{% raw %\})", re.M)


def raw(char: str) -> str:
    return "{% raw %}" + char + "{% endraw %}"


RAW_BRACE = raw("{")


def neutralise_templates(text: str) -> str:
    return _TEMPLATE_SYNTAX.sub(lambda m: raw(m[0]), text)


def neutralise_markdown_templates(markdown: str) -> str:
    """``neutralise_templates`` for a Markdown body (Hexo's): also no line starts with a
    raw block, which Hexo would turn into an HTML block."""
    return _LINE_STARTING_RAW.sub("<span></span>", neutralise_templates(markdown))


_BLANK_LINE_AFTER = re.compile(r"\n(?=[ \t]*\n)")


def html_block(html: str) -> str:
    """The body HTML as one HTML block that a Markdown converter passes through untouched.

    Jekyll runs a post through kramdown (or CommonMark), which reads text standing between
    HTML elements as Markdown: a '[x](javascript:...)' in article text would become a live
    link there, since neither converter checks URL schemes. Inside one <div> with no blank
    line (a blank line ends an HTML block in CommonMark) no article text is read as
    Markdown. A blank line is only collapsible whitespace to a browser, except in <pre>,
    where its newline is kept as '&#10;' (the same character).
    """
    return "<div>\n" + _BLANK_LINE_AFTER.sub("&#10;" if "<pre" in html else "", html) + "\n</div>"

