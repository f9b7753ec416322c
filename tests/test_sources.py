"""The other sources: bistu (profile text, seed 004), eastmoney (profile jekyll, seed 003),
and campus sites configured in a sites file."""

from __future__ import annotations

import json
import re
import shutil

import lxml.html
import pytest
import yaml

from newsbot.sites import get_site

from .conftest import FIXTURES, ROOT, SEEDS, crawl, feed_records

TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"


def seed(prefix):
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bistu(tmp_path_factory):
    output = tmp_path_factory.mktemp("bistu")
    done, report = crawl("bistu", output, replay=FIXTURES / "bistu")
    assert done.returncode == 0, done.stderr[-3000:]
    return output, report


@pytest.fixture(scope="module")
def eastmoney(tmp_path_factory):
    output = tmp_path_factory.mktemp("eastmoney")
    done, report = crawl("eastmoney", output, replay=FIXTURES / "eastmoney")
    assert done.returncode == 0, done.stderr[-3000:]
    return output, report


@pytest.mark.slow
def test_seed_004_as_text_without_pinyin(bistu):
    output, _ = bistu
    expected = []
    for line in seed("004").splitlines():
        # The seed's one garbled annotation (區 mangled to ?yún)^) is the converter's, not the page's.
        line = line.replace("?yún)^(qū)", "區(qū)")
        expected.append(re.sub(rf"\([a-zü]*[{TONED}][a-zü]*\)", "", line))
    (record,) = [r for r in feed_records(output, "bistu") if r["title"] == expected[0]]
    text = (output / "bistu" / "text" / f"{record['urlname']}.txt").read_text(encoding="utf-8")
    assert text.splitlines() == expected
    assert text.endswith("\n") and "\n\n" not in text
    assert "(以下簡稱“共同體”)" in text and "(供稿:應用技術學院 尹國彪 圖片:黨委宣傳部 編輯:張帆 審核:楊靜)" in text


@pytest.mark.slow
def test_bistu_ordinary_parentheses_and_gb18030_page(bistu):
    output, report = bistu
    texts = "\n".join(r["body_text"] for r in feed_records(output, "bistu"))
    assert "(OAM)" in texts and "（记者 张三）" in texts and "(vortex beam)" in texts
    assert "王喆" in texts and "李堃" in texts  # the GB18030 page decoded right
    assert report["new"] == len(list((FIXTURES / "bistu").rglob("t20*.html")))


@pytest.mark.slow
def test_seed_003_as_jekyll(eastmoney):
    output, report = eastmoney
    url = "https://finance.eastmoney.com/a/202201012234131818.html"
    (record,) = [r for r in feed_records(output, "eastmoney") if r["url"] == url]
    path = output / "eastmoney" / "jekyll" / f"2022-01-01-{record['urlname']}.md"
    ours, theirs = path.read_text(encoding="utf-8"), seed("003")
    _, front, body = ours.split("---\n", 2)
    _, seed_front, seed_body = theirs.split("---\n", 2)
    meta, seed_meta = yaml.safe_load(front), yaml.safe_load(seed_front)
    assert list(meta) == list(seed_meta)
    for key in ("layout", "title", "categories", "tags"):
        assert meta[key] == seed_meta[key]
    assert front.splitlines()[1] == seed_front.splitlines()[1]  # title line, double-quoted
    assert front.splitlines()[2].startswith("date: 2022-01-01 18:45") and front.splitlines()[2].endswith(" +0800")
    # Body: the seed's paragraphs, minus the hidden spacer and the stock-chart block.
    ours_html, seed_html = body.split("\n\n<http")[0], seed_body.split("\n\n<http")[0]
    paragraphs = lambda html: [  # noqa: E731
        p.text_content().strip() for p in lxml.html.fragments_fromstring(f"<div>{html}</div>")[0].iter("p")
        if p.text_content().strip()
    ]
    assert paragraphs(ours_html) == paragraphs(seed_html)[:]
    for gone in ("EM_StockImg", "display:none", "<!--", "<script", "K图", "webquoteklinepic"):
        assert gone not in ours_html
    tail = ours.rstrip("\n").split("\n\n")
    assert tail[-2] == f"<{url}>"
    assert tail[-1] == theirs.rstrip("\n").split("\n\n")[-1]


@pytest.mark.slow
def test_eastmoney_writes_only_the_outlet_and_remembers_the_rest(eastmoney, tmp_path):
    output, report = eastmoney
    assert {r["outlet"] for r in feed_records(output, "eastmoney")} == {"南方都市报"}
    assert report["new"] == 6
    assert report["stats"].get("newsbot/skipped") == 6
    for path in (output / "eastmoney" / "jekyll").glob("*.md"):
        _, front, _ = path.read_text(encoding="utf-8").split("---\n", 2)
        title = yaml.safe_load(front)["title"]
        assert any(r["title"] == title for r in feed_records(output, "eastmoney"))


