"""``newsbot adopt``: an existing blog's posts are registered under their own urlnames, so
the next crawl writes no second copy, even where the old urlname is the MD5 of an http://
URL (seeds 001 and 002, written by the hand-made scraper newsbot replaces)."""

import hashlib
import json
import subprocess
import sys

import pytest

from .conftest import FIXTURES, ROOT, SEEDS, crawl

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seeds are not at {SEEDS}")


@pytest.mark.slow
def test_adopted_posts_are_not_written_again(tmp_path):
    blog = tmp_path / "blog" / "_posts"
    blog.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("00[012]_*.txt")):
        (blog / f"{seed.stem}.md").write_bytes(seed.read_bytes())
    output = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "adopt", str(blog), "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "3 of 3 posts adopted" in done.stderr
    # Seeds 001 and 002 were named after the http:// URL: not what newsbot's rule gives.
    old_names = {line.split(" (")[1].split(" = ")[0] for line in done.stdout.splitlines()}
    http_names = {hashlib.md5(u.encode()).hexdigest() for u in (
        "http://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml",
        "http://news.nankai.edu.cn/ywsd/system/2022/03/29/030050730.shtml")}
    assert http_names <= old_names

    done, report = crawl("nankai", output, replay=FIXTURES / "nankai")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 24  # 27 fixture articles, 3 of them already on the blog
    written = {json.loads(line)["url"] for line in (output / "feeds" / "nankai.jsonl").read_text().splitlines()}
    assert not written & {
        "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml",
        "https://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml",
        "https://news.nankai.edu.cn/ywsd/system/2022/03/29/030050730.shtml",
    }
    again = subprocess.run([sys.executable, "-m", "newsbot.cli", "adopt", str(blog), "--output", str(output)],
                           cwd=ROOT, capture_output=True, text=True)
    assert "0 of 3 posts adopted" in again.stderr and "already in the state" in again.stdout


# --- every seed profile (issue 19, point 5) --------------------------------------------
SEED_URLS = {  # the article each seed is a copy of (fixtures/*/README.md)
    "000": "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml",
    "001": "https://news.nankai.edu.cn/ywsd/system/2022/05/20/030051382.shtml",
    "002": "https://news.nankai.edu.cn/ywsd/system/2022/03/29/030050730.shtml",
    "003": "https://finance.eastmoney.com/a/202201012234131818.html",  # its post links the share host
    "004": "https://news.bistu.edu.cn/zhxw/202401/t20240125_75321.html",  # a text post: no URL at all
}
CRAWLS = (("nankai",), ("bistu",), ("eastmoney",), ("campus", "-a", "site=tju,ecnu,bjtu"))


