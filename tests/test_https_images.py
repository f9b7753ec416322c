"""NEWSBOT_HTTPS_IMAGES (issue 19, point 11): an http:// image link is written https://
where the site says the host serves both (``Site.https_images``; nankai's pages link their
images over http from a host that serves everything over https), in the record, the Hexo
and the Jekyll posts and the feeds alike; nothing else changes."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from newsbot.extract import https_images
from newsbot.items import Article
from newsbot.sites import get_site, load_sites_file

from .conftest import FIXTURES, ROOT, crawl, crawl_command

BOTH = ("-s", "NEWSBOT_FORMAT=hexo,jekyll",
        "-s", "NEWSBOT_PROFILE_OPTIONS=" + json.dumps({"site": "https://blog.example.org", "category": "nankai"}))
HTTP_IMAGE = "http://news.nankai.edu.cn/pic/"


def records(output):
    lines = (output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["urlname"]: r for r in map(json.loads, lines)}


def written(output) -> dict[str, str]:
    return {p.relative_to(output).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted((output / "nankai").rglob("*.md")) + sorted((output / "feeds").glob("nankai*.*"))}


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    runs = {}
    for upgrade in ("0", "1"):
        output = tmp_path_factory.mktemp(f"https-{upgrade}")
        done, report = crawl("nankai", output, *BOTH, "-s", f"NEWSBOT_HTTPS_IMAGES={upgrade}", replay=FIXTURES / "nankai")
        assert done.returncode == 0, done.stderr[-3000:]
        runs[upgrade] = output
    return runs


@pytest.mark.slow
def test_the_fixture_pages_link_their_images_over_http(both_runs):
    images = [i for r in records(both_runs["0"]).values() for i in r["images"]]
    assert len(images) > 20 and all(i.startswith(HTTP_IMAGE) for i in images)


@pytest.mark.slow
def test_with_the_option_every_image_of_the_site_is_https_in_record_posts_and_feeds(both_runs):
    plain, upgraded = records(both_runs["0"]), records(both_runs["1"])
    assert plain.keys() == upgraded.keys()
    for urlname, record in upgraded.items():
        assert record["images"] == [i.replace("http://", "https://", 1) for i in plain[urlname]["images"]]
    files = written(both_runs["1"])
    assert not [name for name, text in files.items() if HTTP_IMAGE in text]
    hexo = "".join(text for name, text in files.items() if "/hexo/" in name)
    jekyll = "".join(text for name, text in files.items() if "/jekyll/" in name)
    count = sum(len(r["images"]) for r in upgraded.values())
    assert len(re.findall(r"!\[图\]\(https://news\.nankai\.edu\.cn/pic/", hexo)) == count
    assert len(re.findall(r'<img src="https://news\.nankai\.edu\.cn/pic/', jekyll)) == count
    # Only the images: the rest of every file is as it was.
    before = written(both_runs["0"])
    https = HTTP_IMAGE.replace("http", "https", 1)
    for name, text in files.items():
        if name.endswith(".md"):
            assert text == before[name].replace(HTTP_IMAGE, https), name
    for urlname, record in upgraded.items():  # (each run has its own crawled_at)
        assert {**record, "crawled_at": None} == json.loads(
            json.dumps({**plain[urlname], "crawled_at": None}, ensure_ascii=False).replace(HTTP_IMAGE, https))


def test_only_image_urls_of_the_named_hosts_change():
    article = Article(url="https://news.nankai.edu.cn/a.shtml", title="t")
    article.images = ["http://news.nankai.edu.cn/pic/1.jpg", "http://news.nankai.edu.cn:8080/pic/2.jpg",
                      "http://news.nankai.edu.cn.example.org/pic/3.jpg", "http://img.example.org/4.jpg",
                      "HTTP://NEWS.NANKAI.EDU.CN/pic/5.jpg"]
    article.body_markdown = "\n\n".join([
        *(f"![图]({i})" for i in article.images),
        "[见 http://news.nankai.edu.cn/pic/1.jpg](http://news.nankai.edu.cn/pic/1.jpg)"])  # a link: no image
    article.body_html = "".join(f'<p><img src="{i}"></p>' for i in article.images) + \
        '<p><a href="http://news.nankai.edu.cn/pic/1.jpg">http://news.nankai.edu.cn/pic/1.jpg</a></p>'
    https_images(article, ("news.nankai.edu.cn",))
    assert article.images == ["https://news.nankai.edu.cn/pic/1.jpg", "http://news.nankai.edu.cn:8080/pic/2.jpg",
                              "http://news.nankai.edu.cn.example.org/pic/3.jpg", "http://img.example.org/4.jpg",
                              "https://NEWS.NANKAI.EDU.CN/pic/5.jpg"]
    assert re.findall(r"!\[图\]\((\w+)://", article.body_markdown) == ["https", "http", "http", "http", "https"]
    assert article.body_markdown.endswith("[见 http://news.nankai.edu.cn/pic/1.jpg](http://news.nankai.edu.cn/pic/1.jpg)")
    assert re.findall(r'<img src="(\w+)://', article.body_html) == ["https", "http", "http", "http", "https"]
    assert '<a href="http://news.nankai.edu.cn/pic/1.jpg">' in article.body_html


def test_sites_say_which_hosts_serve_both(tmp_path):
    assert get_site("nankai").https_images == ("news.nankai.edu.cn",) and get_site("eastmoney").https_images == ()
    sites = tmp_path / "sites.yaml"
    entry = "display_name: X\n    family: vsb\n    columns: [{code: a, name: A, url: 'https://{h}/a.htm'}]\n"
    sites.write_text("sites:\n"
                     "  https_a:\n    host: a.example.edu.cn\n    https_images: true\n    " + entry.replace("{h}", "a.example.edu.cn")
                     + "  https_b:\n    host: b.example.edu.cn\n    https_images: [IMG.example.edu.cn]\n    " + entry.replace("{h}", "b.example.edu.cn"),
                     encoding="utf-8")
    loaded = {site.name: site.https_images for site in load_sites_file(sites)}
    assert loaded == {"https_a": ("a.example.edu.cn",), "https_b": ("img.example.edu.cn",)}
    sites.write_text("sites:\n  https_c:\n    host: c.example.edu.cn\n    https_images: yes please\n    "
                     + entry.replace("{h}", "c.example.edu.cn"), encoding="utf-8")
    with pytest.raises(ValueError, match="https_images is 'yes please'"):
        load_sites_file(sites)


@pytest.mark.slow
def test_a_bad_value_stops_the_crawl_with_one_line(tmp_path):
    done = subprocess.run(crawl_command("nankai", tmp_path / "out", "-s", "NEWSBOT_HTTPS_IMAGES=always",
                                        replay=FIXTURES / "nankai"), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        "newsbot: -s NEWSBOT_HTTPS_IMAGES='always' is not allowed: use 1 or 0"]
    assert not (tmp_path / "out").exists()
