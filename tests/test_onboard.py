"""``newsbot add URL`` (newsbot/cli/onboard.py) on real saved list pages and on the fixture sites."""

import json
import re
from datetime import datetime

import pytest
import yaml

import newsbot.sites as sites
from newsbot.cli import main
from newsbot.cli.onboard import NotAList, append_entry, propose
from newsbot.extract import extract_article
from newsbot.pages.base import compiled_xpath
from newsbot.pages.generic.extraction import GenericArticlePage
from newsbot.pages.page_input import PageInput
from newsbot.sites import load_sites_file

from .conftest import FIXTURES, ROOT

REALPAGES = ROOT.parent / "shared" / "realpages"
# list page -> (URL it is read as, family, article links it lists, next list page).
# The counts were checked by reading each page: the list's own rows, plus on 005 and 007
# a few more articles of the same site in a side box; 014 is a mirror with each link twice.
LISTS = {
    "005-news.nankai.edu.cn": (None, "ecms", 32, None),
    "007-www.nankai.edu.cn": (None, "webplus", 15, "https://www.nankai.edu.cn/157/list2.htm"),
    "009-zfxy.nankai.edu.cn": (None, "vsb", 10, "https://zfxy.nankai.edu.cn/index/important_news/113.htm"),
    "014-cs.fudan.edu.cn": ("https://cs.fudan.edu.cn/24256/list.htm", "webplus", 28, "https://cs.fudan.edu.cn/24256/list2.htm"),
    "016-yjszs.cqjtu.edu.cn": (None, "vsb", 7, None),
    "018-cst.nuc.edu.cn": (None, "vsb", 10, "http://cst.nuc.edu.cn/xwzx/xyxw/29.htm"),
    "021-itsc.nju.edu.cn": ("https://itsc.nju.edu.cn/wlyxqk/list.htm", "webplus", 18, "https://itsc.nju.edu.cn/wlyxqk/list2.htm"),
    "022-icec.nefu.edu.cn": ("https://icec.nefu.edu.cn/xwzx.htm", "vsb", 10, "https://icec.nefu.edu.cn/xwzx/32.htm"),
    "037-ai.nankai.edu.cn": (None, "vsb", 10, "http://ai.nankai.edu.cn/xwzx/zxdt/26.htm"),
}
# Home, column and pager pages: list.htm, list2.htm, index.htm, important_news/113.htm.
NAV = re.compile(r"/(list\d*|index[-_\d]*|main|default)\.s?html?$|/[a-z_]+/\d+\.htm$")


@pytest.fixture(autouse=True)
def own_registry(monkeypatch):
    """Proposals register their site; keep that out of the other tests' registry."""
    sites._load()
    monkeypatch.setattr(sites, "_REGISTRY", dict(sites._REGISTRY))


def realpage(name):
    folder = REALPAGES / name
    if not folder.is_dir():
        pytest.skip(f"real pages not found at {REALPAGES} (the shared test data beside the repo)")
    return json.loads((folder / "info.json").read_text(encoding="utf-8")), (folder / "page.html").read_bytes()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_proposed_entry_finds_the_articles_a_real_list_page_lists(name, tmp_path):
    info, body = realpage(name)
    url, family, count, next_page = LISTS[name]
    url = url or info["url"]
    assert info["kind"] == "list" and info["family"] == family
    proposal = propose(url, body)
    assert proposal.family == family
    # The entry as a user would save it, loaded by the loader a crawl uses.
    path = tmp_path / "sites.yaml"
    path.write_text("sites:\n" + proposal.yaml(), encoding="utf-8")
    (site,) = load_sites_file(path)
    assert site.name == proposal.name and site.hosts == (info["host"],)
    page = PageInput(url, body)
    links = [url for href in compiled_xpath("//a/@href")(page.root) if (url := page.urljoin(href))]
    found = list(dict.fromkeys(u for u in links if site.is_article(u)))
    assert found == proposal.articles and len(found) == count
    assert not [u for u in found if NAV.search(u)]  # list pages, home pages, pager links
    nav = [u for u in links if NAV.search(u) or not u.startswith("http")]
    assert nav and not [u for u in nav if site.is_article(u)]
    assert proposal.next_page == next_page
    if family != "ecms":
        assert site.page.__name__ == {"vsb": "VsbPage", "webplus": "WebPlusPage"}[family]


