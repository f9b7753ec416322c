"""The last nankai chrome misses (issue 21 class 3): a 更多 link of a topic box and the
版权声明 … 本网站由南开大学… footer, in the shapes the real template draws them, inside the
body cell (which the parser does when the page leaves it unclosed), and on a page read by
the generic fallback (a topic page's template has no td#txt). Built on a real
news.nankai.edu.cn article page (../shared/realpages), whose own chrome stands outside the body."""

from __future__ import annotations

import json

import pytest

from newsbot.extract import extract, prepare
from newsbot.pages.nankai import cut_footer_chrome
from newsbot.pages.page_input import PageInput

from .conftest import ROOT

REAL = ROOT.parent / "shared" / "realpages" / "002-news.nankai.edu.cn"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason=f"real pages not found at {REAL}")

LAST = "促进学生就业与经济发展的良性循环。"  # the end of the real article's body
TOPIC_BOX = ('<table width="100%"><tr><td style="line-height:2EM;"><a href="/zt/jy/index.shtml">'
             '专题：高质量充分就业</a></td></tr><tr><td align="right"><a href="/zt/jy/list.shtml">{more}</a>'
             '</td></tr></table>')
FOOTER_IN_CELL = ('<br>新闻热线：022-23508464 投稿信箱：<a href="mailto:nknews@nankai.edu.cn">nknews@nankai.edu.cn</a>'
                  '<br>本网站由<a href="http://www.nankai.edu.cn/">南开大学</a>新闻中心设计维护 Copyright@2014 '
                  '津ICP备12003308号-1<br>版权声明：本网站由南开大学版权所有，如转载本网站内容，请注明出处。')


def page_with(inside_body: str, body_id: str = "txt") -> tuple[str, bytes]:
    """The real page with ``inside_body`` at the end of its body cell."""
    info = json.loads((REAL / "info.json").read_text(encoding="utf-8"))
    html = (REAL / "page.html").read_text(encoding="utf-8")
    start = html.index('id="txt"')
    end = html.index("</td>", start)
    html = html[:end] + inside_body + html[end:]
    return info["url"], html.replace('id="txt"', f'id="{body_id}"').encode("utf-8")


def body_text(url: str, body: bytes) -> tuple[str, str]:
    article = prepare(extract(url, body))
    return article.body_text, article.extractor


@pytest.mark.parametrize("more", ["更多...", "更多……", "更多>>>", "【更多】", "更多 »", "查看更多..."])
def test_a_topic_boxs_more_link_in_the_body_cell_is_cut_with_its_box(more):
    text, extractor = body_text(*page_with(TOPIC_BOX.format(more=more)))
    assert extractor == "site" and text.endswith(LAST), text[-200:]


@pytest.mark.parametrize("more", ["更多...", "更多……", "更多>>>", "【更多】", "更多 »", "查看更多..."])
def test_a_more_link_is_no_line_of_a_body_the_generic_fallback_reads(more):
    # (A topic page's template has no td#txt: the generic extractor reads it, whose chrome
    # lines did not know a link to more.)
    text, extractor = body_text(*page_with(TOPIC_BOX.format(more=more), "zt_content"))
    assert extractor == "fallback"
    assert "更多" not in text.split(LAST)[-1], text[-200:]


def test_the_footer_standing_in_the_body_cell_is_cut():
    # (Its lines are texts of the cell itself, after the last paragraph: the cut found them
    # and gave up, as cutting from their element would have cut the whole body; and
    # 本网站由<a>南开大学</a> split the phrase it looked for.)
    text, extractor = body_text(*page_with(FOOTER_IN_CELL))
    assert extractor == "site" and text.endswith(LAST), text[-200:]


def test_footer_lines_are_no_lines_of_a_body_the_generic_fallback_reads():
    footer = ("<p>新闻热线：022-23508464 投稿信箱：nknews@nankai.edu.cn</p>"
              "<p>本网站由南开大学新闻中心设计维护 Copyright@2014 津ICP备12003308号-1</p>"
              "<p>版权声明：本网站由南开大学版权所有，如转载本网站内容，请注明出处。</p>")
    text, extractor = body_text(*page_with(footer, "zt_content"))
    assert extractor == "fallback"
    assert not [chrome for chrome in ("本网站由", "ICP备", "版权声明") if chrome in text], text[-300:]


def test_an_article_that_names_a_copyright_statement_keeps_its_text():
    sentence = ("学校知识产权办公室提醒，各单位在网站转载外部稿件前，应当仔细阅读原网站的版权声明，"
                "取得授权后方可转载，并在显著位置注明作者和来源，避免侵权纠纷。本网站由学校统一备案管理，"
                "各二级网站须按要求报送信息，接受年度检查。")
    url, body = page_with(f"<p>{sentence}</p><p>会议最后对下一阶段工作作出部署。</p>")
    text, _ = body_text(url, body)
    assert sentence in text and text.endswith("会议最后对下一阶段工作作出部署。")


def test_the_cut_stops_at_the_cells_own_footer_text():
    page = PageInput("https://news.nankai.edu.cn/zhxw/system/2024/01/02/030000001.shtml",
                     "<table><tr><td id=txt><p>正文。</p><p>完。</p>版权声明：本网站由南开大学版权所有"
                     "<br>本网站由<a>南开大学</a>新闻中心设计维护</td></tr></table>".encode())
    cell = page.root.find(".//td")
    cut_footer_chrome(cell)
    assert "".join(cell.itertext()) == "正文。完。"
