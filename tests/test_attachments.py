"""Local attachments (issue 21 class 1): ``-s NEWSBOT_ATTACHMENTS=local`` downloads the files
an article attaches beside its post (where its local images go), the post links the local
copies, and what must never be served from a blog (a program, an HTML page behind a .pdf
link, a file on another host) is not downloaded or not stored. Crawls of the local HTTP test
site (tests/httpsite.py), one of whose articles is served with an attachment paragraph."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile

import pytest

from newsbot.html.markdown import markdown_url
from newsbot.publish.attachments import attachment_extension, link_key, local_links_html, local_links_markdown
from newsbot.publish.images import image_reference

from .conftest import FIXTURES, ROOT, crawl, crawl_command
from .test_images import BLOG, BOTH, ONE, SITE, hexo_post, images_site, jekyll_post, page_images, records, urlname_of  # noqa: F401
from .test_reliability import state_rows, time_passes

OTHER_HOST = "other.example.org"


def docx() -> bytes:
    """A Word document's container: a zip holding [Content_Types].xml and word/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "Workbook".encode("utf-16-le") + b"\x00" * 64
FILES = {"/upload/notice.pdf": PDF, "/upload/form.docx": docx(), "/upload/old.xls": XLS,
         "/upload/setup.exe": b"MZ\x90\x00" + b"\x00" * 60,
         "/upload/login.pdf": b"<html><body><form>login</form><script>alert(1)</script></body></html>"}
STORED = ("/upload/notice.pdf", "/upload/form.docx", "/upload/old.xls")
ATTACHMENTS = ('<p>附件：<a href="/upload/notice.pdf">通知.pdf</a> <a href="/upload/form.docx">报名表.docx</a> '
               '<a href="/upload/old.xls">名单.xls</a> <a href="/upload/setup.exe">安装程序.exe</a> '
               '<a href="/upload/login.pdf">登录.pdf</a> '
               f'<a href="http://{OTHER_HOST}/files/c.pdf">外站.pdf</a></p>')
MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
HTML_LINK = re.compile(r'<a href="([^"]*)">([^<]*)</a>')


def name_of(data: bytes, extension: str) -> str:
    return f"{hashlib.sha256(data).hexdigest()}.{extension}"


@pytest.fixture
def files_site(http_site):
    """The test site; article ONE with the attachment paragraph, and the files it links."""
    page = (SITE / ONE.lstrip("/")).read_bytes()
    marker = b'id="txt">'
    http_site.pages[ONE] = page.replace(marker, marker + ATTACHMENTS.encode(), 1)
    http_site.pages.update(FILES)
    return http_site


@pytest.fixture
def other_site(tmp_path):
    """Another host's server: if a request ever left the site's hosts, it would land here."""
    from .httpsite import HttpSite

    with HttpSite(tmp_path / "other", host=OTHER_HOST) as site:
        site.pages["/files/c.pdf"] = PDF
        yield site


def host_map(files_site, other_site) -> tuple[str, str]:
    return "-s", "NEWSBOT_HOST_MAP=" + json.dumps({"news.nankai.edu.cn": files_site.base, OTHER_HOST: other_site.base})


def links(post: str, pattern: re.Pattern, text_first: bool = True) -> dict[str, str]:
    found = pattern.findall(post)
    return {text: url for text, url in found} if text_first else {text: url for url, text in found}


