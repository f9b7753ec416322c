"""The one place for text cleaning rules: whitespace, pinyin annotations, bylines."""

from __future__ import annotations

import re

# U+3000 (ideographic space) and NBSP are how Chinese CMSs indent; zero-width characters
# come from editors and copy-paste and are never content.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE_RUN = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u202f]+")


def fold_spaces(text: str) -> str:
    """Fold every run of inline whitespace (NBSP and U+3000 included) to one space."""
    return _SPACE_RUN.sub(" ", _ZERO_WIDTH.sub("", text))


def clean_text(text: str | None) -> str:
    """One line of clean text: whitespace folded, leading indents and edges stripped."""
    if not text:
        return ""
    return fold_spaces(text).strip()


# --- pinyin annotations ---------------------------------------------------------------
# A simplified->traditional converter annotated each converted character with its pinyin
# in parentheses: 全國(guó). Only a single lowercase syllable carrying a tone mark, right
# after a Han character, is an annotation; (供稿:…), （记者 …）, (OAM) and (ai-arena.qq.com)
# are ordinary parentheses and stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
INLINE_PINYIN = re.compile(
    rf"(?<={_HAN})[(（]\s*[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*\s*[)）]"
)


def remove_pinyin(text: str) -> str:
    return INLINE_PINYIN.sub("", text)


# --- bylines --------------------------------------------------------------------------
ROLE_WORDS = (
    "特约记者", "实习记者", "见习记者", "记者", "通讯员", "实习生", "摄影报道", "摄影", "摄",
    "报道", "文字", "文/图", "文", "图", "供稿", "图片", "编辑", "责任编辑", "审核", "撰稿",
)
_ROLE = "|".join(sorted(map(re.escape, ROLE_WORDS), key=len, reverse=True))
# （记者 吴军辉 摄影 宗琪琪） near the start of the lead paragraph.
BYLINE = re.compile(rf"[（(]\s*((?:{_ROLE})[^（()）]{{0,60}})[)）]")


# （通讯员 杨帆） closing the last paragraph: campus stories often credit at the end.
BYLINE_AT_END = re.compile(BYLINE.pattern + r"\s*$")


def find_byline(lead: str, last: str = "") -> str | None:
    """The byline as stated (``记者 吴军辉 摄影 宗琪琪``): in the first 80 characters of the
    lead, else closing the last paragraph."""
    match = BYLINE.search(lead[:80]) or BYLINE_AT_END.search(last[-80:])
    return clean_text(match.group(1)) if match else None


def byline_names(byline: str | None) -> list[str]:
    """Person names of a byline, roles dropped: ``记者 付坤 摄影报道`` -> ``["付坤"]``."""
    if not byline:
        return []
    names = []
    for token in re.split(r"[\s,，、:：/]+", byline):
        token = re.sub(rf"^(?:{_ROLE})+|(?:{_ROLE})+$", "", token)
        if token and token not in names and not re.search(r"[\d(（]", token):
            names.append(token)
    return names


# --- outlets --------------------------------------------------------------------------
# 来源 often states more than the outlet: the print date, the edition, the time it went
# online (`2018年09月21日 天津日报 第2版`, `《光明日报》2022年11月15日06版`,
# `人民网教育频道2024年06月12日08:58`). The outlet is the name; the rest is kept apart.
_EDITION = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"  # 2024年06月12日08:58
    r"|\d{4}[-./]\d{1,2}[-./]\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"  # 2024-06-12 08:58
    r"|第?\s*\d+\s*版(?:\s*[、,，]\s*第?\s*\d+\s*版)*"  # 第2版, 05 版, 1版、4版
    r"|第\s*\d+\s*期"  # 第1481期
)
_OUTLET_PUNCTUATION = "《》〈〉「」【】()（）[]:：,，、|｜ "


def split_outlet(stated: str | None) -> tuple[str | None, str | None]:
    """``(name, edition)`` of what 来源 states: ``《 人民日报 》（ 2019年07月21日 05 版）``
    -> ``("人民日报", "2019年07月21日 05 版")``."""
    text = clean_text(stated)
    parts = [clean_text(m.group(0)) for m in _EDITION.finditer(text)]
    name = clean_text(_EDITION.sub(" ", text))
    name = clean_text(re.sub(r"[《》〈〉「」【】\[\]()（）]", " ", name)).strip(_OUTLET_PUNCTUATION)
    return name or None, " ".join(parts) or None
