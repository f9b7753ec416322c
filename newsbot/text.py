"""The one place for text cleaning rules: whitespace, pinyin annotations, bylines."""

from __future__ import annotations

import re

# U+3000 (ideographic space) and NBSP are how Chinese CMSs indent; zero-width characters
# come from editors and copy-paste and are never content.
ZERO_WIDTH_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
ZERO_WIDTH = re.compile(f"[{ZERO_WIDTH_CHARACTERS}]")
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u202f]+")


# Text without these (nearly all text) folds faster with str.split, which splits on runs of
# exactly the characters _SPACE_RUN matches plus these: the whitespace _SPACE_RUN leaves
# alone (U+2028, U+2000, ...) and the zero-width characters. tests/test_text.py checks the
# set against Python's own idea of whitespace and both paths against each other.
NOT_SPLIT_SAFE = "\x1c-\x1f\x85\u1680\u2000\u2001\u2004-\u2008\u200a\u2028\u2029\u205f\u200b\u200c\u200d\u2060\ufeff\u00ad"
_NOT_SPLIT_SAFE = re.compile(f"[{NOT_SPLIT_SAFE}]")  # (a character class's contents above)


# Characters no XML text may hold, which lxml refuses in a text it is given: the C0
# controls and the noncharacters U+FFFE and U+FFFF. A Word paste's vertical tab is its line
# break and a form feed a page break: those read as spaces; the others are dropped.
SPACE_CONTROLS = "\x0b\x0c"
DROPPED_CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r" + SPACE_CONTROLS)
NONCHARACTERS = "\ufffe\uffff"
_CONTROL = re.compile(f"[{re.escape(SPACE_CONTROLS + DROPPED_CONTROLS + NONCHARACTERS)}]")
_CONTROL_BYTES = bytes.maketrans(SPACE_CONTROLS.encode(), b"  ")
# U+FFFE and U+FFFF in UTF-8, EF BF BE and EF BF BF. (This regex finds both in a quarter
# of the time two bytes searches take over Chinese text, whose bytes keep starting false
# matches.)
_NONCHARACTER_BYTES = re.compile(b"\xef\xbf[\xbe\xbf]")


def has_controls(text: str) -> bool:
    """Does the text hold a character ``without_controls`` takes out?"""
    return _CONTROL.search(text) is not None


def without_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: " " if m[0] in SPACE_CONTROLS else "", text) if _CONTROL.search(text) else text


def bytes_without_controls(data: bytes, utf8: bool = False) -> bytes:
    """``without_controls`` on ASCII-compatible bytes (not UTF-16 or ISO-2022); the
    noncharacters only in UTF-8, where their bytes can be nothing else."""
    data = data.translate(_CONTROL_BYTES, DROPPED_CONTROLS.encode())
    # (Until none is left: taking one out can join the bytes around it into another.)
    while utf8 and _NONCHARACTER_BYTES.search(data):
        data = _NONCHARACTER_BYTES.sub(b"", data)
    return data


def fold_spaces(text: str) -> str:
    """Fold every run of inline whitespace (NBSP and U+3000 included) to one space."""
    if _NOT_SPLIT_SAFE.search(text):
        return _SPACE_RUN.sub(" ", ZERO_WIDTH.sub("", text))
    words = text.split()
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + " ".join(words) + (" " if text[-1].isspace() else "")


def clean_text(text: str | None) -> str:
    """One line of clean text: whitespace folded, leading indents and edges stripped."""
    if not text:
        return ""
    if _NOT_SPLIT_SAFE.search(text):
        return fold_spaces(text).strip()
    return " ".join(text.split())


def is_blank(text: str) -> bool:
    """Is ``clean_text(text)`` empty? Answered without building the clean text: clean_text
    drops the zero-width characters and strips every whitespace character."""
    last = text[-1:]
    if last and not last.isspace() and last not in ZERO_WIDTH_CHARACTERS:
        return False  # (most: text that ends in a letter or a stop; no copy made)
    stripped = text.strip()
    if stripped and stripped[0] not in ZERO_WIDTH_CHARACTERS:
        return False  # (text that starts with one)
    return not ZERO_WIDTH.sub("", stripped).strip()