@pytest.mark.slow
def test_attachments_are_stored_beside_the_post_and_linked_there_and_hostile_ones_are_not(
        images_site, files_site, other_site, tmp_path):
    done, report = crawl("nankai", tmp_path, *BOTH, "-s", "NEWSBOT_ATTACHMENTS=local",
                         *host_map(files_site, other_site), site=files_site)
    assert done.returncode == 0, done.stderr[-3000:]
    urlname = urlname_of(tmp_path, ONE)
    names = {path: name_of(FILES[path], path.rsplit(".", 1)[1]) for path in STORED}

    hexo = links(hexo_post(tmp_path, urlname), MARKDOWN_LINK)
    assert [hexo["通知.pdf"], hexo["报名表.docx"], hexo["名单.xls"]] == list(names.values())  # Hexo: the bare name
    jekyll = links(jekyll_post(tmp_path, urlname), HTML_LINK, text_first=False)
    assert [jekyll["通知.pdf"], jekyll["报名表.docx"], jekyll["名单.xls"]] == [
        f"{BLOG}/assets/{urlname}/{name}" for name in names.values()]
    for path, name in names.items():
        assert (tmp_path / "nankai" / "hexo" / urlname / name).read_bytes() == FILES[path]
        assert (tmp_path / "nankai" / "jekyll" / "assets" / urlname / name).read_bytes() == FILES[path]

    # The HTML page behind a .pdf link was fetched, not stored; the link stays the site's.
    assert hexo["登录.pdf"].endswith("/upload/login.pdf") and hexo["登录.pdf"].startswith("http")
    assert report["stats"]["newsbot/attachments/failed/not_a_document"] == 1
    # A program is no attachment: never asked for, its link left as the page had it.
    assert "/upload/setup.exe" not in files_site.paths() and hexo["安装程序.exe"].startswith("http")
    # Another host's file: refused before any request left, its link left remote.
    assert other_site.paths() == [] and hexo["外站.pdf"] == f"http://{OTHER_HOST}/files/c.pdf"
    assert report["stats"]["newsbot/attachments/failed/refused"] == 1
    assert report["stats"]["newsbot/attachments/downloaded"] == 3
    # Beside the post: its image (NEWSBOT_IMAGES=local too) and the three files, nothing else.
    [image] = [images_site.pages[path] for path in page_images(ONE)]
    stored = sorted(p.name for p in (tmp_path / "nankai" / "hexo" / urlname).iterdir())
    assert stored == sorted([*names.values(), name_of(image, "jpg")])

    record = records(tmp_path)[urlname]
    assert [a["url"] for a in record["attachments"]][:3] == [f"https://news.nankai.edu.cn{p}" for p in STORED]
    assert state_rows(tmp_path, "SELECT count(*) FROM pending") == [(0,)]  # a new try cannot help those


