"""The generic (fallback) extractor: body chrome, captions, dates, encodings."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

from newsbot.body import blocks_to_text, html_to_blocks
from newsbot.dates import SHANGHAI
from newsbot.generic import GenericArticlePage, extract_generic, is_chrome_line
from newsbot.extract import extract_article
from newsbot.pages import ArticlePage, make_response

CHROME = "<div class='nav'><a href='/'>首页</a> <a href='/news/'>新闻</a> <a href='/notice/'>通知公告</a></div>"
PARAS = (
    "<p>　　5月17日，全市春季农业生产推进会召开，会议总结了前一阶段的春耕备耕工作，部署下一阶段的重点任务。</p>"
    "<p>　　会议指出，今年以来全市早稻播种面积达到18.6万亩，较去年增加1.2万亩，春播进度快于往年同期。</p>"
    "<p>　　会议要求，各地要紧盯全年粮食生产目标，抓好田间管理，做好防灾减灾准备，确保夏粮颗粒归仓。</p>"
)


def page(body: str, title: str = "全市春季农业生产推进会召开", head: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_某某网</title>{head}</head><body>{CHROME}"
        f"<h1>{title}</h1>{body}<div class='footer'>版权所有 © 2003-2024 某某网</div></body></html>"
    )


def run(html: str | bytes, url: str = "https://news.example.cn/a/123.html"):
    raw = html.encode("utf-8") if isinstance(html, str) else html
    found = extract_generic(make_response(url, raw))
    text = blocks_to_text(html_to_blocks(found["body"], url)) if found["body"] is not None else ""
    return found, text


def test_share_widget_and_editor_lines_are_removed():
    html = page(
        "<div class='info'>发布时间：2023-05-18 09:30　来源：市农业农村局</div>"
        "<div class='article'>"
        "<div class='bar'><span>分享到：</span><a href='#'>微信</a><a href='#'>微博</a><a href='#'>QQ空间</a></div>"
        f"{PARAS}"
        "<p>责任编辑：张三</p><p>【打印本页】【关闭窗口】</p>"
        "<p>上一篇：<a href='/a/122.html'>某某会议召开</a></p>"
        "</div>"
    )
    found, text = run(html)
    assert "早稻播种面积达到18.6万亩" in text
    assert "确保夏粮颗粒归仓" in text
    for chrome in ("分享到", "微信", "责任编辑", "张三", "打印", "关闭窗口", "上一篇", "首页", "版权所有", "发布时间"):
        assert chrome not in text, chrome
    assert found["title"] == "全市春季农业生产推进会召开"


@pytest.mark.parametrize("line, chrome", [
    ("责任编辑：王某", True),
    ("（责编：杨某、李某）", True),
    ("[ 责编：王某某 ]", True),
    ("来源：人民日报", True),
    ("编辑 张某 责编 魏某某", True),
    ("审核：赵某某", True),
    ("分享到： 微信 微博 QQ空间", True),
    ("扫一扫在手机打开当前页", True),
    ("下一篇：学校召开工作会议", True),
    ("图：会议现场", False),
    ("图片来源：视觉中国", False),
    ("（供稿：自动化学院 编辑：王某 审核：李某）", False),
    ("联系电话：0831-1234567", False),
    ("会议由校长主持，全体校领导出席。", False),
])
def test_chrome_lines(line, chrome):
    assert is_chrome_line(line) is chrome


def test_captions_are_kept_and_image_urls_made_absolute():
    html = page(
        "<div class='content'>"
        "<p>　　5月17日，全市春季农业生产推进会召开，会议总结了前一阶段的春耕备耕工作，部署下一阶段的重点任务。</p>"
        "<p style='text-align:center'><img src='../../images/2023/0518/meeting.jpg'></p>"
        "<p style='text-align:center'>会议现场。本报记者 李某 摄</p>"
        "<p>　　会议指出，今年以来全市早稻播种面积达到18.6万亩，较去年增加1.2万亩，春播进度快于往年同期。</p>"
        "<p style='text-align:center'><img data-src='/upload/2.jpg' src='data:image/gif;base64,R0lGOD'></p>"
        "<p style='text-align:center'>田间管理</p>"
        "<p>　　会议要求，各地要紧盯全年粮食生产目标，抓好田间管理，做好防灾减灾准备，确保夏粮颗粒归仓。</p>"
        "</div>"
    )
    url = "https://www.example.gov.cn/col/news/2023/05/18/art_1.html"
    found, text = run(html, url)
    assert "会议现场。本报记者 李某 摄" in text
    assert "田间管理" in text.splitlines()
    blocks = html_to_blocks(found["body"], url)
    images = [b.src for b in blocks if b.is_image]
    assert images == [
        "https://www.example.gov.cn/col/news/2023/images/2023/0518/meeting.jpg",
        "https://www.example.gov.cn/upload/2.jpg",
    ]
    # the caption stays right after its picture
    order = [b.src or b.text for b in blocks]
    assert order.index(images[0]) + 1 == order.index("会议现场。本报记者 李某 摄")


def test_labelled_date_beats_related_news_and_today_dates():
    html = page(
        "<div class='info'>来源：市农业农村局　发布时间：2023-05-18 14:40　浏览次数：12</div>"
        f"<div class='content'>{PARAS}</div>"
        "<div class='related'><h3>相关新闻</h3><ul>"
        "<li><a href='/a/120.html'>全市农业农村工作会议召开</a><span>2023-05-20</span></li>"
        "<li><a href='/a/110.html'>春季农资打假专项行动启动</a><span>2023-04-26</span></li>"
        "</ul></div>",
    ).replace("<body>", "<body><div class='top'>今天是：2023年5月25日 星期四</div>"
              "<ul class='side'><li><a href='/a/130.html'>最新：夏粮收购开始</a> 2023-05-24</li></ul>")
    found, _ = run(html)
    assert found["published"] == datetime(2023, 5, 18, 14, 40, tzinfo=SHANGHAI)


def test_publication_label_beats_update_label():
    html = page(
        "<p class='meta'>最后更新：2023/03/30 09:11　发布：2023/03/28 15:02　作者：科研办</p>"
        f"<div class='post'>{PARAS}</div>"
    )
    found, _ = run(html)
    assert found["published"] == datetime(2023, 3, 28, 15, 2, tzinfo=SHANGHAI)


def test_date_only_in_url():
    html = page(
        "<div class='detail-source'>信息来源：办公室　阅读次数：386</div>"
        "<div class='view'>"
        "<p>根据有关规定，经单位申报、专家评审等程序，拟认定6家单位为市级科技企业孵化器，现予以公示。</p>"
        "<p>公示期为2023年5月19日至2023年5月25日。公示期间如有异议，请以书面形式向我局反映。</p>"
        "</div>"
    )
    found, text = run(html, "http://kjj.example.gov.cn/xxgk/tzgg/202305/t20230518_123456.html")
    assert found["published"].date().isoformat() == "2023-05-18"
    assert "公示期为2023年5月19日至2023年5月25日" in text


def test_date_in_page_script_when_the_page_shows_none():
    head = '<script>window.DATA = {"title": "x", "pubtime": "2023-09-30 08:12:45", "media": "y"};</script>'
    found, _ = run(page(f"<div class='content-article'>{PARAS}</div>", head=head))
    assert found["published"] == datetime(2023, 9, 30, 8, 12, 45, tzinfo=SHANGHAI)


def test_gbk_page():
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
        "<title>石桥镇开展夏季防汛应急演练--某某县人民政府</title></head><body>"
        "<table><tr><td class='menu'><a href='/'>网站首页</a> | <a href='/zwdt/'>政务动态</a></td></tr>"
        "<tr><td align='center'><b>石桥镇开展夏季防汛应急演练</b></td></tr>"
        "<tr><td>作者：石桥镇　文章来源：石桥镇人民政府　更新时间：2021-6-8 9:30:00</td></tr>"
        "<tr><td id='fontzoom'>&nbsp;&nbsp;&nbsp;&nbsp;为切实提高防汛应急处置能力，6月7日上午，石桥镇组织开展夏季防汛应急演练。"
        "<br><br>&nbsp;&nbsp;&nbsp;&nbsp;演练模拟河道水位暴涨、堤坝出现管涌险情的场景，各小组按照分工迅速行动。</td></tr>"
        "</table></body></html>"
    ).encode("gbk")
    found, text = run(html, "http://www.example.gov.cn/xzdt/ShowArticle.asp?ArticleID=3377")
    assert found["title"] == "石桥镇开展夏季防汛应急演练"
    assert "石桥镇组织开展夏季防汛应急演练" in text
    assert "演练模拟河道水位暴涨" in text
    assert "网站首页" not in text and "更新时间" not in text
    assert found["published"] == datetime(2021, 6, 8, 9, 30, tzinfo=SHANGHAI)


def test_short_notice_is_not_lost():
    html = page(
        "<div class='sj'>时间：2023-06-15 10:20　来源：党政办公室</div>"
        "<div class='v_news_content'><p>各单位：</p>"
        "<p>现将2023年端午节放假安排通知如下：6月22日至24日放假调休，共3天。6月25日上班。</p>"
        "<p>请各单位做好假期值班和安全稳定工作。</p></div>",
        title="关于2023年端午节放假安排的通知",
    )
    found, text = run(html)
    assert text.splitlines() == [
        "各单位：",
        "现将2023年端午节放假安排通知如下：6月22日至24日放假调休，共3天。6月25日上班。",
        "请各单位做好假期值班和安全稳定工作。",
    ]
    assert found["published"] == datetime(2023, 6, 15, 10, 20, tzinfo=SHANGHAI)


def test_generic_page_and_fallback_path():
    html = page(f"<div class='info'>发布日期：2024-03-12</div><div id='zoom'>{PARAS}</div>")
    response = make_response("https://www.example.cn/zwgk/123.html", html.encode("utf-8"))
    article = extract_article(GenericArticlePage(response))
    assert article.title == "全市春季农业生产推进会召开"
    assert article.published.date().isoformat() == "2024-03-12"
    assert "早稻播种面积" in article.body_html

    class NoBody(ArticlePage):
        body_css = ("div.never-there",)

    article = extract_article(NoBody(response), fallback=extract_generic)
    assert article.extractor == "fallback"
    assert "早稻播种面积" in article.body_html


def test_page_without_article_gives_no_body():
    found, text = run(f"<html><body>{CHROME}</body></html>")
    assert found["body"] is None or text == ""


def test_bench_scores_stay_high():
    """The hand-annotated pages of bench/generic: a regression guard, not the target."""
    path = Path(__file__).resolve().parents[1] / "bench" / "generic" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("bench_generic_evaluate", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    f1s, days = [], []
    for _name, _split, raw, gold in bench.load("all", None):
        text, day = bench.run_newsbot(make_response(gold["url"], raw))
        f1s.append(bench.bigram_f1(text, gold["body"]))
        days.append(day == gold["published"])
    assert len(f1s) >= 30
    assert sum(f1s) / len(f1s) >= 0.95
    assert sum(days) / len(days) >= 0.9


def test_paragraphs_split_between_container_and_inner_wrapper():
    """Pasted content: the lead in the container, the rest in a wrapper inside it."""
    html = page(
        "<div class='info'>发布时间：2023-05-18</div>"
        "<div class='text'>"
        "<p>　　5月17日，全市春季农业生产推进会召开，会议总结了前一阶段的春耕备耕工作，部署下一阶段的重点任务。</p>"
        "<p>　　会议由分管副市长主持，各区县农业农村局负责人、市直有关部门负责人参加会议，并作交流发言。</p>"
        "<div class='pasted'>"
        "<p>　　会议指出，今年以来全市早稻播种面积达到18.6万亩，较去年增加1.2万亩，春播进度快于往年同期。</p>"
        "<p>　　会议要求，各地要紧盯全年粮食生产目标，抓好田间管理，做好防灾减灾准备，确保夏粮颗粒归仓。</p>"
        "<p>　　会议强调，要加强农资市场监管，严厉打击假冒伪劣农资，切实保障农民群众的合法权益。</p>"
        "</div></div>"
    )
    _, text = run(html)
    assert text.startswith("5月17日，全市春季农业生产推进会召开")
    assert text.endswith("切实保障农民群众的合法权益。")