# --- pinyin annotations ---------------------------------------------------------------
# A simplified->traditional converter annotated each converted character with its pinyin
# in parentheses: 全國(guó). Only a single lowercase syllable carrying a tone mark, right
# after a Han character, is an annotation; (供稿:…), （记者 …）, (OAM) and (ai-arena.qq.com)
# are ordinary parentheses and stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
# (The parenthesis comes first, the Han character checked behind it: a pattern that starts
# with a character class lets the regex engine skip ahead to the next parenthesis, five
# times faster over Chinese text than trying the lookbehind at every character.)
INLINE_PINYIN = re.compile(
    rf"[(（](?<={_HAN}[(（])\s*[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*\s*[)）]"
)


def remove_pinyin(text: str) -> str:
    if "(" not in text and "（" not in text:
        return text  # (most paragraphs: no parenthesis, no annotation; a tenth of the time)
    return INLINE_PINYIN.sub("", text)


# --- bylines --------------------------------------------------------------------------
ROLE_WORDS = (
    "特约记者", "实习记者", "见习记者", "记者", "通讯员", "实习生", "摄影报道", "摄影", "摄",
    "报道", "文字", "文/图", "文", "图", "供稿", "图片", "编辑", "责任编辑", "审核", "撰稿",
)
_ROLE = "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True))


# （记者 吴军辉 摄影 宗琪琪） near the start; an outlet may precede the role: （中青报·中青网记者 杨洁）.
# A one-character role (文, 图, 摄) only with a separator after it: （文章来源：…） is no byline.
_ROLE_FIRST = "|".join(sorted((re.escape(w) + (r"(?=[\s:：/])" if len(w) == 1 else "") for w in ROLE_WORDS),
                              key=len, reverse=True))
BYLINE = re.compile(rf"[（(]\s*((?:[^（()）\s:：]{{1,12}}?(?:记者|通讯员)|{_ROLE_FIRST})[^（()）]{{0,60}})[)）]")
# （通讯员 杨帆） closing the last paragraph: campus stories often credit at the end.
BYLINE_AT_END = re.compile(BYLINE.pattern + r"\s*$")
# A paragraph that is only credits: 撰稿：付雁，摄影：李俊毅 / 文：张馨予 摄影：吴军辉 宗琪琪 /
# 澎湃新闻记者 段彦超 廖艳 / □ 周婴戈 (南开大学报). Editors are never bylines.
_NAME = r"[\u4e00-\u9fff·]{2,5}"
_NAMES = rf"{_NAME}(?:[\s、]+{_NAME})*"
_AUTHOR_ROLE = "|".join(sorted(map(re.escape, set(ROLE_WORDS) - {"编辑", "责任编辑", "审核"}), key=len, reverse=True))
CREDIT_LINE = re.compile(
    rf"^(?:(?:{_AUTHOR_ROLE})\s*[:：]\s*{_NAMES}\s*[，,；;]?\s*)+$"  # 撰稿：付雁，摄影：李俊毅
    rf"|^[^\s（()）:：]{{0,12}}(?:记者|通讯员)\s*{_NAMES}$"  # 澎湃新闻记者 段彦超 廖艳
)
SIGNED_LINE = re.compile(rf"^□\s*({_NAMES})$")  # □ 周婴戈


def _credit(paragraph: str) -> str | None:
    paragraph = clean_text(paragraph)
    signed = SIGNED_LINE.match(paragraph)
    if signed:
        return signed.group(1)
    return paragraph if len(paragraph) <= 120 and CREDIT_LINE.match(paragraph) else None


def find_byline(paragraphs: list[str] | str) -> str | None:
    """The byline as stated (``记者 吴军辉 摄影 宗琪琪``) in the body's paragraphs (or one
    lead paragraph): a credit line opening the body, else in parentheses in its first 80
    characters, else a credit line or a parenthesised credit closing it."""
    paragraphs = [paragraphs] if isinstance(paragraphs, str) else list(paragraphs) or [""]
    first, last = paragraphs[0], paragraphs[-1]
    match = BYLINE.search("\n".join(paragraphs)[:80])
    found = _credit(first) or (clean_text(match.group(1)) if match else None) or _credit(last)
    if not found:
        match = BYLINE_AT_END.search(last[-80:])
        found = clean_text(match.group(1)) if match else None
    return _without_editors(found)