@pytest.mark.slow
def test_the_default_links_the_sites_files_and_downloads_none(files_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, site=files_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not [p for p in files_site.paths() if p.startswith("/upload/")]
    hexo = links(hexo_post(tmp_path, urlname_of(tmp_path, ONE)), MARKDOWN_LINK)
    assert hexo["通知.pdf"].endswith("news.nankai.edu.cn/upload/notice.pdf")


@pytest.mark.slow
def test_a_failed_attachment_keeps_its_remote_link_and_the_article_is_retried_after_its_backoff(files_site, tmp_path):
    from .httpsite import Fault

    files_site.faults["/upload/notice.pdf"] = Fault(status=503)
    args = ("-s", "NEWSBOT_ATTACHMENTS=local")
    done, report = crawl("nankai", tmp_path, *args, site=files_site)
    assert done.returncode == 0, done.stderr[-3000:]
    urlname = urlname_of(tmp_path, ONE)
    hexo = links(hexo_post(tmp_path, urlname), MARKDOWN_LINK)
    assert hexo["通知.pdf"].endswith("/upload/notice.pdf") and hexo["报名表.docx"] == name_of(FILES["/upload/form.docx"], "docx")
    assert report["stats"]["newsbot/attachments/failed/http_503"] == 1
    assert state_rows(tmp_path, "SELECT url, reason, attempts FROM pending") == [
        (f"https://news.nankai.edu.cn{ONE}", "attachments_failed", 1)]

    files_site.faults.clear()
    files_site.reset_log()
    done, _ = crawl("nankai", tmp_path, *args, site=files_site)
    assert done.returncode == 0 and "/upload/notice.pdf" not in files_site.paths()  # not before its backoff

    time_passes(tmp_path)
    done, _ = crawl("nankai", tmp_path, *args, site=files_site)
    assert done.returncode == 0, done.stderr[-3000:]
    hexo = links(hexo_post(tmp_path, urlname), MARKDOWN_LINK)
    assert hexo["通知.pdf"] == name_of(PDF, "pdf")
    assert (tmp_path / "nankai" / "hexo" / urlname / name_of(PDF, "pdf")).read_bytes() == PDF
    assert state_rows(tmp_path, "SELECT count(*) FROM pending") == [(0,)]


@pytest.mark.slow
def test_an_oversize_attachment_is_not_stored_and_not_retried_and_robots_txt_applies(files_site, tmp_path):
    files_site.pages["/upload/notice.pdf"] = PDF + b"%" * 5000
    files_site.pages["/robots.txt"] = b"User-agent: *\nDisallow: /upload/old.xls\n"
    done, report = crawl("nankai", tmp_path, "-s", "NEWSBOT_ATTACHMENTS=local",
                         "-s", "NEWSBOT_ATTACHMENTS_MAX_BYTES=4000", site=files_site)
    assert done.returncode == 0, done.stderr[-3000:]
    hexo = links(hexo_post(tmp_path, urlname_of(tmp_path, ONE)), MARKDOWN_LINK)
    assert hexo["通知.pdf"].endswith("/upload/notice.pdf") and hexo["名单.xls"].endswith("/upload/old.xls")
    assert "/upload/old.xls" not in files_site.paths()
    assert report["stats"]["newsbot/attachments/failed/too_big"] == 1
    assert report["stats"]["newsbot/attachments/failed/refused"] == 2  # robots.txt's, and the other host's
    assert state_rows(tmp_path, "SELECT count(*) FROM pending") == [(0,)]


@pytest.mark.slow
@pytest.mark.parametrize("setting, words", [
    ("NEWSBOT_ATTACHMENTS=yes", ["-s NEWSBOT_ATTACHMENTS='yes'", "remote", "local"]),
    ("NEWSBOT_ATTACHMENTS_MAX_BYTES=0", ["-s NEWSBOT_ATTACHMENTS_MAX_BYTES='0'", "1 or more"]),
    ("NEWSBOT_ATTACHMENTS_MAX_BYTES=20MB", ["-s NEWSBOT_ATTACHMENTS_MAX_BYTES='20MB'", "whole number"]),
])
def test_a_bad_attachments_setting_stops_the_crawl_with_one_line(tmp_path, setting, words):
    done = subprocess.run(crawl_command("nankai", tmp_path / "out", "-s", setting), cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert all(w in done.stderr for w in words), done.stderr[-2000:]
    assert not (tmp_path / "out").exists()


# --- the rules, without a crawl ----------------------------------------------------------
@pytest.mark.parametrize("data, declared, expected", [
    (PDF, "pdf", "pdf"),
    (PDF, None, "pdf"),  # a download.jsp link: the bytes name the type
    (XLS, "xls", "xls"),
    (XLS, "doc", "doc"),  # the link says .doc: an OLE file may be one
    (XLS, "pdf", "xls"),  # mislabelled: the container's stream names say what it is
    (docx(), "docx", "docx"),
    (docx(), None, "docx"),
    (docx(), "zip", "zip"),
    (b"PK\x03\x04" + b"\x00" * 40, None, "zip"),
    (b"Rar!\x1a\x07\x01\x00", "rar", "rar"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", None, "7z"),
    (b"\x1f\x8b\x08\x00", "gz", "gz"),
    (b"x" * 257 + b"ustar\x0000" + b"\x00" * 100, "tar", "tar"),
    (b"{\\rtf1\\ansi hello}", "rtf", "rtf"),
    (FILES["/upload/login.pdf"], "pdf", None),  # HTML behind a .pdf link
    (b"<?xml version='1.0'?><svg onload='alert(1)'/>", "pdf", None),
    (b"MZ\x90\x00" + b"\x00" * 60, "pdf", None),  # a Windows program
    (b"\x7fELF\x02\x01\x01", "zip", None),
    (b"#!/bin/sh\nrm -rf /\n", None, None),
    ("纯文本文件".encode(), "txt", None),  # text is never stored
])
def test_an_attachment_is_stored_only_as_a_document_or_an_archive(data, declared, expected):
    assert attachment_extension(data, declared) == expected


def test_local_attachment_references_are_safe_by_construction():
    urlname = "9579a3379145c1db9a810f36ce3859e1"
    name = name_of(PDF, "pdf")
    for profile in ("hexo", "jekyll"):
        reference = image_reference(profile, urlname, name, {"site": BLOG})
        assert markdown_url(reference) == reference and re.fullmatch(r"[\w./:-]+", reference)
    for bad in ("../../x.pdf", name_of(PDF, "exe"), name_of(PDF, "html"), name + ")", name_of(PDF, "svg")):
        with pytest.raises(ValueError):
            image_reference("hexo", urlname, bad, {})


def test_a_link_is_swapped_whichever_way_the_post_writes_its_url():
    local = {"http://news.example.cn/upload/%E9%80%9A%E7%9F%A5%20(1).pdf": "a.pdf"}
    # The body's link joined against the article's https URL, '(' and ')' percent-encoded
    # for Markdown; a text that merely looks like a link (its ']' escaped) is left alone.
    markdown = ("附件：[通知](https://news.example.cn/upload/%E9%80%9A%E7%9F%A5%20%281%29.pdf) "
                "文字\\](https://news.example.cn/upload/%E9%80%9A%E7%9F%A5%20%281%29.pdf)")
    assert local_links_markdown(markdown, local) == (
        "附件：[通知](a.pdf) 文字\\](https://news.example.cn/upload/%E9%80%9A%E7%9F%A5%20%281%29.pdf)")
    html = '<p><a href="https://news.example.cn/upload/%E9%80%9A%E7%9F%A5%20(1).pdf">通知</a><a href="/x.pdf">x</a></p>'
    assert local_links_html(html, local) == '<p><a href="a.pdf">通知</a><a href="/x.pdf">x</a></p>'
    assert link_key("HTTP://News.Example.cn/a%20b.pdf?x=%41") == ("news.example.cn", "/a b.pdf", "x=A")
