"""``newsbot extract`` on saved pages: the field values a reader sees, nothing of the chrome."""

import json
import subprocess
import sys

from newsbot.extract import extract
from newsbot.pipelines import article_record, prepare

from .conftest import ROOT

DATA = ROOT / "tests" / "data"
NOISY_URL = "https://news.nankai.edu.cn/ywsd/system/2023/06/02/030056555.shtml"


def extract_json(page, url):
    done = subprocess.run(
        [sys.executable, "-m", "newsbot.cli", "extract", str(page), "--url", url, "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


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
