"""Attachments and videos (newsbot.media): on real pages where they occur, and hostile variants."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import html as lxml_html

from newsbot.pages.page_input import PageInput
from newsbot.pages.generic import GenericArticlePage
from newsbot.html.media import attachments, is_file_icon, mark_players, videos
from newsbot.pages.cms import VsbPage

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = ROOT.parent / "shared" / "realpages"
HELDOUT = ROOT / "bench" / "generic" / "heldout"


def real(folder: Path, url: str | None = None):
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    return PageInput(url or info["url"], (folder / "page.html").read_bytes())


def fragment(html: str):
    return lxml_html.fromstring(f"<div class='body'>{html}</div>")


def test_a_vsb_notice_lists_its_attachment_below_the_body():
    """realpages 019 (rsc.henu.edu.cn, VSB): the 附件【附件.zip】 list stands in the news form
    after div.v_news_content; its URL is the attachment servlet, the link text names the
    file. The 下一条 link beside it is no attachment."""
    response = real(REALPAGES / "019-rsc.henu.edu.cn")
    body = VsbPage(response).body()
    assert attachments(body, response.url) == [{
        "url": "http://rsc.henu.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
               "&owner=1662274082&wbfileid=11954076",
        "text": "附件.zip",
    }]


def test_a_news_page_video_element_is_found_with_its_poster():
    """heldout 005-163 (GNE's 163 fixture): a <video poster><source type=video/mp4> inside
    #endText. The generic extractor drops players from its working copy; the body it
    assembles still says where the video was."""
    response = real(HELDOUT / "005-163", "http://163.example/19/0907/16/article.html")
    body = GenericArticlePage(response).body()
    found = videos(body, response.root, response.url)
    assert len(found) == 1
    assert found[0]["url"].startswith("http://flv.bn.netease.com/ae008bc7") and found[0]["url"].endswith(".mp4")
    assert found[0]["poster"] == "http://videoimg.nos-jd.163yun.com/cmssnapshot/20190907/pNBz43019_0.jpg"
    assert found[0]["embed"] is False


def test_pages_without_attachments_or_videos_have_none():
    """A head advertisement's <video> written by a script (realpages 039), a flash banner
    <embed> of the page template (realpages 023) and a PDF linked from a list (realpages
    007, a list page) are not an article's."""
    for name in ("039-www.thepaper.cn", "023-www.sxmu.edu.cn", "001-news.nankai.edu.cn"):
        folder = REALPAGES / name
        info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
        response = real(folder, info["url"] or f"http://{info['host']}/")
        body = GenericArticlePage(response).body()
        assert attachments(body, response.url) == [], name
        assert videos(body, response.root, response.url) == [], name


def test_attachment_links_in_page_order_each_once_with_their_text():
    body = fragment(
        "<p>请下载<a href='/_upload/article/files/a/b/申请表.docx'>申请表</a>和"
        "<a href='files/名单.xlsx'>名单.xlsx</a>，"
        "再看<a href='/info/1011/2345.htm'>上一篇通知</a>。"
        "<a href='/_upload/article/files/a/b/申请表.docx'>再次下载</a></p>"
    )
    assert attachments(body, "https://news.example.edu.cn/2024/0501/c1a2/page.htm") == [
        {"url": "https://news.example.edu.cn/_upload/article/files/a/b/%E7%94%B3%E8%AF%B7%E8%A1%A8.docx",
         "text": "申请表"},
        {"url": "https://news.example.edu.cn/2024/0501/c1a2/files/%E5%90%8D%E5%8D%95.xlsx", "text": "名单.xlsx"},
    ]


def test_embedded_pdf_viewers_give_their_file():
    """WebPlus's pdf player (<div class="wp_pdf_player" pdfsrc>) and pdf.js's viewer page
    (viewer.html?file=…, also URL-encoded and as a #file= fragment). No real page with one
    was found (bench/generic/CLASSES.md): the markup is WebPlus's and pdf.js's published shape."""
    body = fragment(
        "<div class='wp_pdf_player' pdfsrc='/_upload/article/files/9a/1b/report.pdf' "
        "sudyfile-attr=\"{'title':'2024年度报告.pdf'}\"></div>"
        "<iframe src='/_js/_portletPlugs/swfPlayer/pdfjs/web/viewer.html?file=/_upload/article/files/x/notice.pdf'></iframe>"
        "<iframe src='/pdfjs/web/viewer.html?file=%2Fdocs%2F%E9%80%9A%E7%9F%A5.pdf'></iframe>"
        "<iframe src='/pdfjs/web/viewer.html#file=/docs/plan.pdf'></iframe>"
    )
    found = attachments(body, "https://www.example.edu.cn/2024/0501/c1a2/page.htm")
    assert found == [
        {"url": "https://www.example.edu.cn/_upload/article/files/9a/1b/report.pdf", "text": "2024年度报告.pdf"},
        {"url": "https://www.example.edu.cn/_upload/article/files/x/notice.pdf", "text": "notice.pdf"},
        {"url": "https://www.example.edu.cn/docs/%E9%80%9A%E7%9F%A5.pdf", "text": "通知.pdf"},
        {"url": "https://www.example.edu.cn/docs/plan.pdf", "text": "plan.pdf"},
    ]


def test_hostile_attachment_links_are_not_attachments():
    """A javascript: link, a data: URL, a program (.exe, .apk) and a link to nowhere are no
    attachment; a URL with spaces, quotes and angle brackets is written percent-encoded."""
    body = fragment(
        "<a href=\"javascript:download('a.pdf')\">a.pdf</a>"
        "<a href='data:application/pdf;base64,JVBERi0='>b.pdf</a>"
        "<a href='/files/setup.exe'>setup.exe</a><a href='/files/app.apk'>app.apk</a>"
        "<a href='http://[Nucl. Phys. B 612 (2001) 25].pdf'>c.pdf</a>"
        "<a href='/files/a b\"<x>.pdf'>d.pdf</a>"
    )
    assert attachments(body, "https://news.example.edu.cn/a/1.htm") == [
        {"url": "https://news.example.edu.cn/files/a%20b%22%3Cx%3E.pdf", "text": "d.pdf"},
    ]


def test_file_type_icons_are_not_pictures():
    body = fragment(
        "<a href='/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=1'>"
        "<img src='/system/resource/images/fileTypeImages/icon_pdf.gif'>通知.pdf</a>"
        "<a href='/files/x.doc'><img src='/images/doc16.gif' width='16' height='16'>x.doc</a>"
        "<a href='/info/1011/2.htm'><img src='/images/photo.jpg' width='600'>一张照片</a>"
        "<img src='/_ueditor/themes/default/images/icon_xls.gif'>"
    )
    icons = [is_file_icon(img) for img in body.iter("img")]
    assert icons == [True, True, False, True]


def test_platform_players_and_video_files_are_videos_other_frames_are_not():
    body = fragment(
        "<iframe src='https://player.bilibili.com/player.html?bvid=BV1xx411c7mD'></iframe>"
        "<iframe src='https://v.qq.com/txp/iframe/player.html?vid=x0031'></iframe>"
        "<iframe src='https://evil.example.com/player.html'></iframe>"
        "<embed src='/media/clip.flv'>"
        "<video src='data:video/mp4;base64,AAAA'></video>"
        "<video src='javascript:alert(1)'><source src='/media/a b.mp4'></video>"
    )
    found = videos(body, None, "https://news.example.edu.cn/a/1.htm")
    assert [(v["url"], v["embed"]) for v in found] == [
        ("https://player.bilibili.com/player.html?bvid=BV1xx411c7mD", True),
        ("https://v.qq.com/txp/iframe/player.html?vid=x0031", True),
        ("https://news.example.edu.cn/media/clip.flv", False),
        ("https://news.example.edu.cn/media/a%20b.mp4", False),
    ]


def test_a_player_script_gives_its_file_only_on_the_site_itself():
    """news.nankai.edu.cn's ckplayer template hands the file to showPlayer('…mp4', …). No
    real page with it was at hand (bench/generic/CLASSES.md). A file on the page's host (or
    one of the site's hosts) is the article's video; one on another host is not."""
    page = lxml_html.fromstring(
        "<html><body><table><tr><td id='txt'><div id='a1'></div>"
        "<script>showPlayer('/video/2024/0501/a.mp4', 'a1', 640, 360);</script>"
        "<script>showPlayer('http://evil.example.com/b.mp4', 'a1');</script>"
        "<script>showPlayer('http://media.nankai.edu.cn/c.mp4', 'a1');</script>"
        "</td></tr></table></body></html>"
    )
    body = page.get_element_by_id("txt")
    found = videos(body, page, "https://news.nankai.edu.cn/ywsd/system/2024/05/01/030000001.shtml",
                   hosts=("news.nankai.edu.cn", "media.nankai.edu.cn"))
    assert [v["url"] for v in found] == [
        "https://news.nankai.edu.cn/video/2024/0501/a.mp4", "http://media.nankai.edu.cn/c.mp4"]


def test_a_template_player_outside_the_body_counts_only_when_it_is_the_pages_one():
    page = lxml_html.fromstring(
        "<html><body><div id='txt'><p>视频：</p></div>"
        "<script>var player = {video: '/v/one.mp4'};</script></body></html>"
    )
    url = "https://news.example.edu.cn/a/1.htm"
    assert [v["url"] for v in videos(page.get_element_by_id("txt"), page, url)] == [
        "https://news.example.edu.cn/v/one.mp4"]
    two = lxml_html.fromstring(
        "<html><body><div id='txt'><p>正文</p></div>"
        "<script>var a = {video: '/v/one.mp4'}; var b = {video: '/v/two.mp4'};</script></body></html>"
    )
    assert videos(two.get_element_by_id("txt"), two, url) == []


def test_mark_players_keeps_a_videos_place_in_a_working_copy():
    body = fragment(
        "<p>前</p><video poster='/p.jpg'><source src='/v.mp4'>不能播放</video>"
        "<iframe src='https://player.youku.com/embed/XNDA'></iframe><iframe src='/ad.html'></iframe><p>后</p>"
    )
    mark_players(body, "https://news.example.edu.cn/a/1.htm")
    markers = [(v.get("src"), v.get("poster"), v.get("data-embed"), v.text, len(v)) for v in body.iter("video")]
    assert markers == [
        ("https://news.example.edu.cn/v.mp4", "https://news.example.edu.cn/p.jpg", None, None, 0),
        ("https://player.youku.com/embed/XNDA", None, "1", None, 0),
    ]
    assert [el.get("src") for el in body.iter("iframe")] == ["/ad.html"]  # (not a player: left as it was)


# --- through the one extraction path: the record, the Markdown, the clean HTML -----------
import re  # noqa: E402

import pytest  # noqa: E402

from newsbot.errors import Dropped  # noqa: E402
from newsbot.extract import extract, prepare  # noqa: E402
from newsbot.items import article_record  # noqa: E402

NANKAI_004 = REALPAGES / "004-news.nankai.edu.cn"
NANKAI_URL = "https://news.nankai.edu.cn/zhxw/system/2025/05/27/030067253.shtml"


def read(folder: Path, url: str) -> dict:
    return article_record(prepare(extract(url, (folder / "page.html").read_bytes())))


def with_body_cell(content: str) -> bytes:
    """realpages 004 (news.nankai.edu.cn's real template) with its body cell holding
    ``content`` instead of the article: the shape of a video-only page, which no real page
    at hand has (bench/generic/CLASSES.md)."""
    page = (NANKAI_004 / "page.html").read_text(encoding="utf-8")
    start = page.index('id="txt">') + len('id="txt">')
    end = page.index("</td>", start)
    return (page[:start] + content + page[end:]).encode("utf-8")


def test_a_vsb_notices_attachment_is_in_the_record_and_linked_by_the_post_not_the_text():
    record = read(REALPAGES / "019-rsc.henu.edu.cn", "http://rsc.henu.edu.cn/info/1017/3541.htm")
    url = ("http://rsc.henu.edu.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
           "&owner=1662274082&wbfileid=11954076")
    assert record["attachments"] == [{"url": url, "text": "附件.zip"}]
    assert record["body_markdown"].endswith(f"附件：[附件.zip]({url})")
    assert record["body_html"].endswith(f'<p>附件：<a href="{url.replace("&", "&amp;")}">附件.zip</a></p>')
    assert record["body_text"].endswith("2023年5月12日")  # (the text is the body's own: realpages' body_last)
    assert record["videos"] == []


def test_a_news_video_is_in_the_record_the_markdown_and_the_clean_html():
    record = read(HELDOUT / "005-163", "http://163.example/19/0907/16/article.html")
    [video] = record["videos"]
    assert video["url"].startswith("http://flv.bn.netease.com/") and video["embed"] is False
    assert f"[视频]({video['url']})" in record["body_markdown"]
    assert (f'<video controls="" preload="none" src="{video["url"]}" poster="{video["poster"]}">'
            f'<a href="{video["url"]}">视频</a></video>') in record["body_html"]
    assert "视频" not in record["body_text"].split("\n")  # (the text leaves videos out, as images)


def test_a_page_that_is_only_a_video_player_is_written_not_refused():
    """nankai's ckplayer template: the body cell holds the player's box and its script."""
    page = with_body_cell("<div id='a1'></div><script type='text/javascript'>"
                          "showPlayer('/video/2025/0527/030067253.mp4', 'a1', 640, 360);</script>")
    record = article_record(prepare(extract(NANKAI_URL, page)))
    assert record["videos"] == [{"url": "https://news.nankai.edu.cn/video/2025/0527/030067253.mp4",
                                 "poster": None, "embed": False}]
    assert record["body_markdown"] == "[视频](https://news.nankai.edu.cn/video/2025/0527/030067253.mp4)\n\n<!--more-->" \
        or record["body_markdown"].startswith("[视频](https://news.nankai.edu.cn/video/2025/0527/030067253.mp4)")
    assert '<video controls="" preload="none" src="https://news.nankai.edu.cn/video/2025/0527/030067253.mp4">' \
        in record["body_html"]


def test_a_player_script_naming_another_host_gives_no_video_and_an_empty_page_is_refused():
    page = with_body_cell("<div id='a1'></div><script>showPlayer('http://evil.example.com/x.mp4', 'a1');</script>")
    with pytest.raises(Dropped, match="no body text"):
        prepare(extract(NANKAI_URL, page))


def test_an_attachment_only_notice_is_written_with_its_files():
    """A notice whose body is one link to its file (the attachment-only notice)."""
    page = with_body_cell("<p><a href='/file/2025/0527/通知 全文.pdf'>关于2025年暑期安排的通知.pdf</a></p>"
                          "<p><a href=\"javascript:window.open('/x.pdf')\">下载</a>"
                          "<a href='/file/setup.exe'>setup.exe</a></p>")
    record = article_record(prepare(extract(NANKAI_URL, page)))
    assert record["attachments"] == [{
        "url": "https://news.nankai.edu.cn/file/2025/0527/%E9%80%9A%E7%9F%A5%20%E5%85%A8%E6%96%87.pdf",
        "text": "关于2025年暑期安排的通知.pdf"}]
    assert "javascript" not in record["body_html"] and "javascript" not in record["body_markdown"]


def test_file_type_icons_in_attachment_links_are_not_the_articles_images():
    page = with_body_cell(
        "<p>　　请各单位按附件要求报送材料。</p>"
        "<p><a href='/system/_content/download.jsp?urltype=news.DownloadAttachUrl&wbfileid=7'>"
        "<img src='/system/resource/images/fileTypeImages/icon_doc.gif'>报名表.doc</a></p>"
        "<p><img src='/pic/003/000/496/00300049649_5a20c96f.jpg'></p>")
    record = article_record(prepare(extract(NANKAI_URL, page)))
    assert record["images"] == ["https://news.nankai.edu.cn/pic/003/000/496/00300049649_5a20c96f.jpg"]
    assert "icon_doc" not in record["body_html"] and "icon_doc" not in record["body_markdown"]
    assert [a["text"] for a in record["attachments"]] == ["报名表.doc"]
    assert not re.search(r"<img[^>]*fileTypeImages", record["body_html"])
