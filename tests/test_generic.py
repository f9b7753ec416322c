"""The generic (fallback) extractor: body chrome, captions, dates, encodings."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

from newsbot.html.markdown import blocks_to_text
from newsbot.html.body import html_to_blocks
from newsbot.dates import SHANGHAI
from newsbot.pages.generic.extraction import GenericArticlePage, extract_generic
from newsbot.pages.page_input import PageInput
from newsbot.pages.generic.cleanup import is_chrome_line
from newsbot.extract import extract_article
from newsbot.pages.base import ArticlePage
from newsbot.extract import prepare

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
    found = extract_generic(PageInput(url, raw))
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
    ("点击进入专题：聚焦香港局势", True),
    ("此前报道：港媒曝某某出狱前首受访", True),
    ("原文链接：https://zqb.example.cn/pad/content/202504/09/content_409527.html?isshow=1", True),
    ("撰稿：付雁，摄影：李俊毅", False),  # a credit: part of the article (see the next test)
    ("打印 字体： 放大 正常 缩小 分享", True),
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
    response = PageInput("https://www.example.cn/zwgk/123.html", html.encode("utf-8"))
    article = extract_article(GenericArticlePage(response))
    assert article.title == "全市春季农业生产推进会召开"
    assert article.published.date().isoformat() == "2024-03-12"
    assert "早稻播种面积" in "".join(article.body.itertext())

    class NoBody(ArticlePage):
        body_css = ("div.never-there",)

    article = extract_article(NoBody(response), fallback=GenericArticlePage)
    assert article.extractor == "fallback"
    assert "早稻播种面积" in "".join(article.body.itertext())


def test_page_without_article_gives_no_body():
    found, text = run(f"<html><body>{CHROME}</body></html>")
    assert found["body"] is None or text == ""


def load_bench():
    path = Path(__file__).resolve().parents[1] / "bench" / "generic" / "evaluate.py"
    spec = importlib.util.spec_from_file_location("bench_generic_evaluate", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_own_bench_pages_stay_right():
    """The hand-written pages of bench/generic: a regression guard, not a quality figure."""
    rows = list(load_bench().own_pages())
    assert len(rows) >= 30
    assert sum(f1 for _, f1, _ in rows) / len(rows) >= 0.95
    assert sum(day for _, _, day in rows) / len(rows) >= 0.9


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


def test_page_without_title_or_h1_gives_body_and_headline_from_structure():
    """No <title>, no og:title, no heading: the headline is the short line above the body."""
    html = (
        "<html><head><meta charset='utf-8'></head><body>"
        f"<div class='top'>{CHROME}</div>"
        "<div class='crumb'>当前位置：<a href='/'>首页</a> &gt; <a href='/news/'>新闻</a></div>"
        "<div class='wrap'><div class='t'>全市春季农业生产推进会召开</div>"
        "<div class='i'>2024-03-12 10:00　来源：市农业农村局</div>"
        "<div class='bar'><a href='#'>微信</a> <a href='#'>微博</a> 打印 关闭</div>"
        f"<div class='c'>{PARAS}</div></div>"
        "<div class='footer'>版权所有 © 2003-2024 某某网　2024-12-31</div></body></html>"
    )
    found, text = run(html)
    assert found["title"] == "全市春季农业生产推进会召开"
    assert found["published"] == datetime(2024, 3, 12, 10, 0, tzinfo=SHANGHAI)
    assert text.startswith("5月17日，全市春季农业生产推进会召开")
    assert text.endswith("确保夏粮颗粒归仓。")
    # and the pipeline writes it (it refused it as no_title before)
    response = PageInput("https://news.example.cn/a/123.html", html.encode("utf-8"))
    article = prepare(extract_article(GenericArticlePage(response)))
    assert article.title == "全市春季农业生产推进会召开"



def test_title_naming_only_the_site_is_not_the_headline():
    html = (
        "<html><head><meta charset='utf-8'><title>某某大学新闻网</title></head><body>"
        f"<div class='logo'>某某大学新闻网</div>{CHROME}"
        "<div class='art'><div class='tt'>全市春季农业生产推进会召开</div>"
        f"<div class='i'>2024-03-12 10:00</div><div class='c'>{PARAS}</div></div></body></html>"
    )
    found, _ = run(html)
    assert found["title"] == "全市春季农业生产推进会召开"

def test_control_characters_in_a_page_do_not_raise():
    """C0 control characters (valid in neither XML nor lxml values) in text and attributes."""
    html = page(
        "<div class='info'>发布时间：2023-05-18\x0b09:30</div>"
        "<div class='content'>"
        "<p>　　5月17日，全市春季农业生产推进会召开\x01，会议总结了前一阶段的春耕备耕工作，部署下一阶段的重点任务。</p>"
        "<p><img src='/img/a\x02.jpg' alt='会议\x08现场'></p>"
        "<p>　　会议指出\x0c，今年以来全市早稻播种面积达到18.6万亩，较去年增加1.2万亩，春播进度快于往年同期。</p>"
        "</div>",
        title="全市春季农业\x1f生产推进会召开",
    )
    url = "https://news.example.cn/a/123.html"
    found, text = run(html, url)
    assert "会议总结了前一阶段的春耕备耕工作" in text and "早稻播种面积" in text
    assert not any(ord(c) < 32 and c not in "\n\t" for c in text)
    assert [b.src for b in html_to_blocks(found["body"], url) if b.is_image] == ["https://news.example.cn/img/a.jpg"]
    article = extract_article(GenericArticlePage(PageInput(url, html.encode("utf-8"))))
    assert article.published.date().isoformat() == "2023-05-18"


@pytest.mark.parametrize("after_body", [
    # comments under the article, each with a labelled date
    "<div class='cmt'><h3>网友评论</h3>"
    "<div class='item'><span>网友甲</span> 发表时间：2024-05-02 12:00<p>说得好，支持！会议很有意义。</p></div>"
    "<div class='item'><span>网友乙</span> 发布时间：2024-05-03 08:00<p>希望今年粮食丰收，大家都能过上好日子。</p></div></div>",
    # a related-articles block in paragraphs (not a list), labelled dates
    "<div class='xg'><b>相关文章</b>"
    "<p><a href='/a/1.html'>全市农业工作会议召开</a>　发布时间：2024-05-20</p>"
    "<p><a href='/a/2.html'>春耕生产有序推进</a>　发布时间：2024-04-26</p></div>",
    # the site's footer
    "<div class='bottom'>发布日期：2024-12-31　技术支持：某某公司</div>",
])
def test_the_date_by_the_headline_beats_a_labelled_date_after_the_article(after_body):
    html = page(f"<div class='info'>作者：张三　2024-03-12 10:00</div><div class='content'>{PARAS}</div>{after_body}")
    found, _ = run(html)
    assert found["published"] == datetime(2024, 3, 12, 10, 0, tzinfo=SHANGHAI)


def test_a_date_in_a_sidebar_above_the_headline_is_not_the_articles():
    sidebar = "<div class='sidebar'><b>通知</b> 系统维护 发布时间：2023-11-02</div>"
    html = page(f"<div class='info'>2024-03-12 08:30</div><div class='content'>{PARAS}</div>")
    found, _ = run(html.replace("<h1>", f"{sidebar}<h1>"))
    assert found["published"] == datetime(2024, 3, 12, 8, 30, tzinfo=SHANGHAI)


def test_credit_line_kept_at_the_end_dropped_above_the_text():
    html = page(
        "<div class='article'><p>作者：宣传部</p>"
        f"{PARAS}"
        "<p class='has-text-color has-small-font-size'>撰稿：付雁，摄影：李俊毅</p></div>"
    )
    _, text = run(html)
    assert text.startswith("5月17日")
    assert text.endswith("撰稿：付雁，摄影：李俊毅")


def test_pager_image_is_not_an_article_image():
    url = "https://news.example.cn/n1/2019/0615/c1013-31153719.html"
    html = page(
        f"<div class='article'>{PARAS}<p><img src='/img/photo1.jpg'></p>"
        "<center><a href='/n1/2019/0615/c1013-31153719-2.html'><img src='/img/next_page.jpg'></a></center></div>"
    )
    found, _ = run(html, url)
    images = [b.src for b in html_to_blocks(found["body"], url) if b.is_image]
    assert images == ["https://news.example.cn/img/photo1.jpg"]


COMMENTS = "".join(
    f"<p>网友{i}：这篇报道说得很好，我们村今年也种了早稻，希望风调雨顺，粮食丰收，大家的日子越过越红火！</p>"
    for i in range(10)
)


def test_trafilatura_reference_overrules_density_on_a_comment_thread(monkeypatch):
    """Ten punctuated comments outscore three article paragraphs on density alone; the
    real trafilatura's main text (comments excluded) says the article is elsewhere."""
    html = page(
        f"<div class='info'>2024-03-12</div><div class='article'>{PARAS}</div>"
        f"<div class='comment-list'><h3>网友留言</h3>{COMMENTS}</div>"
    )
    _, text = run(html)
    assert text.startswith("5月17日，全市春季农业生产推进会召开") and "网友" not in text

    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    _, without_trafilatura = run(html)
    assert "网友0" in without_trafilatura  # so the right answer above is trafilatura's doing


