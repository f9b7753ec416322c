"""The README is the front door and docs/ the rest: every command they show a user is run
by a test, here or elsewhere, or is listed below with the reason it is not; the promises
the pages make in tables (the JSONL record, the settings, FORMAT.md) are checked against
the code. The README's quick start is what a new user runs; CI must run the same test
command."""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
BENCH_README = ROOT / "bench" / "README.md"
BIN = Path(sys.executable).parent
SHARED = ROOT.parent / "shared"  # the project's specs, beside the checkout
ARTICLE_URL = "https://news.nankai.edu.cn/ywsd/system/2023/05/18/030056201.shtml"
ARTICLES = 27  # the nankai fixtures' articles (fixtures/nankai/README.md)


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md")), BENCH_README]


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def section(text: str, heading: str) -> str:
    """The text under ``heading`` (a whole heading line), up to the next heading of its level or above."""
    level = heading.split(" ", 1)[0]
    body = text.split(f"\n{heading}\n", 1)[1] if not text.startswith(heading + "\n") else text[len(heading) + 1:]
    return re.split(rf"\n#{{1,{len(level)}}} ", body, maxsplit=1)[0]


def sh_commands(text: str) -> list[str]:
    """Each command a user types from the ``sh`` blocks of ``text`` (indented blocks too):
    one line each, ``\\`` continuations joined, comments (a line's, or after two spaces) and
    blank lines left out."""
    commands = []
    for _, block in re.findall(r"^( *)```sh\n(.*?)^\1```", text, re.M | re.S):
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            line = re.sub(r"\s{2,}#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


# --- the quick start ---------------------------------------------------------------------------
def quick_start_commands():
    return re.findall(r"```sh\n(.+?)\n```", section(README.read_text(encoding="utf-8"), "## Quick start"))


def test_quick_start_is_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "newsbot demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start_commands()[1] in ci


# --- the front door ------------------------------------------------------------------------------
def test_the_readme_is_a_front_door_that_links_every_docs_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 8 * 1024
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == ["Quick start", "Your blog: Hexo or Jekyll", "A live crawl", "Where next"]
    blog = section(text, "## Your blog: Hexo or Jekyll")
    assert "Hexo" in blog and "Jekyll" in blog and "(docs/blog.md)" in blog
    live = section(text, "## A live crawl")
    for setting in ("NEWSBOT_CONTACT_URL", "NEWSBOT_BLOG_NAME", "NEWSBOT_BLOG_URL"):
        assert f"| `{setting}` |" in live and f"-s {setting}=" in live, setting
    linked = set(re.findall(r"\]\((docs/[\w-]+\.md)\)", section(text, "## Where next")))
    assert linked == {name(page) for page in DOCS.glob("*.md")}
    assert "bench/README.md" in section(text, "## Where next")


def test_every_relative_link_and_every_test_file_the_pages_cite_exists():
    for page in pages():
        prose = re.sub(r"```.*?```|`[^`\n]*`", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)#\s]+)\)", prose):
            if not re.match(r"\w+:", target):
                assert (page.parent / target).exists(), f"{name(page)} links to {target}"
        for cited in re.findall(r"\btests/[\w/]+\.py\b", page.read_text(encoding="utf-8")):
            assert (ROOT / cited).exists(), f"{name(page)} cites {cited}"


SECTION_REFERENCE = re.compile(r'(README|docs/[\w-]+\.md)(?:\.md)?,? ((?:"[^"\n]+"(?:,? (?:and )?)?)+)')


def test_every_section_the_code_and_the_tests_cite_exists():
    """A docstring, comment or message saying (docs/<page>.md, "<section>") names a heading of
    that page; none still points at a README section that moved to docs/."""
    cited = 0
    for path in [*sorted((ROOT / "newsbot").rglob("*.py")), *sorted((ROOT / "tests").glob("*.py")),
                 *sorted((ROOT / "bench").rglob("*.py")), ROOT / "newsbot" / "sites" / "campus.yaml"]:
        for page, titles in SECTION_REFERENCE.findall(path.read_text(encoding="utf-8")):
            if page == "README" and path.name.startswith("test_real"):
                continue  # ../shared/realpages' README
            target = README if page == "README" else ROOT / page
            headings = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            for title in re.findall(r'"([^"]+)"', titles):
                cited += 1
                assert any(h == title or h.startswith(title + ":") for h in headings), \
                    f"{path.relative_to(ROOT)} cites {page}, {title!r}: no such heading"
    assert cited > 10


# --- what the pages promise, against the code ------------------------------------------------------
def test_the_record_table_lists_every_field_of_the_jsonl_record_in_order():
    from newsbot.items import RECORD_FIELDS

    table = section((DOCS / "output.md").read_text(encoding="utf-8"), "## The JSONL record")
    assert tuple(re.findall(r"^\| `(\w+)` \|", table, re.M)) == RECORD_FIELDS
    for field in ("attachments", "videos", "outlet_edition"):  # issue 21
        assert field in RECORD_FIELDS


def test_every_setting_is_in_a_settings_table():
    import newsbot.settings

    rows = set()
    for page in ("crawling.md", "cluster.md"):
        rows |= set(re.findall(r"^\| `(NEWSBOT_\w+)` \|", (DOCS / page).read_text(encoding="utf-8"), re.M))
    settings = {key for key in vars(newsbot.settings) if key.startswith("NEWSBOT_")}
    settings.discard("NEWSBOT_CLUSTER_HOST_INTERVAL")  # set by the cluster from DOWNLOAD_DELAY, never by hand
    assert settings - rows == set(), "settings no docs table lists"
    assert rows - settings - {"NEWSBOT_CLUSTER_HOST_INTERVAL"} == set(), "documented settings that do not exist"


def test_the_settings_tables_defaults_are_the_code_s():
    """A default the tables give as one literal (`50`, `remote`, `1,4,24,72`) is settings.py's
    (where settings.py has None, the default is computed and the table says how)."""
    import newsbot.settings

    checked = 0
    for page in ("crawling.md", "cluster.md"):
        text = (DOCS / page).read_text(encoding="utf-8")
        for setting, default in re.findall(r"^\| `(NEWSBOT_\w+)` \| `([^`]*)` \|", text, re.M):
            value = getattr(newsbot.settings, setting)
            if value is None:
                continue  # computed where it is used: {output}/.newsbot/state.sqlite
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(int(value) if isinstance(value, bool) else value)
            assert shown == default, (page, setting, default, value)
            checked += 1
    assert checked > 20


def test_the_sources_table_is_the_spiders_and_their_sites():
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    import newsbot.settings
    from newsbot.sites import all_sites

    table = section((DOCS / "crawling.md").read_text(encoding="utf-8"), "## Sources")
    rows = re.findall(r"^\| `(\w+)` \| (\S+).*? \| (?:`(\w+)`|per entry) \|", table, re.M)
    spiders = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": newsbot.settings.SPIDER_MODULES})).list()
    assert sorted(spider for spider, _, _ in rows) == sorted(spiders)
    sites = {site.name: site for site in all_sites()}
    for spider, host, profile in rows:
        if spider != "campus":
            assert sites[spider].hosts[0] == host and sites[spider].profile == profile, spider


def test_the_exit_codes_table_is_errors_py_s():
    import newsbot.errors

    table = section((DOCS / "operations.md").read_text(encoding="utf-8"), "## Exit codes")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {value for key, value in vars(newsbot.errors).items() if key.startswith("EXIT_")}


def test_the_layout_tree_names_every_module_and_package_of_newsbot():
    tree = re.search(r"```\nnewsbot/\n(.*?)```", (DOCS / "layout.md").read_text(encoding="utf-8"), re.S).group(1)
    named = set()
    for line in tree.splitlines():
        for word in line.split():  # the names lead each line, the description follows
            if not re.fullmatch(r"\w+(?:\.py|/)", word):
                break
            named.add(word)
    present = {p.name + "/" if p.is_dir() else p.name for p in (ROOT / "newsbot").iterdir()
               if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert named == present


def test_each_rule_lives_where_docs_layout_says():
    table = section((DOCS / "layout.md").read_text(encoding="utf-8"), "## Where a rule lives")
    rows = re.findall(r"^\| .+ \| \[([\w/.]+)\]\(\.\./\1\) \| (?:`(\w+)`)? \|$", table, re.M)
    assert len(rows) == table.count("\n| ") - 1 > 10  # every row but the header read
    for path, defined in rows:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert not defined or re.search(rf"^(?:def|class) {defined}\b|^{defined} = ", source, re.M), (path, defined)


@pytest.mark.parametrize("copy, original", [("format.md", "FORMAT.md"), ("sites-html.md", "SITES.md")])
def test_the_docs_copies_of_the_projects_specs_are_identical(copy, original):
    """docs/format.md and docs/sites-html.md are the specs the code cites, kept identical to the
    project's FORMAT.md and SITES.md beside the checkout (../shared)."""
    shared = SHARED / original
    if not shared.exists():
        pytest.skip(f"{shared} is not beside this checkout: nothing to compare docs/{copy} with")
    assert (DOCS / copy).read_text(encoding="utf-8") == shared.read_text(encoding="utf-8"), \
        f"docs/{copy} differs from {shared}: copy it again"


# --- every command, run or accounted for -----------------------------------------------------------
@dataclass(frozen=True)
class RunHere:
    """Run by ``test_the_commands_run_here_work_as_written`` below."""


@dataclass(frozen=True)
class RunBy:
    """Run by another test: ``where`` is ``tests/file.py::function``, whose source holds ``evidence``."""

    where: str
    evidence: str


@dataclass(frozen=True)
class NotRun:
    reason: str


LIVE = "fetches from the live site, and no test touches the network"
ME = "-s NEWSBOT_CONTACT_URL=mailto:you@example.org -s NEWSBOT_BLOG_NAME=blog.example.org"
# Every page's commands, whole pages first: docs/blog.md's Hexo and Jekyll sections and docs/cluster.md's
# recipe are read and run block by block by their own tests.
WHOLE_PAGES = {
    "docs/blog.md": RunBy("tests/test_blog.py::run_recipe", "recipe(blog.kind)"),
    "docs/cluster.md": RunBy("tests/test_readme_fleet.py::test_every_command_of_the_fleet_recipe_runs_as_written",
                             "recipe_blocks()"),
}
COMMANDS: dict[str, dict[str, RunHere | RunBy | NotRun]] = {
    "README.md": {
        "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/newsbot demo": RunHere(),
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest": RunBy(
            "tests/test_readme.py::test_ci_runs_the_readme_test_command", ".ci"),
        # The blog recipe in brief: docs/blog.md's lines (test_the_readme_blog_recipe_is_docs_blog_mds).
        **{line: RunBy("tests/test_blog.py::run_recipe", "recipe(blog.kind)") for line in (
            f".venv/bin/newsbot crawl nankai -s NEWSBOT_OUTPUT_DIR=/srv/newsbot -s NEWSBOT_POSTS_DIR=/srv/blog/source/_posts {ME} -s NEWSBOT_IMAGES=local",
            "cd /srv/blog && npx hexo generate",
            ".venv/bin/newsbot crawl eastmoney -s NEWSBOT_OUTPUT_DIR=/srv/newsbot -s NEWSBOT_POSTS_DIR=/srv/jekyll/_posts "
            "-s NEWSBOT_CONTACT_URL=mailto:you@example.org -s NEWSBOT_BLOG_URL=https://blog.example.org -s NEWSBOT_IMAGES=local",
            "cd /srv/jekyll && jekyll build")},
        f".venv/bin/newsbot crawl nankai {ME} -s NEWSBOT_BLOG_URL=https://blog.example.org": RunHere(),
    },
    "docs/crawling.md": {
        f".venv/bin/scrapy crawl nankai {ME}": RunHere(),
        f".venv/bin/scrapy crawl nankai -a columns=ywsd,mtnk -s NEWSBOT_OUTPUT_DIR=/srv/newsbot -s NEWSBOT_POSTS_DIR=/srv/blog/source/_posts {ME}": RunHere(),
        f".venv/bin/scrapy crawl nankai -O feed.jsonl {ME}": RunHere(),
    },
    "docs/sites.md": {
        ".venv/bin/newsbot record https://news.example.edu.cn/xwzx.htm --fixtures fixtures/campus": NotRun(
            LIVE + "; tests/test_adding_a_site.py records the same pages from a local mirror with --host-map"),
        ".venv/bin/newsbot record https://news.example.edu.cn/info/1011/12345.htm --fixtures fixtures/campus": NotRun(
            LIVE + "; tests/test_adding_a_site.py records the same pages from a local mirror with --host-map"),
        ".venv/bin/newsbot extract fixtures/campus/news.example.edu.cn/info/1011/12345.htm --url "
        "https://news.example.edu.cn/info/1011/12345.htm --sites-file my-sites.yaml": RunBy(
            "tests/test_adding_a_site.py::test_the_readme_steps_add_a_site_from_a_sites_file_of_ones_own", '"--sites-file"'),
        ".venv/bin/scrapy crawl campus -a site=example -a max_pages=1 -s NEWSBOT_SITES_FILE=my-sites.yaml "
        "-s NEWSBOT_REPLAY_DIR=fixtures/campus -s NEWSBOT_OUTPUT_DIR=/tmp/try": RunBy(
            "tests/test_adding_a_site.py::test_the_readme_steps_add_a_site_from_a_sites_file_of_ones_own", '"max_pages=1"'),
        ".venv/bin/newsbot add https://news.example.edu.cn/xwzx.htm": NotRun(
            LIVE + "; tests/test_onboard.py runs `newsbot add` on saved pages and over HTTP on 127.0.0.1"),
        f".venv/bin/newsbot extract saved.html --url {ARTICLE_URL}": RunHere(),
        f".venv/bin/newsbot extract saved.html --url {ARTICLE_URL} --format json": RunHere(),
        f".venv/bin/newsbot record {ARTICLE_URL} --fixtures fixtures/nankai": NotRun(
            LIVE + "; tests/test_adding_a_site.py runs `newsbot record` against a local mirror"),
    },
    "docs/output.md": {
        ".venv/bin/newsbot feeds --output output": RunHere(),
        ".venv/bin/newsbot feeds --output output --spider nankai --entries 20": RunHere(),
        f".venv/bin/scrapy crawl nankai -s NEWSBOT_IMAGES=local {ME}": RunBy(
            "tests/test_images.py::test_an_image_shared_by_two_articles_is_fetched_once_and_stored_in_each_post_folder",
            '"NEWSBOT_IMAGES=local"'),
        ".venv/bin/newsbot adopt /srv/blog/source/_posts --output /srv/newsbot": RunBy(
            "tests/test_adopt.py::test_adopted_posts_are_not_written_again", '"adopt"'),
    },
    "docs/layout.md": {
        '.venv/bin/python -m pytest -m "not slow"': RunBy(
            "tests/test_fast_subset.py::test_the_fast_subset_runs_every_module_of_newsbot", "fast_subset_coverage.py"),
        ".venv/bin/python tests/fast_subset_coverage.py": RunBy(
            "tests/test_fast_subset.py::test_the_fast_subset_runs_every_module_of_newsbot", "fast_subset_coverage.py"),
    },
    "docs/operations.md": {
        ".venv/bin/newsbot failed --output /srv/newsbot": RunHere(),
        ".venv/bin/newsbot failed --output /srv/newsbot --requeue-all": RunHere(),
        ".venv/bin/newsbot rebuild-state --output /srv/newsbot": RunHere(),
        f".venv/bin/newsbot takedown {ARTICLE_URL} --output /srv/newsbot --reason \"request of the author\"": RunHere(),
        ".venv/bin/newsbot takedown --all-from-file complaints.txt --output /srv/newsbot": RunHere(),
        ".venv/bin/newsbot takedown --list --output /srv/newsbot": RunHere(),
    },
}


def how_each_command_is_run() -> dict[tuple[str, str], RunHere | RunBy | NotRun]:
    """(page, command) -> how it is run, for every command of every page."""
    found = {}
    for page in pages():
        for command in sh_commands(page.read_text(encoding="utf-8")):
            if name(page) in WHOLE_PAGES:
                found[name(page), command] = WHOLE_PAGES[name(page)]
            else:
                found[name(page), command] = COMMANDS.get(name(page), {}).get(command)
    return found


def test_every_command_in_the_readme_and_docs_is_run_by_a_test_or_says_why_not():
    found = how_each_command_is_run()
    assert [key for key, how in found.items() if how is None] == [], "commands nobody runs: add them to COMMANDS"
    listed = {(page, command) for page, commands in COMMANDS.items() for command in commands}
    assert listed - set(found) == set(), "COMMANDS lists commands no page shows any more"
    for how in {*found.values(), *WHOLE_PAGES.values()}:
        if isinstance(how, RunBy):
            file, function = how.where.split("::")
            tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
            [node] = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function]
            assert how.evidence in ast.get_source_segment((ROOT / file).read_text(encoding="utf-8"), node), how