def seed_blog(folder, seeds="00[0-4]"):
    """The seeds as an old blog holds them: 000-003 front-matter posts, 004 a text post."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob(f"{seeds}_*.txt")):
        front_matter = seed.read_text(encoding="utf-8").startswith("---\n")
        (folder / (f"{seed.stem}.md" if front_matter else seed.name)).write_bytes(seed.read_bytes())
    return folder


def adopt(*args):
    return subprocess.run([sys.executable, "-m", "newsbot.cli", "adopt", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True)


def written_urls(output):
    return [json.loads(line)["url"] for feed in (output / "feeds").glob("*.jsonl")
            for line in feed.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_adopting_every_seed_then_replaying_every_spider_writes_no_second_copy(tmp_path):
    blog, output = seed_blog(tmp_path / "blog"), tmp_path / "out"
    done = adopt(blog, "--output", output)
    assert done.returncode == 0, done.stderr
    assert "5 of 5 posts adopted (1 by title" in done.stderr
    lines = {line.split(": ", 1)[1].split(" ", 1)[0].rsplit("/", 1)[-1][:3]: line for line in done.stdout.splitlines()}
    assert f"= {SEED_URLS['003']})" in lines["003"]  # the share page is the eastmoney article
    assert lines["004"].startswith("adopted by title:") and "bistu" in lines["004"]

    reports = {}
    for spider, *args in CRAWLS:
        ran, reports[spider] = crawl(spider, output, *args, replay=FIXTURES / spider)
        assert ran.returncode == 0, ran.stderr[-3000:]
    written = written_urls(output)
    assert len(written) == len(set(written)) > 40
    assert not set(SEED_URLS.values()) & set(written)
    # No file of newsbot's is named after one of them either (urlname = md5 of the URL).
    hashes = {hashlib.md5(url.encode()).hexdigest() for url in SEED_URLS.values()}
    assert not [p for p in output.rglob("*") if any(h in p.name for h in hashes)]
    assert reports["bistu"]["dropped"] == {"adopted_by_title": 1}
    assert reports["nankai"]["new"] == 24 and reports["bistu"]["new"] == 9

    # The text post now stands for its article under its own name; the claim is spent.
    from newsbot.storage.state.sqlite import SqliteStateStore

    store = SqliteStateStore(output / ".newsbot" / "state.sqlite", lock=False)
    try:
        assert store.urlname_for(SEED_URLS["004"]) == "004_00a514aeb9e79a1c"
        assert store.urlname_for(SEED_URLS["003"]) == "003_914d31b1604d60c7"
        assert json.loads(store.get_meta("adopted_titles")) == {}
    finally:
        store.close()
    again = adopt(blog, "--output", output)
    assert again.returncode == 0 and "0 of 5 posts adopted" in again.stderr
    assert again.stdout.count("already in the state") == 5


@pytest.mark.slow
def test_a_text_post_is_matched_through_the_crawls_chinese_conversion(tmp_path):
    """Seed 004 is traditional Chinese; a crawl that simplifies (t2s) still finds it."""
    pytest.importorskip("opencc")
    blog, output = seed_blog(tmp_path / "blog", "004"), tmp_path / "out"
    assert adopt(blog, "--output", output).returncode == 0
    done, report = crawl("bistu", output, "-s", "NEWSBOT_CHINESE=t2s", replay=FIXTURES / "bistu")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["dropped"] == {"adopted_by_title": 1} and SEED_URLS["004"] not in written_urls(output)


@pytest.mark.slow
def test_text_posts_of_one_title_are_not_adopted_and_nothing_adopted_is_exit_1(tmp_path):
    blog = seed_blog(tmp_path / "blog", "004")
    (blog / "copy.txt").write_bytes(next(blog.glob("*.txt")).read_bytes())
    done = adopt(blog, "--output", tmp_path / "out")
    assert done.returncode == 1
    assert done.stdout.count("2 posts have this title") == 2
    assert done.stderr.splitlines()[-1] == "newsbot: none of the 2 posts could be adopted (see above)"
    # ... and the crawl writes the article: nothing claims it.
    ran, report = crawl("bistu", tmp_path / "out", replay=FIXTURES / "bistu")
    assert report["new"] == 10 and SEED_URLS["004"] in written_urls(tmp_path / "out")


@pytest.mark.slow
def test_the_site_of_text_posts_is_checked_before_anything_is_written(tmp_path):
    blog = seed_blog(tmp_path / "blog", "004")
    done = adopt(blog, "--output", tmp_path / "out", "--site", "nowhere")
    assert done.returncode == 1 and done.stderr.startswith("newsbot: adopt: argument --site: 'nowhere' is not allowed: no such site")
    assert not (tmp_path / "out").exists()
    done = adopt(blog, "--output", tmp_path / "out", "--site", "bistu")
    assert done.returncode == 0 and "bistu article titled" in done.stdout


@pytest.mark.slow
def test_an_empty_folder_or_posts_of_no_known_site_is_exit_1(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = adopt(empty, "--output", tmp_path / "out")
    assert (done.returncode, done.stderr.splitlines()) == (
        1, [f"newsbot: no post file (.md, .markdown, .txt) under {empty}"])
    assert not (tmp_path / "out").exists()
    (empty / "a.md").write_text("---\ntitle: x\n---\nbody\n\n<https://example.org/a.html>\n")
    done = adopt(empty, "--output", tmp_path / "out")
    assert done.returncode == 1 and "no configured site for https://example.org/a.html" in done.stdout


def test_a_mirror_url_maps_to_its_sites_article():
    from newsbot.sites import site_for_source

    share = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201012234131818"
    assert [(s.name, url) for s, url in [site_for_source(share)]] == [("eastmoney", SEED_URLS["003"])]
    assert site_for_source(share.replace("?", "?from=wx&") + "&x=1")[1] == SEED_URLS["003"]
    assert site_for_source(share.replace("NW2022", "XX2022")) is None  # not an article code
    assert site_for_source("http://finews.zning.xyz/") is None
