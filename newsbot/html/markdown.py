"""A body's paragraphs and images (``Block``) as Markdown, plain text and summary, and
the escaping that keeps article text from being read as Markdown syntax."""

from __future__ import annotations

import re
from typing import NamedTuple

SUMMARY_CHARS = 200  # docs/format.md: the divider follows the paragraph where the text reaches 200
MORE = "<!--more-->"


class Block(NamedTuple):
    """A paragraph (``text`` and its ``markdown``), an image (``src``) or a video (``video``:
    its URL; ``markdown`` links it). (A named tuple: a body has dozens, and a frozen
    dataclass takes twice as long to make.)"""

    text: str = ""
    markdown: str = ""
    src: str | None = None
    video: str | None = None
    attachment: str | None = None  # a link to a file listed after the body (its URL)

    @property
    def is_image(self) -> bool:
        return self.src is not None

    @property
    def is_text(self) -> bool:
        """A paragraph of the body's own text (not an image, a video or an attachment link)."""
        return self.src is None and self.video is None and self.attachment is None


# Text: backslash-escape what Markdown would read as syntax; '<' as an entity so no raw
# HTML (or a fake <!--more-->) can start; '&' where it would start an entity, so the text
# '&lt;' stays those four characters.
# (One character class first, the '&' condition after it: the regex engine then skips
# ahead to a candidate character, three times faster than an alternation.)
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<&](?:(?<=&)(?=#?\w+;)|(?<!&))")
_MD_REPLACE = {"<": "&lt;", "&": "&amp;"}
# A paragraph line that Markdown would read as a heading, quote or list item: escape the
# marker (of "1. " the dot: a backslash before a digit is no escape and would show).
_MD_LINE_START = re.compile(r"^(?:([#>+-])|(\d+)([.)]))(?= )", re.M)
_LINE_MARKERS = frozenset("#>+-0123456789")
_EMPTY_STRONG = re.compile(r"\*\*\s*\*\*")
# A destination (link or image URL) may hold none of these: whitespace and controls end
# it, ')' '(' '<' '>' unbalance it, quotes start a title, '\' escapes, '`' starts a code
# span that binds tighter than the link, and braces would read as template syntax.
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f()<>\"'\\`{}]")


def escape_markdown(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: _MD_REPLACE.get(m[0], "\\" + m[0]), text)


def markdown_url(url: str) -> str:
    """A URL as a Markdown link destination that no character in it can end early
    (percent-encoded: the same URL to a browser)."""
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


def _escape_line_start(match: re.Match) -> str:
    return f"\\{match[1]}" if match[1] else f"{match[2]}\\{match[3]}"


def finish_paragraph(markdown: str) -> str:
    """A paragraph's Markdown made safe to stand as a block: no line of it starts a heading,
    quote or list, and no empty bold is left."""
    if markdown[0] in _LINE_MARKERS or "\n" in markdown:  # else no line can start with one
        markdown = _MD_LINE_START.sub(_escape_line_start, markdown)
    if "**" in markdown:
        markdown = _EMPTY_STRONG.sub("", markdown)
    return markdown



def attachment_block(item: dict) -> Block:
    """A paragraph linking an attached file the body itself does not link."""
    label = escape_markdown(" ".join(item["text"].split()) or "附件")
    return Block(item["text"], finish_paragraph(f"附件：[{label}]({markdown_url(item['url'])})"),
                 attachment=item["url"])


def summary_index(blocks: list[Block], limit: int = SUMMARY_CHARS) -> int:
    """Index of the block after which the summary divider stands."""
    total, last_text = 0, -1
    for index, block in enumerate(blocks):
        if not block.is_text:
            continue
        last_text = index
        total += len(block.text)
        if total >= limit:
            return index
    return last_text


def blocks_to_markdown(blocks: list[Block], image_alt: str = "图") -> str:
    cut = summary_index(blocks)
    out = []
    for index, block in enumerate(blocks):
        out.append(f"![{image_alt}]({markdown_url(block.src)})" if block.is_image else block.markdown)
        if index == cut:
            out.append(MORE)
    return "\n\n".join(out)


def blocks_summary(blocks: list[Block]) -> str:
    cut = summary_index(blocks)
    return "\n".join(b.text for b in blocks[: cut + 1] if b.is_text)


def blocks_to_text(blocks: list[Block]) -> str:
    """Plain text: one paragraph per line (a <br> inside a paragraph becomes a space)."""
    return "\n".join(b.text.replace("\n", " ") for b in blocks if b.is_text)