def same_family_articles(family):
    for folder in sorted(REALPAGES.iterdir()) if REALPAGES.is_dir() else ():
        info_path = folder / "info.json"
        if info_path.exists():
            info = json.loads(info_path.read_text(encoding="utf-8"))
            if info["kind"] == "article" and info["family"] == family:
                yield folder.name, info


@pytest.mark.parametrize("name", sorted(LISTS))
def test_the_entry_reads_real_articles_of_its_family_with_the_family_rules(name, tmp_path):
    info, body = realpage(name)
    url, family, _, _ = LISTS[name]
    proposal = propose(url or info["url"], body)
    site = sites.get_site(proposal.known_site or proposal.name)  # ecms: the configured nankai site
    articles = list(same_family_articles(family))
    assert articles
    for article_name, article_info in articles:
        expected = json.loads((REALPAGES / article_name / "expected.json").read_text(encoding="utf-8"))
        article_url = article_info["url"] or f"https://{article_info['host']}/info/1/1.htm"
        page = site.page(PageInput(article_url, (REALPAGES / article_name / "page.html").read_bytes()))
        fields = page.fields
        assert fields["title"] and fields["body"] is not None, article_name
        article = extract_article(page, fallback=GenericArticlePage)
        assert article.extractor == "site", article_name  # the family's rules, not the fallback
        assert article.published is not None, article_name
        shown = "%Y-%m-%d %H:%M" if len(expected["published"]) > 10 else "%Y-%m-%d"  # to the minute where printed
        assert article.published.strftime(shown) == expected["published"], article_name


def test_add_with_a_saved_page_prints_the_entry(capsys):
    info, _ = realpage("009-zfxy.nankai.edu.cn")
    assert main(["add", info["url"], "--page", str(REALPAGES / "009-zfxy.nankai.edu.cn" / "page.html")]) == 0
    out = capsys.readouterr().out
    assert "vsb family, 10 article links" in out and "articles not read" in out
    entry = yaml.safe_load(out.split("campus.yaml entry", 1)[1].split("\n", 1)[1])
    assert entry == {"zfxy-nankai": {
        "display_name": "南开大学周恩来政府管理学院", "host": "zfxy.nankai.edu.cn", "family": "vsb",
        "columns": [{"code": "important_news", "name": "学院要闻", "url": info["url"]}],
        "profile_options": {"blog": "zfxy.nankai.edu.cn"}, "scheme": "https"}}


@pytest.mark.parametrize("url, family", [
    ("https://news.tju.edu.cn/xwzx.htm", "vsb"),
    ("https://news.ecnu.edu.cn/xwzx/list.htm", "webplus"),
    ("https://news.bjtu.edu.cn/xwzx/index.html", "trs"),
])
def test_add_with_fixtures_reads_the_first_articles_with_the_family_rules(url, family, capsys):
    assert main(["add", url, "--fixtures", str(FIXTURES / "campus")]) == 0
    out = capsys.readouterr().out
    assert f"{family} family, 3 article links" in out
    read = [line for line in out.splitlines() if line.startswith("  [")]
    assert len(read) == 3 and all(line.startswith("  [family rules] 2023-05-") for line in read), out
    assert "already configured as site" in out  # these fixture sites are in campus.yaml


def test_append_adds_a_loadable_entry_once(tmp_path, capsys):
    info, _ = realpage("037-ai.nankai.edu.cn")
    # ai.nankai.edu.cn is in campus.yaml: offer its page as a site nobody configured yet
    # (its links are relative, so they follow the URL given).
    info = {**info, "url": info["url"].replace("ai.nankai.edu.cn", "ai.example.edu.cn")}
    target = tmp_path / "my-sites.yaml"
    target.write_text("# my sites\nsites:\n  other:\n    display_name: 其他\n    host: news.other.edu.cn\n"
                      "    family: vsb\n    columns:\n      - {code: xw, name: 新闻, url: https://news.other.edu.cn/xw.htm}\n",
                      encoding="utf-8")
    page = str(REALPAGES / "037-ai.nankai.edu.cn" / "page.html")
    assert main(["add", info["url"], "--page", page, "--append", str(target)]) == 0
    assert "appended site ai-example" in capsys.readouterr().out
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# my sites\n")
    loaded = {site.name: site for site in load_sites_file(target)}
    assert set(loaded) == {"other", "ai-example"}
    assert loaded["ai-example"].column("zxdt").name == "最新动态"
    assert main(["add", info["url"], "--page", page, "--append", str(target)]) == 1
    err = capsys.readouterr().err  # this process has the site registered now; a new one reads the file
    assert "ai.example.edu.cn is already configured" in err or "already crawls ai.example.edu.cn" in err
    assert target.read_text(encoding="utf-8") == text
    again = propose(info["url"], (REALPAGES / "037-ai.nankai.edu.cn" / "page.html").read_bytes(), name="ai2")
    with pytest.raises(ValueError, match="'ai-example' already crawls ai.example.edu.cn"):
        append_entry(target, again)
    assert target.read_text(encoding="utf-8") == text