def test_htmldate_finds_a_date_newsbot_does_not_parse(monkeypatch):
    """A bilingual page's English date: not newsbot.dates' formats, found by the real htmldate."""
    html = page(f"<div class='post-date'>Published: May 18, 2023</div><div class='article'>{PARAS}</div>")
    found, _ = run(html, "https://en.example.edu.cn/news/show.php?id=42")
    assert found["published"].date().isoformat() == "2023-05-18"

    import htmldate

    monkeypatch.setattr(htmldate, "find_date", lambda *args, **kwargs: None)
    found, _ = run(html, "https://en.example.edu.cn/news/show.php?id=42")
    assert found["published"] is None  # so the date above is htmldate's


# Real pages where the generic extractor and the hand-checked expectation differ, and why.
REAL_PAGE_EXCEPTIONS = {
    # The body repeats the headline as its first line; the expectation keeps it, the
    # extractor drops it (the post states the title already).
    ("023-www.sxmu.edu.cn", "start"),
    # A 图集 (photo gallery) label above the dateline inside the body container.
    ("025-www.xinhuanet.com", "start"),
    # A transcript opening with its bare date line, dropped as the date line under a headline.
    ("031-www.cmse.gov.cn", "start"),
}


def real_article_pages():
    bench = load_bench()
    if not bench.REALPAGES.is_dir():
        return []
    return [pytest.param(bench, *page, id=page[0]) for page in bench.real_pages(None)]


