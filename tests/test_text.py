import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot import text as text_module
from newsbot.html.markdown import blocks_to_markdown
from newsbot.html.body import html_to_blocks
from newsbot.text import byline_names, clean_text, find_byline, fold_spaces, is_blank, remove_pinyin

URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"


def test_clean_text_folds_indents_and_nbsp():
    assert clean_text("\u3000\u3000南开大学\xa0\xa0携手\n\t火山引擎\u200b ") == "南开大学 携手 火山引擎"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("全國(guó)云計(jì)算中心", "全國云計算中心"),
        ("全國（guó）", "全國"),
        ("(供稿:應用技術學院 尹國(guó)彪 圖片:黨委宣傳部)", "(供稿:應用技術學院 尹國彪 圖片:黨委宣傳部)"),
        ("（记者 张三）", "（记者 张三）"),
        ("开放访问(OAM)平台", "开放访问(OAM)平台"),
        ("平台(ai-arena.qq.com)", "平台(ai-arena.qq.com)"),
        ("(以下簡稱“共同體”)", "(以下簡稱“共同體”)"),
        ("pinyin alone (guó) after a space stays", "pinyin alone (guó) after a space stays"),
        ("中心(app)上线", "中心(app)上线"),
    ],
)
def test_pinyin_removal(text, expected):
    assert remove_pinyin(text) == expected


def test_ruby_pinyin_is_dropped_from_body():
    html = "<p>全<ruby>國<rp>(</rp><rt>guó</rt><rp>)</rp></ruby>云<ruby>計<rp>(</rp><rt>jì</rt><rp>)</rp></ruby>算</p>"
    assert [b.text for b in html_to_blocks(html, URL)] == ["全國云計算"]


@pytest.mark.parametrize(
    "lead, byline, names",
    [
        ("南开新闻网讯 （记者 吴军辉 摄影 宗琪琪）为探索推进", "记者 吴军辉 摄影 宗琪琪", ["吴军辉", "宗琪琪"]),
        ("南开新闻网讯（通讯员 张三 李四）近日", "通讯员 张三 李四", ["张三", "李四"]),
        ("南开新闻网讯 （记者 付坤 摄影报道）5月19日", "记者 付坤 摄影报道", ["付坤"]),
        ("南开新闻网讯（通讯员 王五 记者 赵六）", "通讯员 王五 记者 赵六", ["王五", "赵六"]),
        ("5月19日，南开大学举行会议（以下简称会议）", None, []),
    ],
)
def test_byline(lead, byline, names):
    assert find_byline(lead) == byline
    assert byline_names(byline) == names


def test_body_paragraphs_bold_links_images_and_breaks():
    html = (
        '<p style="text-align:left">　　<strong>南开新闻网讯</strong>&nbsp;（记者&nbsp;吴军辉）'
        '为&ldquo;探索&rdquo;<a href="/zt/x.shtml">专题</a></p>'
        "<style>p{color:red}</style><!-- image template end-->"
        '<div align="center"><img src="/pic/a.jpg"/></div>'
        '<p style="text-align: center;"><span style="font-family:楷体;">图：签约仪式</span></p>'
        "<p>第一行<br>第二行</p><p style='display:none'>隐藏</p><script>var x=1;</script>"
    )
    blocks = html_to_blocks(html, URL)
    assert [b.markdown or b.src for b in blocks] == [
        "**南开新闻网讯** （记者 吴军辉）为“探索”[专题](https://news.nankai.edu.cn/zt/x.shtml)",
        "https://news.nankai.edu.cn/pic/a.jpg",
        "图：签约仪式",
        "第一行\n第二行",
    ]


def test_markdown_specials_in_text_are_escaped():
    blocks = html_to_blocks("<p>a*b*c [x] 1_2 &lt;tag&gt;</p><p># 不是标题</p>", URL)
    assert blocks[0].markdown == r"a\*b\*c \[x\] 1\_2 &lt;tag>"
    assert blocks[1].markdown == r"\# 不是标题"


def test_summary_divider_between_paragraphs():
    paragraphs = ["甲" * 150, "乙" * 100, "丙" * 10]
    md = blocks_to_markdown(html_to_blocks("".join(f"<p>{p}</p>" for p in paragraphs), URL))
    assert md.split("\n\n") == [paragraphs[0], paragraphs[1], "<!--more-->", paragraphs[2]]


def test_summary_divider_after_last_text_when_short():
    md = blocks_to_markdown(html_to_blocks('<p>短文</p><img src="/a.jpg">', URL))
    assert md.split("\n\n") == ["短文", "<!--more-->", "![图](https://news.nankai.edu.cn/a.jpg)"]


# --- the fast whitespace fold (newsbot.text._NOT_SPLIT_SAFE) ------------------------------
def reference_fold(text: str) -> str:
    """fold_spaces by its definition: zero-width characters out, then runs folded."""
    return text_module._SPACE_RUN.sub(" ", text_module.ZERO_WIDTH.sub("", text))


def test_split_unsafe_characters_are_all_whitespace_fold_spaces_leaves_alone_and_the_zero_width():
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    folded = {c for c in whitespace if text_module._SPACE_RUN.fullmatch(c)}
    zero_width = {c for c in map(chr, range(0x10000)) if text_module.ZERO_WIDTH.fullmatch(c)}
    unsafe = {c for c in map(chr, range(sys.maxunicode + 1)) if text_module._NOT_SPLIT_SAFE.fullmatch(c)}
    assert unsafe == (whitespace - folded) | zero_width


SPACEY = list(" \t\r\n\f\v\xa0\u3000\u2002\u2003\u2009\u202f\u2028\u2000\x1c\x85\u200b\ufeff\u00adab中")


@settings(max_examples=2000)
@given(st.text(st.sampled_from(SPACEY) | st.characters(exclude_categories=("Cs",))))
def test_fold_spaces_and_clean_text_are_their_definitions(text):
    assert fold_spaces(text) == reference_fold(text)
    assert clean_text(text) == reference_fold(text).strip()


@settings(max_examples=2000)
@given(st.text(st.sampled_from(SPACEY) | st.characters(exclude_categories=("Cs",))))
def test_is_blank_is_clean_text_empty(text):
    assert is_blank(text) == (clean_text(text) == "")


def test_control_characters_read_as_spaces_or_not_at_all():
    from newsbot.text import bytes_without_controls, without_controls

    # A vertical tab is Word's line break, a form feed a page break: spaces. The rest: gone.
    assert without_controls("上\x0b下\x0c页\x01\x1f\t\n\r") == "上 下 页\t\n\r"
    assert bytes_without_controls("上\x0b下\x0c页\x01\x1f\t\n\r".encode("gb18030")) == "上 下 页\t\n\r".encode("gb18030")
    text = "".join(map(chr, range(40))) + "\ufffe中\uffff"
    assert without_controls(text).encode() == bytes_without_controls(text.encode(), utf8=True)
    assert without_controls("a\ufffeb\uffff") == "ab"
    # Bytes that become a noncharacter once another is taken out from between them (not
    # UTF-8, but a page may hold anything) are taken out too.
    assert bytes_without_controls(b"a\xef\xbf\xef\xbf\xbf\xbeb\xef\xbf\xef\xbf\xbe\xbf", utf8=True) == b"ab"