def test_append_refuses_a_host_that_is_configured(tmp_path, capsys):
    info, _ = realpage("005-news.nankai.edu.cn")
    target = tmp_path / "s.yaml"
    assert main(["add", info["url"], "--page", str(REALPAGES / "005-news.nankai.edu.cn" / "page.html"),
                 "--append", str(target)]) == 1
    assert "already configured as site 'nankai'" in capsys.readouterr().err
    assert not target.exists()


def test_a_page_that_is_not_a_list_is_a_clear_error(tmp_path, capsys):
    page = tmp_path / "p.html"
    page.write_text("<html><title>x</title><a href='/about.htm'>about</a></html>", encoding="utf-8")
    assert main(["add", "https://x.edu.cn/a.htm", "--page", str(page)]) == 1
    assert "no article links of a known CMS family" in capsys.readouterr().err
    with pytest.raises(NotAList):
        propose("https://x.edu.cn/a.htm", page.read_bytes())
    assert main(["add", "https://x.edu.cn/a.htm", "--page", str(tmp_path / "missing.html")]) == 1


@pytest.mark.slow  # over a second in-process
def test_add_over_http_reads_politely(tmp_path, capsys):
    """Without --page or --fixtures the pages come from the site: robots.txt first, the
    crawl's User-Agent, and a disallowed article is not fetched."""
    import shutil

    from newsbot.cli.common import project_settings

    from .httpsite import HOST, HttpSite

    shutil.copytree(FIXTURES / "campus" / "news.tju.edu.cn", tmp_path / HOST)
    (tmp_path / HOST / "robots.txt").write_text("User-agent: *\nDisallow: /info/1011/68497.htm\n", encoding="utf-8")
    with HttpSite(tmp_path) as site:
        # The third article without VSB's body container: the generic extractor reads it.
        site.pages["/info/1011/68455.htm"] = (
            "<html><head><title>改版后的文章</title></head><body><h1>改版后的文章</h1><div class='x'>"
            + "<p>发布时间：2023-05-11</p>" + "<p>学校召开本科教学工作会议，总结经验，部署下一阶段的重点任务。</p>" * 8
            + "</div></body></html>").encode("utf-8")
        assert main(["add", f"{site.base}/xwzx.htm", "--name", "local"]) == 0
    out = capsys.readouterr().out
    assert "vsb family, 3 article links" in out
    assert "[family rules] 2023-05-18" in out
    assert "[generic FALLBACK: add selectors] 2023-05-11" in out
    assert f"{site.base}/info/1011/68497.htm: not read: {site.base}/robots.txt disallows" in out
    paths = [path for path, _ in site.requests]
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1 and "/info/1011/68497.htm" not in paths
    assert {agent for _, agent in site.requests} == {project_settings().get("USER_AGENT")}


@pytest.mark.slow
def test_an_appended_site_crawls(tmp_path, capsys):
    """The whole path: add with fixtures and --append, then crawl the new site from them."""
    import shutil
    import subprocess
    import sys

    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "campus" / "news.tju.edu.cn", fixtures / "news.example.edu.cn")
    sites_file = tmp_path / "my-sites.yaml"
    assert main(["add", "https://news.example.edu.cn/xwzx.htm", "--fixtures", str(fixtures), "--append",
                 str(sites_file), "--name", "example", "--display-name", "示例大学", "--column-name", "新闻中心"]) == 0
    assert "appended site example" in capsys.readouterr().out
    (site,) = load_sites_file(sites_file)
    assert (site.display_name, site.columns[0].name, site.columns[0].code) == ("示例大学", "新闻中心", "xwzx")
    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "campus", "-a", "site=example", "-s", f"NEWSBOT_SITES_FILE={sites_file}",
         "-s", f"NEWSBOT_REPLAY_DIR={fixtures}", "-s", f"NEWSBOT_OUTPUT_DIR={output}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((output / "reports" / "campus-latest.json").read_text(encoding="utf-8"))
    fixture_articles = list((fixtures / "news.example.edu.cn" / "info").rglob("*.htm"))
    assert report["new"] == len(fixture_articles) == 7
    assert len(list((output / "example").rglob("*.md"))) == 7
    assert (output / "feeds" / "example-xwzx.atom").exists()