_EDITOR = re.compile(r"^(?:责任编辑|编辑|责编|审核)|(?:责任编辑|编辑|责编|审核)$")


def _without_editors(byline: str | None) -> str | None:
    """The byline up to its editors (每经记者 孙磊 每经编辑 张倩 -> 每经记者 孙磊): editors
    are never bylines."""
    if not byline:
        return None
    kept = []
    for token in byline.split(" "):
        if _EDITOR.search(re.split(r"[:：]", token)[0]):
            break
        kept.append(token)
    return " ".join(kept) or None


def byline_names(byline: str | None) -> list[str]:
    """Person names of a byline, roles dropped: ``记者 付坤 摄影报道`` -> ``["付坤"]``."""
    if not byline:
        return []
    names = []
    for token in re.split(r"[\s,，、:：/]+", byline):
        if re.search(r"(?:记者|通讯员)$", token):
            continue  # 记者 alone, or after an outlet (本报记者, 澎湃新闻记者): no name
        token = re.sub(rf"^(?:{_ROLE})+|(?:{_ROLE})+$", "", token)
        if token and token not in names and not re.search(r"[\d(（]", token):
            names.append(token)
    return names


# --- outlets --------------------------------------------------------------------------
# 来源 often states more than the outlet: the print date, the edition, the time it went
# online (`2018年09月21日 天津日报 第2版`, `《光明日报》2022年11月15日06版`,
# `人民网教育频道2024年06月12日08:58`). The outlet is the name; the rest is kept apart.
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_NUMBER = r"(?:[A-Za-z]?\d+|[一二三四五六七八九十百零〇]+)"
_PAGE = rf"(?:第\s*{_NUMBER}\s*版|{_NUMBER}\s*版|头版)(?:\s*头条)?"
# What follows an outlet's name in 来源 and is not the name: dates, pages (版), issues (期).
_EDITION = re.compile(
    rf"\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日{_TIME}"  # 2024年06月12日08:58
    rf"|\d{{4}}[-./]\d{{1,2}}[-./]\d{{1,2}}{_TIME.replace('*', '+', 1)}"  # 2024-06-12 08:58
    rf"|{_PAGE}(?:\s*(?:[、,，]|转)\s*{_PAGE})*"  # 第2版, 05 版, A12版, 第五版, 头版头条, 1版、4版, 2版转3版
    rf"|(?:\d{{4}}\s*年\s*)?第\s*{_NUMBER}\s*期"  # 第1481期, 2022年第7期
    r"|(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)"  # 20230102
)
_EDITION_SPLIT = re.compile(f"({_EDITION.pattern})")
_OUTLET_PUNCTUATION = "《》〈〉「」【】()（）[]:：,，、|｜ "
_BRACKETS = re.compile(r"[《》〈〉「」【】\[\]()（）]")


def split_outlet(stated: str | None) -> tuple[str | None, str | None]:
    """``(name, edition)`` of what 来源 states: the name is the outlet's (with 客户端 or 杂志
    where the statement puts them after it), the edition is every date, page, issue and
    programme stated with it, in order: ``《 人民日报 》（ 2019年07月21日 05 版）`` ->
    ``("人民日报", "2019年07月21日 05 版")``; ``某某电视台2017年10月9日《某某新闻》`` ->
    ``("某某电视台", "2017年10月9日 《某某新闻》")``; ``《某某日报》客户端2021年2月3日`` ->
    ``("某某日报客户端", "2021年2月3日")``."""
    # The statement cut at each edition part (odd places): the first piece with a letter in
    # it is the name; what stands between or after the parts (转, 头条, a programme) is edition.
    chunks = _EDITION_SPLIT.split(clean_text(stated))
    name, parts = None, []
    for index, chunk in enumerate(chunks):
        if index % 2:
            parts.append(clean_text(chunk))
        elif not re.search(r"[^\W\d_]", chunk):
            continue  # punctuation, brackets, spaces between parts
        elif name is None:
            name = clean_text(_BRACKETS.sub("", chunk)).strip(_OUTLET_PUNCTUATION) or None
        else:
            parts.append(clean_text(chunk).strip("()（）[]:：,，、|｜ "))
    return name, " ".join(part for part in parts if part) or None
