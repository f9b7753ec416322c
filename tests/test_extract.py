"""``newsbot extract`` on saved pages: the field values a reader sees, nothing of the chrome."""

import json
import shutil
import subprocess
import sys

import pytest

from newsbot import cli
from newsbot.extract import extract
from newsbot.extract import prepare
from newsbot.items import article_record
from newsbot.publish.profiles import render
from newsbot.text import split_outlet

from .conftest import FIXTURES, ROOT, crawl

DATA = ROOT / "tests" / "data"
NOISY_URL = "https://news.nankai.edu.cn/ywsd/system/2023/06/02/030056555.shtml"


def extract_json(page, url):
    done = subprocess.run(
        [sys.executable, "-m", "newsbot.cli", "extract", str(page), "--url", url, "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.slow
def test_noisy_nankai_page_against_hand_written_expectation():
    expected = json.loads((DATA / "nankai_noisy_article.expected.json").read_text(encoding="utf-8"))
    record = extract_json(DATA / "nankai_noisy_article.html", NOISY_URL)
    assert record["title"] == expected["title"]
    assert record["outlet"] == expected["outlet"]
    assert record["published"] == expected["published"]
    assert record["byline"] == expected["byline"]
    assert record["body_text"].split("\n") == expected["paragraphs"]
    assert record["images"] == expected["images"]
    for caption in expected["captions"]:
        assert caption in record["body_text"].split("\n")
    assert record["column"] == "南开要闻"
    assert record["extractor"] == "site"
    chrome = ["当前位置", "上一篇", "下一篇", "责任编辑", "分享到", "ecms", "微博", "var ", "{"]
    for noise in chrome:
        assert noise not in record["body_markdown"], noise
        assert noise not in record["body_html"], noise


@pytest.mark.slow
def test_extract_renders_exactly_what_the_crawl_wrote(nankai_crawl):
    output, _ = nankai_crawl
    url = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"
    page = ROOT / "fixtures" / "nankai" / "news.nankai.edu.cn" / "ywsd/system/2023/05/18/030056201.shtml"
    done = subprocess.run(
        [sys.executable, "-m", "newsbot.cli", "extract", str(page), "--url", url],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert done.stdout == (output / "nankai" / "hexo" / "9579a3379145c1db9a810f36ce3859e1.md").read_text(encoding="utf-8")


def test_title_does_not_depend_on_one_style_string():
    html = (DATA / "nankai_noisy_article.html").read_text(encoding="utf-8")
    restyled = html.replace("font-size:30px", "font-size: 28px").replace("font-size: 30px", "font-size: 28px")
    assert prepare(extract(NOISY_URL, restyled.encode("utf-8"))).title == "南开大学第九届“公能”创新创业大赛总决赛举行"


def test_page_without_headline_cell_falls_back_to_head_title():
    html = """<html><head><meta charset="utf-8"><title>标题-含-连字符-南开要闻-南开大学</title></head>
    <body><table><tr><td><span>来源：南开大学新闻网</span><span>发稿时间：2023-06-02 09:30</span></td></tr>
    <tr><td id="txt"><p>　　正文第一段。</p></td></tr></table></body></html>"""
    record = article_record(prepare(extract(NOISY_URL, html.encode("utf-8"))))
    assert record["title"] == "标题-含-连字符"
    assert record["published"] == "2023-06-02T09:30:00+08:00"


# --- one extraction path: `newsbot extract` is the crawl ---------------------------------------
@pytest.fixture(scope="module")
def odd_charset_crawl(tmp_path_factory):
    """A replayed crawl of the nankai fixtures in which two articles have a lying charset: GBK
    bytes declaring UTF-8, and UTF-8 bytes declaring GB2312 (a browser-saved page)."""
    replay = tmp_path_factory.mktemp("replay") / "nankai"
    shutil.copytree(FIXTURES / "nankai", replay)
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
    gbk_page = replay / "news.nankai.edu.cn" / GBK_PATH
    gbk_page.write_bytes(gbk_page.read_text(encoding="utf-8").encode("gb18030"))
    gb2312_page = replay / "news.nankai.edu.cn" / GB2312_PATH
    html = gb2312_page.read_text(encoding="utf-8")
    assert meta in html
    gb2312_page.write_bytes(html.replace(meta, meta.replace("utf-8", "gb2312")).encode("utf-8"))
    output = tmp_path_factory.mktemp("out")
    done, report = crawl("nankai", output, replay=replay)
    assert done.returncode == 0, done.stderr[-3000:]
    return replay, output


GBK_PATH = "ywsd/system/2022/06/30/030051796.shtml"
GB2312_PATH = "zhxw/system/2023/06/08/030056603.shtml"


@pytest.mark.slow
def test_extract_gives_the_crawls_bytes_for_every_page(odd_charset_crawl, capsys):
    replay, output = odd_charset_crawl
    records = [json.loads(line) for line in (output / "feeds" / "nankai.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == 27
    for record in records:
        path = replay / "news.nankai.edu.cn" / record["url"].split("news.nankai.edu.cn/", 1)[1]
        # The replay serves every page as text/html without a charset, as the crawl saw it.
        assert cli.main(["extract", str(path), "--url", record["url"], "--content-type", "text/html"]) == 0
        written = (output / "nankai" / "hexo" / f"{record['urlname']}.md").read_text(encoding="utf-8")
        assert capsys.readouterr().out == written, record["url"]
    titles = {r["url"].split("edu.cn/", 1)[1]: r["title"] for r in records}
    assert titles[GBK_PATH] == "南开大学新增4个国家级一流本科专业建设点"
    assert titles[GB2312_PATH] == "南开大学第十届研究生学术文化节开幕"


def test_extract_repairs_a_gbk_page_declared_utf8(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_bytes((FIXTURES / "nankai" / "news.nankai.edu.cn" / GBK_PATH).read_text("utf-8").encode("gb18030"))
    assert cli.main(["extract", str(page), "--url", f"https://news.nankai.edu.cn/{GBK_PATH}", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["title"] == "南开大学新增4个国家级一流本科专业建设点"
    assert "\ufffd" not in record["body_text"] and "南开大学" in record["body_text"]


@pytest.mark.slow
@pytest.mark.parametrize("argv, message", [
    (["extract", "nope.html", "--url", NOISY_URL], "'nope.html' is not allowed: no such file"),
    (["extract", "tests", "--url", NOISY_URL], "'tests' is not allowed: a directory, not a file"),
    (["extract", sys.executable, "--url", NOISY_URL], "is a binary file, not an HTML page"),
    (["extract", "tests/data/nankai_noisy_article.html", "--url", "news.nankai.edu.cn/x"], "use an http(s) URL"),
    (["extract", "tests/data/nankai_noisy_article.html", "--url", NOISY_URL, "--format", "jekyll"],
     "profile jekyll cannot render nankai: no jekyll category slug for outlet '南开大学新闻网'"),
])
def test_extract_bad_input_is_one_line_and_exit_1(argv, message):
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", *argv], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout == ""
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- real-page defects (issue 8 §4), each on a page of our own in that shape -------------------
def read(name: str, url: str) -> dict:
    return article_record(prepare(extract(url, (DATA / name).read_bytes(), {"Content-Type": "text/html"})))


def test_photo_news_is_an_article_its_images_are_the_body():
    url = "https://news.nankai.edu.cn/ywsd/system/2019/02/13/030031201.shtml"
    record = read("nankai_photo_news.html", url)
    images = [f"https://news.nankai.edu.cn/pic/003/000/101/0030001010{i}_a{i}.jpg" for i in (1, 2, 3)]
    assert record["title"] == "【组图】雪后南开园" and record["extractor"] == "site"
    assert record["images"] == images
    assert record["body_markdown"] == "\n\n".join(f"![图]({src})" for src in images)
    assert record["body_text"] == ""
    assert "责任编辑" not in record["body_html"]


OLD_URL = "https://news.nankai.edu.cn/mtnk/system/2019/07/21/030034567.shtml"


def test_older_template_enpcontent_block_with_table_captions_and_epaper_link():
    record = read("nankai_old_template.html", OLD_URL)
    assert record["extractor"] == "site"  # the site's rules read the <!--enpcontent--> block
    image = "http://paper.people.com.cn/rmrb/res/2019-07/21/05/rmrb2019072105p21_b.jpg"
    assert record["images"] == [image]
    paragraphs = record["body_markdown"].split("\n\n")
    # The caption in the table row under the image follows the image.
    assert paragraphs[paragraphs.index(f"![图]({image})") + 1] == "图为获奖学生在颁奖现场。"
    assert record["body_text"].split("\n")[0] == "本报天津7月20日电 南开大学学生团队在全国大学生数学建模竞赛中获一等奖。"
    assert "分享到" not in record["body_text"]  # outside the enpcontent markers
    assert record["byline"] == "本报记者 张三" and record["author"] == ["张三"]


def test_a_body_link_that_is_no_url_keeps_the_article_and_its_text():
    record = read("nankai_old_template.html", OLD_URL)
    assert "团队成员来自数学科学学院，论文引用了 Nucl. Phys. B 612 (2001) 25 与 同一文献 的方法。" in record["body_text"].split("\n")
    assert "[Nucl" not in record["body_html"]  # the link that urljoin cannot read is unlinked
    for profile in ("hexo", "text"):
        assert "同一文献" in render(prepare(extract(OLD_URL, (DATA / "nankai_old_template.html").read_bytes())), profile)


def test_outlet_is_the_name_and_the_edition_is_kept_apart():
    record = read("nankai_old_template.html", OLD_URL)
    assert (record["outlet"], record["outlet_edition"]) == ("人民日报", "2019年07月21日 05 版")


@pytest.mark.parametrize("stated, outlet, edition", [
    ("2018年09月21日 天津日报 第2版", "天津日报", "2018年09月21日 第2版"),
    ("《光明日报》2022年11月15日06版", "光明日报", "2022年11月15日 06版"),
    ("人民日报2024年10月18日 1版", "人民日报", "2024年10月18日 1版"),
    ("人民网教育频道2024年06月12日08:58", "人民网教育频道", "2024年06月12日08:58"),
    ("《 人民日报 》（ 2019年07月21日   05 版）", "人民日报", "2019年07月21日 05 版"),
    ("光明日报 2015年9月14日1版、4版", "光明日报", "2015年9月14日 1版、4版"),
    ("南开大学报 第1481期", "南开大学报", "第1481期"),
    # The shapes of issue 21 (other names and numbers): nothing of the edition stays in the name.
    ("某某報2023年5月2日A12版", "某某報", "2023年5月2日 A12版"),
    ("某某报2021年3月4日第五版", "某某报", "2021年3月4日 第五版"),
    ("某某日报 2019年6月1日头版头条", "某某日报", "2019年6月1日 头版头条"),
    ("某某日报2020年7月8日2版转3版", "某某日报", "2020年7月8日 2版转3版"),
    ("某某日报2020年7月8日2版转", "某某日报", "2020年7月8日 2版 转"),
    ("某某日报第4版20230102", "某某日报", "第4版 20230102"),
    ("《某某》杂志2022年第7期", "某某杂志", "2022年第7期"),
    ("《某某》2018年第5期", "某某", "2018年第5期"),
    ("某某电视台2017年10月9日《某某新闻》", "某某电视台", "2017年10月9日 《某某新闻》"),
    ("《某某日报》客户端2021年2月3日", "某某日报客户端", "2021年2月3日"),
    ("中国青年报2025年4月9日第01版", "中国青年报", "2025年4月9日 第01版"),  # realpages 002
    ("人民网-文化频道", "人民网-文化频道", None),
    ("南开大学新闻网", "南开大学新闻网", None),
    ("21世纪经济报道", "21世纪经济报道", None),
    ("", None, None),
])
def test_split_outlet(stated, outlet, edition):
    assert split_outlet(stated) == (outlet, edition)


def test_unclosed_body_cell_keeps_footer_chrome_out_and_finds_the_closing_byline():
    url = "https://news.nankai.edu.cn/zhxw/system/2018/09/21/030029876.shtml"
    record = read("nankai_unclosed_body.html", url)
    assert record["body_text"].split("\n") == [
        "南开新闻网讯 9月20日，计算机学院举办人工智能前沿论坛，来自国内外的十余位学者作报告。",
        "论坛围绕大模型与智能计算展开讨论，与会学者分享了各自团队的最新研究进展，百余名师生参加。",
        "（通讯员 杨帆）",
    ]
    for chrome in ("版权声明", "本网站由南开大学", "更多", "微信往期推送", "津ICP备"):
        assert chrome not in record["body_html"], chrome
    assert (record["byline"], record["author"]) == ("通讯员 杨帆", ["杨帆"])
    assert (record["outlet"], record["outlet_edition"]) == ("天津日报", "2018年09月21日 第2版")


def test_a_page_only_trafilatura_and_htmldate_read():
    """An English page on an unconfigured host: the generic extractor's Chinese density rules
    find no body and its date rules no date, so trafilatura gives the body and htmldate the
    date (<time datetime>). With either stubbed out this test fails: this is the test that
    keeps the real trafilatura/htmldate path exercised."""
    html = (DATA / "english_article.html").read_bytes()
    record = article_record(prepare(extract("https://en.nankai.edu.cn/info/1091/9999.htm", html)))
    assert record["extractor"] == "fallback"
    assert record["title"] == "Nankai team reports a new catalyst"
    assert record["published"].startswith("2021-03-04T")
    paragraphs = record["body_text"].split("\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("A research team from the College of Chemistry")
    assert paragraphs[-1].endswith("expect the first results by the end of the year.")
    assert "Copyright" not in record["body_text"] and "Home" not in record["body_text"]


# Found by a fuzzer of body markup: each of these lost the article (or a list page's links).
GENERIC_URL = "https://news.example.org/2024/05/06/1.html"
GENERIC_PAGE = """<html><head><meta charset="utf-8"><title>南开大学举办学术活动</title></head><body>
<h1>南开大学举办学术活动</h1><div class="date">2024-05-06</div>
<div class="article-content">{body}</div></body></html>"""
PARAGRAPHS = "".join(f"<p>第{n}段：南开大学举办学术活动，师生共同参加了这次活动。</p>" for n in range(6))


def test_an_image_url_that_is_no_url_drops_the_image_not_the_article():
    page = GENERIC_PAGE.format(body=PARAGRAPHS + '<p><img src="http://[Nucl. Phys. B 612 (2001) 25]">图</p>')
    article = prepare(extract(GENERIC_URL, page.encode()))
    assert "第5段" in article.body_text and article.images == []


@pytest.mark.parametrize("url, page", [
    (NOISY_URL, (DATA / "nankai_noisy_article.html").read_text(encoding="utf-8").replace(
        "</p>", '\x0b<img src="/images/spacer.gif">\x0c尾</p>', 1)),
    (GENERIC_URL, GENERIC_PAGE.format(body=PARAGRAPHS.replace("</p>", "\x0b<!-- c -->\x0c尾</p>", 1))),
], ids=["site", "generic"])
def test_control_characters_in_the_text_are_dropped_not_the_article(url, page):
    # libxml2 keeps \x0b and \x0c in the page's text; joining a removed element's tail (a
    # spacer image, a comment) to the text before it then made lxml refuse the text.
    article = prepare(extract(url, page.encode()))
    assert "尾" in article.body_text
    assert not any(c in article.body_text + article.body_html + article.title for c in "\x0b\x0c")


def test_a_list_link_that_is_no_url_does_not_lose_the_others():
    from newsbot.pages.page_input import PageInput
    from newsbot.sites import get_site

    articles = [f"/zhxw/system/2024/05/06/03000000{n}.shtml" for n in range(3)]
    links = [f'<a href="{articles[0]}">a</a>', '<a href="http://[Nucl. Phys. B 612 (2001) 25]">x</a>',
             *(f'<a href="{a}">a</a>' for a in articles[1:])]
    page = PageInput("https://news.nankai.edu.cn/zhxw/index.shtml", "".join(links).encode())
    assert get_site("nankai").article_links(page) == [f"https://news.nankai.edu.cn{a}" for a in articles]


def test_the_body_after_an_empty_hidden_list_item_is_kept():
    # The body used to be written out and parsed again; the serialiser leaves out an empty
    # <li>'s end tag, so the parse put the rest of the body inside the hidden item, and the
    # article was dropped for having no body. The clean step now reads the page's element.
    page = (DATA / "nankai_noisy_article.html").read_text(encoding="utf-8").replace(
        "<!--正文 begin-->", '<!--正文 begin--><li style="display:none"></li>', 1)
    article = prepare(extract(NOISY_URL, page.encode()))
    assert article.body_text.startswith("南开新闻网讯 （记者 韩文静 摄影报道）6月1日")


@pytest.mark.parametrize("url, template", [
    (NOISY_URL, None),
    (GENERIC_URL, GENERIC_PAGE),
], ids=["site", "generic"])
def test_markup_nested_a_thousand_deep_is_read_not_lost(url, template):
    # An old CMS page whose every paragraph opens a <font> it never closes nests each
    # paragraph inside the one before; the tree's walks are recursive, and past about 300
    # levels Python gave up (RecursionError): the article was lost.
    paragraphs = "".join(f'<font color="#000"><p>第{n}段：南开大学举办学术活动，师生共同参加。<img src="/pic/{n}.jpg"><br>' for n in range(1000))
    if template:
        page = template.format(body=paragraphs)
    else:
        page = (DATA / "nankai_noisy_article.html").read_text(encoding="utf-8").replace("<!--正文 begin-->", paragraphs, 1)
    article = prepare(extract(url, page.encode()))
    for n in (150, 999):  # (the generic extractor's body starts a little way in: its own choice)
        assert f"第{n}段：南开大学举办学术活动" in article.body_text
    assert f"https://{url.split('/')[2]}/pic/999.jpg" in article.images


def test_control_characters_in_a_utf16_page_are_dropped_not_the_article():
    # (The bytes of a UTF-16 page cannot lose their controls; its decoded text does.)
    page = GENERIC_PAGE.format(body=PARAGRAPHS.replace("</p>", "\x0b<!-- c -->\x0c尾</p>", 1)).replace('charset="utf-8"', "")
    article = prepare(extract(GENERIC_URL, page.encode("utf-16")))
    assert "尾" in article.body_text and "\x0b" not in article.body_text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("url, template", [(NOISY_URL, None), (GENERIC_URL, GENERIC_PAGE)], ids=["site", "generic"])
def test_noncharacters_in_the_text_are_dropped_not_the_article(url, template, encoding):
    # U+FFFE and U+FFFF: libxml2 keeps them, lxml refuses a text holding one (as with \x0b).
    if template:
        page = template.format(body=PARAGRAPHS.replace("</p>", "\ufffe<!-- c -->\uffff尾</p>", 1))
    else:
        page = (DATA / "nankai_noisy_article.html").read_text(encoding="utf-8").replace(
            "</p>", '\ufffe<img src="/images/spacer.gif">\uffff尾</p>', 1)
    article = prepare(extract(url, page.encode(encoding)))
    assert "尾" in article.body_text and not any(c in article.body_text + article.body_html for c in "\ufffe\uffff")