@pytest.mark.slow
@pytest.mark.parametrize("site, articles", [("tju", 7), ("ecnu", 7), ("bjtu", 7)])
def test_each_campus_site(tmp_path, site, articles):
    done, report = crawl("campus", tmp_path, "-a", f"site={site}", replay=FIXTURES / "campus")
    assert done.returncode == 0, done.stderr[-2000:]
    assert report["new"] == articles
    written = list((tmp_path / site / "hexo").glob("*.md"))
    assert len(written) == articles
    # Each record is its page's golden record (fixtures/campus/…/*.expected.json), but for
    # what only the crawl knows: when it ran, and which lists linked the page.
    goldens = {g["url"]: g for g in (json.loads(p.read_text("utf-8")) for p in (FIXTURES / "campus").rglob("*.expected.json"))}
    crawl_only = ("crawled_at", "column", "columns", "categories")
    for record in feed_records(tmp_path, "campus"):
        assert record["site"] == site
        golden = goldens[record["url"]]
        differ = [k for k in {*record, *golden} if k not in crawl_only and record.get(k) != golden.get(k)]
        assert not differ, (record["url"], differ)
        assert record["columns"] == [c.name for c in get_site(site).columns]


@pytest.mark.slow
def test_missing_body_container_goes_to_the_fallback_and_is_counted(tmp_path):
    done, report = crawl("campus", tmp_path, "-a", "site=tju", replay=FIXTURES / "campus")
    assert report["stats"].get("newsbot/fallback/tju") == 1
    (record,) = [r for r in feed_records(tmp_path, "campus") if r["url"].endswith("/info/1011/68420.htm")]
    assert record["extractor"] == "fallback"
    assert "北洋讲坛" in record["title"]
    assert len(record["body_text"]) > 100


@pytest.mark.slow
def test_a_new_vsb_site_is_one_sites_file_entry(tmp_path):
    """A user adds a site with no Python: an entry in their own sites file, plus fixtures."""
    site_root = tmp_path / "fixtures" / "news.example-u.edu.cn"
    shutil.copytree(FIXTURES / "campus" / "news.tju.edu.cn", site_root)
    for page in site_root.rglob("*.htm"):
        page.write_text(page.read_text(encoding="utf-8").replace("news.tju.edu.cn", "news.example-u.edu.cn"), encoding="utf-8")
    sites_file = tmp_path / "my-sites.yaml"
    sites_file.write_text(
        "sites:\n"
        "  exampleu:\n"
        "    display_name: 示例大学\n"
        "    host: news.example-u.edu.cn\n"
        "    family: vsb\n"
        "    columns:\n"
        "      - {code: xwzx, name: 新闻中心, url: https://news.example-u.edu.cn/xwzx.htm}\n",
        encoding="utf-8",
    )
    output = tmp_path / "out"
    done, report = crawl("campus", output, "-a", "site=exampleu", "-s", f"NEWSBOT_SITES_FILE={sites_file}",
                         replay=tmp_path / "fixtures")
    assert done.returncode == 0, done.stderr[-2000:]
    assert report["new"] == 7
    assert {r["source"] for r in feed_records(output, "campus")} == {"示例大学"}


@pytest.mark.slow
def test_one_run_can_write_two_profiles(tmp_path):
    done, report = crawl("bistu", tmp_path, "-s", "NEWSBOT_FORMAT=hexo,text", replay=FIXTURES / "bistu")
    assert done.returncode == 0, done.stderr[-2000:]
    hexo = list((tmp_path / "bistu" / "hexo").glob("*.md"))
    text = list((tmp_path / "bistu" / "text").glob("*.txt"))
    assert len(hexo) == len(text) == report["new"] > 0
    for path in hexo:
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])
        assert meta["title"].startswith("北京信息科技大学->")


@pytest.mark.slow
def test_sites_command_lists_configured_sites():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "sites"], cwd=ROOT, capture_output=True, text=True, check=True)
    for name in ("nankai", "bistu", "eastmoney", "tju", "ecnu", "bjtu"):
        assert re.search(rf"^{name}\s", done.stdout, re.M), name


@pytest.mark.slow
def test_optional_traditional_to_simplified_conversion(tmp_path):
    done, report = crawl("bistu", tmp_path, "-s", "NEWSBOT_CHINESE=t2s", replay=FIXTURES / "bistu")
    assert done.returncode == 0, done.stderr[-2000:]
    titles = {r["title"] for r in feed_records(tmp_path, "bistu")}
    assert "全国云计算中心服务与应用创新行业产教融合共同体成立大会成功召开" in titles


def test_every_site_module_is_in_the_site_table():
    """A site module the table leaves out would silently never be crawled."""
    import importlib
    import pkgutil

    import newsbot.sites
    from newsbot.sites import all_sites, built_in_sites

    modules = [importlib.import_module(f"newsbot.sites.{m.name}") for m in pkgutil.iter_modules(newsbot.sites.__path__)]
    defined = {module.SITE.name for module in modules if hasattr(module, "SITE")}
    assert defined == {site.name for site in built_in_sites()} == {"nankai", "bistu", "eastmoney"}
    assert defined <= {site.name for site in all_sites()}