def test_the_whole_pages_are_read_by_their_tests():
    """docs/blog.md's recipe sections and docs/cluster.md's recipe hold every command of those pages."""
    from .test_blog import recipe
    from .test_readme_fleet import recipe_blocks

    blog = sh_commands((DOCS / "blog.md").read_text(encoding="utf-8"))
    assert blog == [line for kind in ("hexo", "jekyll") for line in recipe(kind)[1]]
    cluster = sh_commands((DOCS / "cluster.md").read_text(encoding="utf-8"))
    assert cluster == sh_commands("\n".join(f"```sh\n{block}```" for block in recipe_blocks()))


def test_the_readme_blog_recipe_is_docs_blog_mds():
    from .test_blog import recipe

    readme = sh_commands(section(README.read_text(encoding="utf-8"), "## Your blog: Hexo or Jekyll"))
    assert readme == [line for kind in ("hexo", "jekyll") for line in recipe(kind)[1]]


# --- the commands run here, as written ------------------------------------------------------------
def run(command: str, cwd: Path, srv: Path, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``command`` as a user types it, with the test venv's programs for ``.venv/bin/``,
    ``srv`` for ``/srv`` and ``extra`` (the saved pages instead of the network) appended."""
    words = [word.replace("/srv/", f"{srv}/") for word in shlex.split(command)]
    assert words[0].startswith(".venv/bin/"), command
    words[0] = str(BIN / words[0].removeprefix(".venv/bin/"))
    return subprocess.run([*words, *extra], cwd=cwd, capture_output=True, text=True, timeout=300)


REPLAY = ("-s", f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}")


def commands_run_here(page: str) -> list[str]:
    return [command for command, how in COMMANDS[page].items() if isinstance(how, RunHere)]


def a_checkout(tmp: Path) -> Path:
    """A directory to run from, holding the checkout's scrapy.cfg as the repository root does."""
    tmp.mkdir(parents=True)
    shutil.copy(ROOT / "scrapy.cfg", tmp / "scrapy.cfg")
    return tmp


def hexo_titles(posts: Path) -> list[str]:
    return [re.search(r"^title: (.*)$", p.read_text(encoding="utf-8"), re.M).group(1) for p in posts.glob("*.md")]


def test_the_quick_start_demo_works_as_written(tmp_path):
    """The install is the CI's (the test command's, without the test extra: .ci/run runs it on
    a fresh clone); the demo then crawls the fixtures into ./output, and again writes nothing."""
    [demo, _] = quick_start_commands()
    assert commands_run_here("README.md")[0] == demo
    venv, install, run_demo = demo.split(" && ")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"{venv} && {install.replace(' -e .', ' -e ' + repr('.[test]'))} && " in ci
    cwd = a_checkout(tmp_path / "fresh")
    (cwd / "scrapy.cfg").unlink()  # the demo needs no checkout
    first = run(run_demo, cwd, tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"new articles written this run: {ARTICLES}" in first.stdout
    assert len(list((cwd / "output" / "nankai" / "hexo").glob("*.md"))) == ARTICLES
    again = run(run_demo, cwd, tmp_path)
    assert again.returncode == 0 and "new articles written this run: 0" in again.stdout, again.stdout


def test_the_live_crawls_work_as_written(tmp_path):
    """The README's live crawl and docs/crawling.md's three, each from a fresh directory, with
    the saved pages replayed instead of the network."""
    [_, readme_crawl] = commands_run_here("README.md")
    first, columns, feed = commands_run_here("docs/crawling.md")
    srv = tmp_path / "srv"
    (srv / "blog" / "source" / "_posts").mkdir(parents=True)
    for i, command in enumerate((readme_crawl, first, columns, feed)):
        cwd = a_checkout(tmp_path / f"run{i}")
        done = run(command, cwd, srv, REPLAY)
        assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
        if command != columns:
            titles = hexo_titles(cwd / "output" / "nankai" / "hexo")
            assert len(titles) == ARTICLES
            assert all(title.endswith(" | blog.example.org") for title in titles)  # the operator's blog, not the seeds'
    written = [json.loads(line) for line in (srv / "newsbot" / "feeds" / "nankai.jsonl").read_text().splitlines()]
    assert {record["column"] for record in written} == {"南开要闻", "媒体南开"}
    assert len(list((srv / "blog" / "source" / "_posts").glob("*.md"))) == len(written)
    assert not (srv / "newsbot" / "nankai").exists()  # the posts are in the blog, newsbot's files apart
    from newsbot.items import RECORD_FIELDS

    exported = [json.loads(line) for line in (tmp_path / "run3" / "feed.jsonl").read_text().splitlines()]
    assert len(exported) == ARTICLES and all(tuple(record) == RECORD_FIELDS for record in exported)


def test_a_live_crawl_without_the_identity_settings_refuses_in_one_line(tmp_path):
    [_, readme_crawl] = commands_run_here("README.md")
    bare = re.sub(r" -s NEWSBOT_(CONTACT_URL|BLOG_NAME|BLOG_URL)=\S+", "", readme_crawl)
    assert bare == ".venv/bin/newsbot crawl nankai"
    done = run(bare, a_checkout(tmp_path / "run"), tmp_path)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("newsbot: ")
    assert "NEWSBOT_CONTACT_URL" in done.stderr and "NEWSBOT_BLOG_NAME" in done.stderr
    assert not (tmp_path / "run" / "output").exists()


def test_the_operator_commands_work_as_written(tmp_path):
    """docs/output.md's feeds, docs/sites.md's extract and docs/operations.md's failed,
    rebuild-state and takedown commands, in that order, on the output of a replayed crawl."""
    cwd = a_checkout(tmp_path / "checkout")
    srv = tmp_path / "srv"
    done = run(f".venv/bin/newsbot crawl nankai -s NEWSBOT_OUTPUT_DIR={cwd / 'output'}", cwd, srv, REPLAY)
    assert done.returncode == 0, done.stderr[-3000:]
    every, one = commands_run_here("docs/output.md")
    (cwd / "output" / "feeds" / "nankai-ywsd.atom").unlink()
    assert run(every, cwd, srv).returncode == 0
    assert (cwd / "output" / "feeds" / "nankai-ywsd.atom").exists()
    done = run(one, cwd, srv)
    assert done.returncode == 0, done.stderr
    assert (cwd / "output" / "feeds" / "nankai.atom").read_text().count("<entry>") == 20

    shutil.copy(FIXTURES / "nankai" / ARTICLE_URL.removeprefix("https://"), cwd / "saved.html")
    post, record = commands_run_here("docs/sites.md")
    done = run(post, cwd, srv)
    assert done.returncode == 0 and done.stdout.startswith("---\ntitle: "), done.stderr
    done = run(record, cwd, srv)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["url"] == ARTICLE_URL

    shutil.move(cwd / "output", srv / "newsbot")
    listed, requeue, rebuild, takedown, from_file, taken = commands_run_here("docs/operations.md")
    done = run(listed, cwd, srv)
    assert done.returncode == 0 and "0 failed article(s) in the state" in done.stdout + done.stderr
    assert run(requeue, cwd, srv).returncode == 0
    done = run(rebuild, cwd, srv)
    assert done.returncode == 0 and f"{ARTICLES} articles" in done.stdout, done.stderr
    done = run(takedown, cwd, srv)
    assert done.returncode == 0, done.stderr
    other = "https://news.nankai.edu.cn/zhxw/system/2023/05/10/030056127.shtml"
    (cwd / "complaints.txt").write_text(f"# a complaint\n{other}\n")
    done = run(from_file, cwd, srv)
    assert done.returncode == 0, done.stderr
    done = run(taken, cwd, srv)
    assert done.returncode == 0 and ARTICLE_URL in done.stdout and other in done.stdout, done.stdout
    assert "request of the author" in done.stdout
    assert len(list((srv / "newsbot" / "nankai" / "hexo").glob("*.md"))) == ARTICLES - 2


def test_the_crontab_line_and_the_systemd_service_run_as_written(tmp_path):
    """docs/operations.md's crontab line (a shell command after the schedule) and the
    service's ExecStart= in its WorkingDirectory=, one after the other on one output."""
    from newsbot.errors import EXIT_LOCKED

    text = (DOCS / "operations.md").read_text(encoding="utf-8")  # (its ini blocks hold "# " lines)
    [cron] = re.findall(r"```cron\n(.*?)```", text, re.S)
    [line] = [line for line in cron.splitlines() if line.startswith("17 * * * * ")]
    service = re.findall(r"```ini\n(# newsbot-nankai.service\n.*?)```", text, re.S)[0]
    fields = dict(re.findall(r"^(\w+)=(.*)$", service, re.M))
    assert fields["SuccessExitStatus"] == str(EXIT_LOCKED)

    opt, srv, log = a_checkout(tmp_path / "opt" / "newsbot"), tmp_path / "srv", tmp_path / "var" / "log" / "newsbot"
    log.mkdir(parents=True)
    (srv / "blog" / "source" / "_posts").mkdir(parents=True)

    def paths(command: str) -> str:
        places = {"/opt/newsbot/.venv/bin/": f"{BIN}/", "/opt/newsbot": str(opt), ".venv/bin/": f"{BIN}/",
                  "/srv/": f"{srv}/", "/var/log/newsbot": str(log)}
        command = re.sub("|".join(map(re.escape, places)), lambda m: places[m.group()], command)
        return command.replace(" crawl nankai ", f" crawl nankai -s NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'} ", 1)

    done = subprocess.run(["bash", "-c", paths(line.removeprefix("17 * * * * "))], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and "exited" not in done.stdout, done.stdout + done.stderr[-3000:]
    assert "run summary: 27 new" in (log / "nankai.log").read_text(encoding="utf-8")
    assert len(list((srv / "blog" / "source" / "_posts").glob("*.md"))) == ARTICLES
    assert fields["WorkingDirectory"] == "/opt/newsbot"
    done = subprocess.run(shlex.split(paths(fields["ExecStart"])), cwd=opt, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "run summary: 0 new" in done.stderr
