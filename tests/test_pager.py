"""List pages whose pager is drawn by a script (news.nankai.edu.cn's real pages): the older
pages are numbered down from a newest number M that no link states; the crawl finds M from
the pager script, or by probing, and still reads every list page."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import pytest

from newsbot.pages.page_input import PageInput
from newsbot.sites.pagers import CountdownPager, newest_page_search
from newsbot.sites import get_site
from newsbot.sites.nankai import LIST_CODES

from .conftest import ROOT, crawl

ARTICLES = 27  # distinct articles in fixtures/nankai
HOST = "news.nankai.edu.cn"
REAL_LIST_PAGE = ROOT.parent / "shared" / "realpages" / "005-news.nankai.edu.cn" / "page.html"
NEWEST = {"ywsd": 2, "mtnk": 2, "zhxw": 1, "nkrw": 1}  # M of each column in fixtures/nankai
PAGER_CELL = re.compile(r'(<td[^>]*class="page"[^>]*>).*?(</td>)')
# The real page's pager markup (realpages 005), for each column.
PAGER_SCRIPT = ('<div id="pagetemple"></div><script src="http://news.nankai.edu.cn/{column}/system/count/'
                '{code}/000000000000/count_page_list_{code}000000000000.js"></script>')


def numbered(column: str, number: int) -> str:
    code = LIST_CODES[column]
    return f"/{column}/system/count//{code}/000000000000/000/000/c{code}000000000000_{number:09d}.shtml"


def script_path(column: str) -> str:
    code = LIST_CODES[column]
    return f"/{column}/system/count/{code}/000000000000/count_page_list_{code}000000000000.js"


# --- finding M -----------------------------------------------------------------------------
def search(newest: int, hint: int | None = None) -> tuple[int | None, list[int]]:
    """Run the search against pages 1..newest; return (its answer, the numbers it tried)."""
    tries, found = [], newest_page_search(hint)
    number = next(found)
    try:
        while True:
            tries.append(number)
            number = found.send(number <= newest)
    except StopIteration as done:
        return done.value, tries


@pytest.mark.parametrize("newest", [0, 1, 2, 3, 7, 100, 1000, 1537])
def test_probing_finds_the_newest_page_in_about_two_log2_tries(newest):
    found, tries = search(newest)
    assert found == newest
    assert len(tries) <= 2 * math.ceil(math.log2(newest + 1)) + 1, tries
    assert len(set(tries)) == len(tries)  # no page is fetched twice


@pytest.mark.parametrize("newest", [1, 2, 57, 1537])
def test_a_right_hint_costs_two_tries_and_a_wrong_one_is_corrected(newest):
    assert search(newest, hint=newest) == (newest, [newest, newest + 1])
    for wrong in (newest + 1, newest - 1, 3 * newest, 1):  # a total counting the index, a stale one
        assert search(newest, hint=wrong)[0] == newest


def test_pages_that_never_end_give_up_at_the_limit():
    found = newest_page_search(limit=100)
    number, tries = next(found), 0
    with pytest.raises(StopIteration) as done:
        while True:
            tries += 1
            number = found.send(True)
    assert done.value.value is None and tries <= 8


@pytest.mark.parametrize("script, count", [
    ("var maxpage = 57;\nvar pagesize = 20;", 57),
    ('var pageInfo = {"pageCount": 57, "curPage": 1};', 57),
    ("totalPage='57';", 57),
    ('document.write(\'<a href="/ywsd/system/count//0003000/000000000000/000/000/'
     'c0003000000000000000_000000057.shtml">下一页</a> <a href="c0003000000000000000_000000001.shtml">尾页</a>\');', 57),
    ("var pagesize = 20; var currentPage = 1;", None),  # a page size, the current page: no count
    ("document.getElementById('pagetemple').innerHTML = '';", None),
])
def test_the_page_count_is_read_from_plausible_script_forms(script, count):
    assert CountdownPager().count_in_script(script) == count


# --- nankai's numbered pages ----------------------------------------------------------------
def test_nankai_numbered_pages_are_the_fixture_pager_links():
    pager = get_site("nankai").countdown
    first = f"https://{HOST}/ywsd/index.shtml"
    assert pager.page_url(first, None, 2) == f"https://{HOST}" + numbered("ywsd", 2)
    # Above 999 the directories follow the number (the ECMS layout assumed, see NankaiPager).
    assert pager.page_url(first, None, 1234).endswith("/000/001/c0003000000000000000_000001234.shtml")
    # A column without a known code: only its pager script can say it.
    assert pager.page_url(f"https://{HOST}/xshd/index.shtml", None, 1) is None
    script = f"http://{HOST}/xshd/system/count/0011000/000000000000/count_page_list_0011000000000000000.js"
    third = pager.page_url(f"https://{HOST}/xshd/index.shtml", script, 3)
    assert third == (
        f"https://{HOST}/xshd/system/count//0011000/000000000000/000/000/c0011000000000000000_000000003.shtml")
    # The page after a numbered page is one below it, named by that page's URL alone (a
    # resumed job has no M and no script at hand).
    assert pager.number_of(third) == 3
    assert pager.page_url(f"https://{HOST}/xshd/index.shtml", third, 2) == third.replace("_000000003", "_000000002")
    assert pager.number_of(pager.page_url(first, None, 1234)) == 1234


@pytest.mark.skipif(not REAL_LIST_PAGE.is_file(), reason=f"real pages not found at {REAL_LIST_PAGE}")
def test_the_real_list_page_has_no_next_link_but_its_pager_script_names_the_numbered_pages():
    site = get_site("nankai")
    first = f"http://{HOST}/ywsd/index.shtml"
    page = PageInput(first, REAL_LIST_PAGE.read_bytes(), encoding="utf-8")
    assert site.list_page_of(page).next_page is None
    script = site.countdown.script_url(page)
    assert script == f"http://{HOST}" + script_path("ywsd")
    assert site.countdown.page_url(first, script, 1500) == (
        f"http://{HOST}/ywsd/system/count//0003000/000000000000/000/001/c0003000000000000000_000001500.shtml")


def test_a_pager_script_src_that_is_no_url_is_passed_over():
    # (urljoin raised on it, and the list page's callback with it: the column's older
    # pages were never walked.)
    site = get_site("nankai")
    bad = '<script src="http://[count_page_list_0003000000000000000.js"></script>'
    good = f'<script src="{script_path("ywsd")}"></script>'
    page = PageInput(f"http://{HOST}/ywsd/index.shtml", (bad + good).encode(), encoding="utf-8")
    assert site.countdown.script_url(page) == f"http://{HOST}" + script_path("ywsd")


# --- crawls of list pages like the real site's --------------------------------------------
def like_the_real_site(http_site, script_for) -> None:
    """Serve every fixture list page with its pager (下一页, 尾页) replaced by the real
    page's script markup, and each column's pager script as ``script_for(column)`` says
    (None: the script is missing, a 404)."""
    root = http_site.root / HOST
    for column, code in LIST_CODES.items():
        files = [root / column / "index.shtml", *sorted((root / column / "system" / "count").rglob("*.shtml"))]
        assert len(files) == NEWEST[column] + 1
        for file in files:
            html, replaced = PAGER_CELL.subn(
                lambda cell: cell.group(1) + PAGER_SCRIPT.format(column=column, code=code) + cell.group(2),
                file.read_text(encoding="utf-8"))
            assert replaced == 1 and "下一页" not in html and "尾页" not in html
            path = "/" + file.relative_to(root).as_posix().replace("/system/count/", "/system/count//")
            http_site.pages[path] = html.encode()
        script = script_for(column)
        if script is not None:
            http_site.pages[script_path(column)] = script.encode()


def numbered_requests(http_site, column: str) -> Counter:
    """How often each numbered list page of a column was requested (probes and reads)."""
    prefix = numbered(column, 0).rsplit("_", 1)[0] + "_"
    return Counter(int(p[len(prefix):].split(".")[0]) for p in http_site.paths() if p.startswith(prefix))


def assert_every_article_written(done, report, output):
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == ARTICLES
    lines = (output / "feeds" / "nankai.jsonl").read_text(encoding="utf-8").splitlines()
    assert len({json.loads(line)["url"] for line in lines}) == ARTICLES


SCRIPTS = {
    # M assigned to a variable: read, then checked with two probes (M exists, M+1 does not).
    "count": lambda column: f"var maxpage = {NEWEST[column]};\nvar pagesize = 20;\n",
    # M only in the links the script writes.
    "links": lambda column: "document.write('" + "".join(
        f'<a href="{numbered(column, n)}">{n}</a>' for n in range(NEWEST[column], 0, -1)) + "');\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("form", sorted(SCRIPTS))
def test_a_pager_script_stating_the_count_lets_the_crawl_read_every_list_page(http_site, tmp_path, form):
    like_the_real_site(http_site, SCRIPTS[form])
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert_every_article_written(done, report, tmp_path)
    paths = Counter(http_site.paths())
    for column, newest in NEWEST.items():
        assert paths[f"/{column}/index.shtml"] == 1 and paths[script_path(column)] == 1
        # M and M+1 probed, then M..1 read: M twice, M+1 (missing) once, the others once.
        assert numbered_requests(http_site, column) == Counter(
            {**{n: 1 for n in range(1, newest + 2)}, newest: 2}), column

    # An idle rerun stops at page 1 (only known articles): no script, no probe.
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0 and report["new"] == 0
    assert sorted(http_site.paths()) == sorted(["/robots.txt"] + [f"/{c}/index.shtml" for c in NEWEST])


@pytest.mark.slow
def test_without_a_pager_script_probing_finds_every_list_page(http_site, tmp_path):
    like_the_real_site(http_site, lambda column: None)  # the script answers 404
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert_every_article_written(done, report, tmp_path)
    for column, newest in NEWEST.items():
        assert http_site.paths().count(script_path(column)) == 1
        probes = search(newest)[1]
        reads = list(range(newest, 0, -1))
        assert numbered_requests(http_site, column) == Counter(probes + reads), column
    # ywsd, mtnk (M=2): 1, 2, 4, 3; zhxw, nkrw (M=1): 1, 2.
    assert sum(len(search(m)[1]) for m in NEWEST.values()) == 12


@pytest.mark.slow
def test_a_script_counting_one_page_too_many_is_corrected_by_probing(http_site, tmp_path):
    # Say the script's total counts the index page too: M+1 is probed (404) and the
    # search narrows down to M; no page past M is read as a list page.
    like_the_real_site(http_site, lambda column: f"var totalpage = {NEWEST[column] + 1};")
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert_every_article_written(done, report, tmp_path)
    assert "does not exist: the list ends there" not in done.stderr


@pytest.mark.slow
def test_a_failing_probe_leaves_the_column_at_its_first_page_with_a_warning(http_site, tmp_path):
    from .httpsite import Fault

    like_the_real_site(http_site, lambda column: None)
    http_site.faults[numbered("nkrw", 1)] = Fault(status=500)
    done, report = crawl("nankai", tmp_path, "-a", "columns=nkrw", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "column 南开人物: cannot tell how its older list pages are numbered" in done.stderr
    assert 0 < report["new"] < 5  # page 1's articles are written all the same


@pytest.mark.slow
def test_a_rerun_with_a_new_article_on_page_1_finds_m_again_and_reads_page_2_only(http_site, tmp_path):
    like_the_real_site(http_site, SCRIPTS["count"])
    done, _ = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    new = "/ywsd/system/2023/07/01/030057001.shtml"
    root = http_site.root / HOST
    http_site.pages[new] = (root / "ywsd/system/2023/05/18/030056201.shtml").read_bytes()
    index = http_site.pages["/ywsd/index.shtml"].decode()
    row = f'<tr><td><div><a href="https://{HOST}{new}" target="_blank">新</a></div></td></tr>'
    http_site.pages["/ywsd/index.shtml"] = index.replace("<table", f"<table>{row}</table><table", 1).encode()
    http_site.reset_log()
    done, report = crawl("nankai", tmp_path, site=http_site)
    assert done.returncode == 0 and report["new"] == 1
    # ywsd: page 1 lists something new, so page 2 is needed: the script, M and M+1 probed,
    # page 2 (= M) read, and it lists only known articles: the walk stops there.
    assert sorted(http_site.paths()) == sorted(
        ["/robots.txt", new, script_path("ywsd"), numbered("ywsd", 2), numbered("ywsd", 3), numbered("ywsd", 2)]
        + [f"/{c}/index.shtml" for c in NEWEST])
