"""YAML front matter scalars written by hand rather than by a YAML round-trip per call
(PyYAML was most of the render time); tests/test_formats.py proves on arbitrary unicode
that every scalar loads back with PyYAML as exactly its value, and that the quoted form is
byte for byte PyYAML's own."""

from __future__ import annotations

import re

import yaml


# docs/format.md: characters that make YAML misread a bare title.
_YAML_HOSTILE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$")
# What a plain scalar may hold: YAML's printable characters, less tab, the BOM and the
# characters YAML 1.1 reads as line breaks (U+0085, U+2028, U+2029).
_YAML_PLAIN = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]+")
# PyYAML's double-quoted escapes (yaml.emitter.Emitter.ESCAPE_REPLACEMENTS), and the
# characters it escapes with allow_unicode (yaml.emitter.Emitter.write_double_quoted):
# all but printable ASCII and the BMP's printable rest (astral characters are escaped).
_DQ_ESCAPES = {
    "\0": "0", "\x07": "a", "\x08": "b", "\x09": "t", "\x0a": "n", "\x0b": "v", "\x0c": "f",
    "\x0d": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}
_DQ_ESCAPED = re.compile('["\\\\]|[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]')


# Hexo reads front matter with js-yaml (YAML 1.2), which takes 1e5, 0o17 and 0b1 for numbers
# where PyYAML (YAML 1.1) does not: a scalar that starts like a number is quoted.
_NUMBER_LIKE = re.compile(r"[-+]?\.?\d")


def _resolves_to_non_string(value: str) -> bool:
    """Would a YAML loader read this plain scalar as a number, bool, null, date, ...?
    (PyYAML's own implicit resolvers, the ones safe_load applies, and js-yaml's numbers.)"""
    resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers.get(value[0], ())
    return bool(_NUMBER_LIKE.match(value)) or any(regexp.match(value) for _tag, regexp in resolvers)


def yaml_scalar(value: str) -> str:
    """A YAML scalar that loads back as exactly ``value``: bare when that is safe (as the
    seeds write titles), double-quoted otherwise."""
    if (
        value
        and value == value.strip()
        and _YAML_PLAIN.fullmatch(value)
        and not _YAML_HOSTILE.search(value)
        and not _resolves_to_non_string(value)
    ):
        return value
    return double_quoted(value)


def _escape(match: re.Match) -> str:
    char = match[0]
    if char in _DQ_ESCAPES:
        return "\\" + _DQ_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def double_quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar, exactly as PyYAML's safe_dump writes it."""
    return '"' + _DQ_ESCAPED.sub(_escape, value) + '"'