@pytest.mark.parametrize("name, department, university", [
    ("018-cst.nuc.edu.cn", "大数据学院", "中北大学"),
    ("037-ai.nankai.edu.cn", "人工智能学院", "南开大学"),
])
def test_add_says_where_it_guessed_and_a_departments_name_is_not_the_universitys(name, department, university, capsys):
    """Real VSB list pages of a department: the <title>'s last part is the department's
    name. add keeps its guess (the crawl needs a name) but says so, and which university the
    page names; given --display-name and --column-name, it says nothing of either."""
    info, body = realpage(name)
    assert main(["add", info["url"], "--page", str(REALPAGES / name / "page.html")]) == 0
    assert f"perhaps '{university}{department}'" in capsys.readouterr().out
    notes = propose(info["url"], body, name="first").notes
    assert any(n.startswith(f"guessed the display name {department!r}") and f"perhaps {university + department!r}" in n
               for n in notes), notes
    assert any(n.startswith("guessed the column name") for n in notes), notes
    named = propose(info["url"], body, name="second", display_name=f"{university}{department}",
                    column_name="学院新闻").notes
    assert not any("guessed" in n for n in named), named


def test_a_display_name_that_names_its_university_is_no_department_guess():
    info, body = realpage("009-zfxy.nankai.edu.cn")
    notes = propose(info["url"], body).notes
    display = [n for n in notes if n.startswith("guessed the display name")]
    assert display == ["guessed the display name '南开大学周恩来政府管理学院' from the page's <title>; "
                       "set it with --display-name"]


# A real list page of a site newsbot has never seen (its host renamed: these sites are in
# campus.yaml), and real article pages of the same site at the URLs it lists.
FIRST_CONTACT = {
    "018-cst.nuc.edu.cn": ("cst.nuc.edu.cn", None, ("017-cst.nuc.edu.cn", "036-cst.nuc.edu.cn")),
    "014-cs.fudan.edu.cn": ("cs.fudan.edu.cn", "https://cs.fudan.edu.cn/24256/list.htm",
                            ("012-cs.fudan.edu.cn", "013-cs.fudan.edu.cn")),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIRST_CONTACT))