@pytest.mark.parametrize("bench, name, url, raw, expected", real_article_pages() or [
    pytest.param(None, None, None, None, None, marks=pytest.mark.skip(reason="../shared/realpages is absent"))
])
def test_generic_extractor_on_real_pages(bench, name, url, raw, expected):
    """Every real article page, whether or not a site rule reads it: the generic path itself."""
    encoding, body = bench.page_text(raw)
    got = bench.run_generic(PageInput(url, body, encoding=encoding))
    wrong = {
        field for field, ok in bench.score(got, expected).items()
        if ok is False and (name, field) not in REAL_PAGE_EXCEPTIONS
    }
    assert not wrong, (wrong, got["title"], got["published"], got["text"][:60], got["text"][-60:], got["images"])


HELDOUT = Path(__file__).resolve().parents[1] / "bench" / "generic" / "heldout"


def heldout_page(name: str) -> tuple[str, bytes]:
    import json

    folder = HELDOUT / name
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    return info["url"] or f"http://{info['host']}.example/", (folder / "page.html").read_bytes()


def reference_calls(monkeypatch) -> list:
    """Every call the generic path makes to trafilatura for a reference text."""
    from newsbot.pages.generic import body as body_rules

    calls, original = [], body_rules.reference_text

    def counted(html, url):
        calls.append(url)
        return original(html, url)

    monkeypatch.setattr(body_rules, "reference_text", counted)
    return calls


def test_a_clear_density_choice_asks_trafilatura_nothing(monkeypatch):
    """A real page (GNE's 163 fixture, held out) whose article container no other element
    rivals: read without trafilatura, its body from the first line to the last."""
    calls = reference_calls(monkeypatch)
    url, raw = heldout_page("001-163")
    found = extract_generic(PageInput(url, raw))
    text = blocks_to_text(html_to_blocks(found["body"], url))
    assert calls == []
    assert text.startswith("（原标题：多地项目连环爆雷") and "这需要龙湖给投资者作一个交代。" in text
    assert "跟贴" not in text and "大家都爱看" not in text


def test_a_rivalled_density_choice_asks_trafilatura_which_part_is_the_article(monkeypatch):
    """A real page (GNE's sina fixture, held out) with a three-paragraph article beside a
    longer teaser list: density alone takes the list; trafilatura's reference says which."""
    calls = reference_calls(monkeypatch)
    url, raw = heldout_page("025-finance.sina.com.cn")
    found = extract_generic(PageInput(url, raw))
    text = blocks_to_text(html_to_blocks(found["body"], url))
    assert len(calls) == 1
    article = ("新京报快讯（记者 裴剑飞）", "网传信息不实，铁路12306网站未发生用户信息泄漏", "避免非正常渠道购票带来的风险。")
    assert all(line in text for line in article) and len(text) < 600  # (the article is 290 characters)