def test_the_entry_add_proposes_for_a_site_never_seen_crawls_its_column_without_edits(name, tmp_path, capsys):
    """newsbot add --page on a saved real list page, --fixtures for its articles, --append;
    then a replayed scrapy crawl campus with the entry as appended writes every listed
    article, read by the family's rules, dated to the minute where the page prints one."""
    import subprocess
    import sys

    from newsbot.crawl.middlewares.replay import fixture_path

    real_host, url, article_pages = FIRST_CONTACT[name]
    info, body = realpage(name)
    host = real_host.replace(".", "-") + ".example.edu.cn"
    url = (url or info["url"]).replace(real_host, host)
    fixtures = tmp_path / "fixtures"
    saved = fixture_path(fixtures, url)  # the list page, where the crawl reads it too
    saved.parent.mkdir(parents=True)
    saved.write_bytes(body.replace(real_host.encode(), host.encode()))
    expected = {}
    proposal = propose(url, saved.read_bytes(), name="first")  # (the article URLs it lists, for the fixtures)
    assert len(proposal.articles) >= 10
    for number, article_url in enumerate(proposal.articles):
        article = article_pages[number % len(article_pages)]
        path = fixture_path(fixtures, article_url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((REALPAGES / article / "page.html").read_bytes().replace(real_host.encode(), host.encode()))
        expected[article_url] = json.loads((REALPAGES / article / "expected.json").read_text(encoding="utf-8"))
    sites.get_site("first")  # (registered by propose in this process: the CLI's own run must not see it)
    sites._REGISTRY.pop("first")

    sites_file = tmp_path / "my-sites.yaml"
    assert main(["add", url, "--page", str(saved), "--fixtures", str(fixtures), "--append", str(sites_file),
                 "--name", "first"]) == 0
    out = capsys.readouterr().out
    read = [line for line in out.splitlines() if line.startswith("  [")]
    assert read and all(line.startswith("  [family rules] ") for line in read), out
    assert "guessed the column name" in out  # where add had to guess, it says so

    output = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "campus", "-a", "site=first", "-a", "max_pages=1",
         "-s", f"NEWSBOT_SITES_FILE={sites_file}", "-s", f"NEWSBOT_REPLAY_DIR={fixtures}",
         "-s", f"NEWSBOT_OUTPUT_DIR={output}", "-s", "NEWSBOT_WORKERS=0"],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((output / "reports" / "campus-latest.json").read_text(encoding="utf-8"))
    assert report["new"] == len(proposal.articles), report
    assert not [key for key in report["stats"] if key.startswith("newsbot/fallback")]  # the family's rules read them all
    records = [json.loads(line) for line in (output / "feeds" / "campus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["url"] for r in records) == sorted(proposal.articles)
    for record in records:
        want = expected[record["url"]]
        assert record["extractor"] == "site" and record["title"].replace(" ", "") == want["title"].replace(" ", "")
        shown = "%Y-%m-%d %H:%M" if len(want["published"]) > 10 else "%Y-%m-%d"  # the minute where it is printed
        assert datetime.fromisoformat(record["published"]).strftime(shown) == want["published"]


def test_add_says_when_it_guessed_the_family_or_the_next_list_page():
    """A real WebPlus list page as it is (nothing guessed of its CMS), without its 下一页 link
    (the next page from the family's numbering: a guess), without its WebPlus markers (the
    family from the links' shape alone: a guess)."""
    info, body = realpage("021-itsc.nju.edu.cn")
    url = LISTS["021-itsc.nju.edu.cn"][0]

    def cms_notes(page: bytes, name: str) -> list[str]:
        proposal = propose(url, page, name=name)
        assert proposal.family == "webplus" and len(proposal.articles) == 18
        return [n for n in proposal.notes if "family" in n or "next" in n]

    assert cms_notes(body, "as-is") == []
    nankai_info, nankai_list = realpage("005-news.nankai.edu.cn")  # ECMS: no markers, the URLs' shape
    assert any(n.startswith("no CMS markers: took the ECMS layout") for n in propose(nankai_info["url"], nankai_list).notes)
    no_next = body.replace(b'<a class="next" href="/wlyxqk/list2.htm"', b'<a class="next"')
    assert cms_notes(no_next, "no-next") == [
        "no next-page link: guessed the next list page https://itsc.nju.edu.cn/wlyxqk/list2.htm from the "
        "webplus family's numbering; check that it exists"]
    unmarked = body.replace(b"/_js/", b"/js/").replace(b"sudy-wp", b"site").replace(b"<!--Start||content-->", b"")
    assert cms_notes(unmarked, "unmarked") == [
        "no CMS markers: guessed the webplus family from the shape of the article links; "
        "check the first articles with --fixtures or the live site"]


FAMILY_ARTICLES = [name for family in ("vsb", "webplus", "trs") for name, _ in same_family_articles(family)]


@pytest.mark.parametrize("name", FAMILY_ARTICLES)
def test_a_family_page_dates_its_article_by_its_own_rules_to_the_minute_where_printed(name):
    """The family's page object as a site never seen gets it (its markers tell the family),
    without the generic date search a page falls back to: VSB's meta line in the news form,
    TRS's meta classes and the time WCM's template hands its scripts (var __$pubtime)."""
    from newsbot.pages.cms import PAGES, detect_family

    info, body = realpage(name)
    expected = json.loads((REALPAGES / name / "expected.json").read_text(encoding="utf-8"))
    page = PageInput(info["url"] or f"https://{info['host']}/info/1/1.htm", body)
    published = PAGES[detect_family(page.text)](page).published()
    shown = "%Y-%m-%d %H:%M" if len(expected["published"]) > 10 else "%Y-%m-%d"
    assert published is not None and published.strftime(shown) == expected["published"]
