"""A blog owner's real day (issue 19): newsbot's posts built by the real site generators.

A replayed crawl is written into a real Hexo 7 site and a real Jekyll site exactly as
docs/blog.md says, the site is built with the machine's clock on UTC (most servers), and the
published site is checked as a visitor would see it: every article is one post page and
nothing else of newsbot's is published (state, reports, JSONL, Atom/RSS, the status page),
every post states the article's publication instant, no template syntax is evaluated or
shown, and every local image a post shows is a published file with the image's bytes.
The blogs and how they are installed: ``tests/blogsite.py``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from .blogsite import Blog, article_body, date_published, source_link_pattern
from .conftest import FIXTURES, ROOT, crawl, crawl_command
from .httpsite import HttpSite
from .test_images import IMAGE_SRC, SITE, jpeg

DOCS = ROOT / "docs" / "blog.md"
BLOG_URL = "https://blog.example.org"  # the Jekyll site's url, and the profile's site option
# Text an article may carry that Hexo's nunjucks and Jekyll's Liquid would evaluate.
TEMPLATE_TEXT = "{{ site.title }} {% include evil.html %} {# comment #} {%- raw -%} {% endraw %}{{ 7*7 }} #} {#}"
TEMPLATE_MARKS = ("{{", "{%", "{#", "#}", "%}", "}}")
HOSTILE_ARTICLE = "/zhxw/system/2023/05/10/030056127.shtml"


@dataclass
class Built:
    """A blog after a crawl was written into it and it was built."""

    blog: Blog
    output: Path  # newsbot's output directory (NEWSBOT_OUTPUT_DIR)
    spider: str
    records: list[dict]

    def page_of(self, record: dict) -> list[Path]:
        """The post pages showing this article (its source link is in the post's body)."""
        link = source_link_pattern(record["url"])
        return [p for p in self.blog.post_pages() if link.search(p.read_text(encoding="utf-8"))]


def records(output: Path, spider: str) -> list[dict]:
    lines = (output / "feeds" / f"{spider}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


# --- docs/blog.md, run as written ------------------------------------------------------------
def recipe(kind: str) -> tuple[str | None, list[str]]:
    """The _config.yml lines and the shell commands of docs/blog.md's section for Hexo or Jekyll."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(f"\n## {kind.capitalize()}\n", 1)[1].split("\n## ", 1)[0]
    config = re.findall(r"```yaml\n(.+?)```", section, re.S)
    commands = [line for block in re.findall(r"```sh\n(.+?)```", section, re.S)
                for line in block.splitlines() if line.strip()]
    return (config[0] if config else None), commands


def run_recipe(blog: Blog, workdir: Path, extra: list[str], tz: str = "UTC") -> None:
    """Each command of the recipe, with temp folders for /srv/..., the crawl's ``extra``
    settings appended (the fixtures instead of the network), the build on clock ``tz``."""
    config, commands = recipe(blog.kind)
    if config:
        blog.add_config(config)
    for line in commands:
        for real, test in (("/srv/blog", blog.root), ("/srv/jekyll", blog.root), ("/srv/newsbot", workdir)):
            line = line.replace(real, str(test))
        words = shlex.split(line)
        if words[0] == ".venv/bin/newsbot":
            done = subprocess.run([sys.executable, "-m", "newsbot.cli", *words[1:], *extra], cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
        else:
            assert words[0] == "cd" and words[2] == "&&", line
            done = subprocess.run(words[3:], cwd=words[1], env={**os.environ, "TZ": tz},
                                  capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{line}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


def loopback(site: HttpSite) -> list[str]:
    """The crawl's settings to read the site from the test server, politeness off."""
    command = crawl_command("nankai", Path("unused"), site=site)
    return command[command.index("-s", command.index("NEWSBOT_OUTPUT_DIR=unused") - 1) + 2:]


# --- the builds ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hexo_recipe(tmp_path_factory) -> Built:
    """docs/blog.md's Hexo recipe (local images, the nankai site served with its images and
    one article carrying template syntax), built on a UTC clock."""
    parent = tmp_path_factory.mktemp("hexo-recipe")
    blog = Blog.copy("hexo", parent)
    workdir = parent / "newsbot"
    with images_site() as site:
        run_recipe(blog, workdir, loopback(site))
    return Built(blog, workdir, "nankai", records(workdir, "nankai"))


@pytest.fixture(scope="module")
def jekyll_recipe(tmp_path_factory) -> Built:
    """docs/blog.md's Jekyll recipe (the eastmoney fixtures replayed), built on a UTC clock."""
    parent = tmp_path_factory.mktemp("jekyll-recipe")
    blog = Blog.copy("jekyll", parent)
    blog.add_config(f"url: {BLOG_URL}\n")
    workdir = parent / "newsbot"
    run_recipe(blog, workdir, ["-s", f"NEWSBOT_REPLAY_DIR={FIXTURES / 'eastmoney'}"])
    return Built(blog, workdir, "eastmoney", records(workdir, "eastmoney"))


def images_site() -> HttpSite:
    """The nankai site over HTTP, answering each article image with bytes of its own, and
    with one article whose text carries template syntax."""
    site = HttpSite(FIXTURES / "nankai")
    for page in SITE.glob("*/system/**/*.shtml"):
        for path in IMAGE_SRC.findall(page.read_bytes()):
            site.pages[path.decode()] = jpeg(path.decode())
    page = (SITE / HOSTILE_ARTICLE.lstrip("/")).read_bytes()
    site.pages[HOSTILE_ARTICLE] = page.replace(b'id="txt">', b'id="txt"><p>' + TEMPLATE_TEXT.encode() + b"</p>", 1)
    return site


@pytest.fixture(scope="module")
def jekyll_images(tmp_path_factory) -> Built:
    """The jekyll profile with local images (the nankai site and its images), the Jekyll
    recipe's settings."""
    parent = tmp_path_factory.mktemp("jekyll-images")
    blog = Blog.copy("jekyll", parent)
    blog.add_config(f"url: {BLOG_URL}\n")
    workdir = parent / "newsbot"
    with images_site() as site:
        done, _ = crawl("nankai", workdir, "-s", "NEWSBOT_IMAGES=local", "-s", "NEWSBOT_FORMAT=jekyll",
                        "-s", f"NEWSBOT_POSTS_DIR={blog.posts}", "-s", f"NEWSBOT_BLOG_URL={BLOG_URL}",
                        "-s", "NEWSBOT_PROFILE_OPTIONS=" + json.dumps({"category": "nankai"}), site=site)
    assert done.returncode == 0, done.stderr[-3000:]
    blog.build(tz="UTC")
    return Built(blog, workdir, "nankai", records(workdir, "nankai"))


BUILDS = ["hexo_recipe", "jekyll_recipe", "jekyll_images"]
IMAGE_BUILDS = ["hexo_recipe", "jekyll_images"]


# --- what a visitor sees ----------------------------------------------------------------
@pytest.mark.parametrize("build", BUILDS)
def test_each_article_is_exactly_one_post_page(request, build):
    built: Built = request.getfixturevalue(build)
    for record in built.records:
        assert len(built.page_of(record)) == 1, record["url"]


@pytest.mark.parametrize("build", BUILDS)
def test_the_posts_are_the_articles_and_the_owners_own(request, build):
    """No file of newsbot's becomes a post: the post pages are the articles' and the one
    post the blog had before."""
    built: Built = request.getfixturevalue(build)
    articles = {page for record in built.records for page in built.page_of(record)}
    others = [built.blog.url_of(p) for p in built.blog.post_pages() if p not in articles]
    assert len(others) == 1, others  # hello-world / welcome-to-jekyll
    assert "hello-world" in others[0] or "welcome-to-jekyll" in others[0]


# What newsbot's private files hold, whatever a generator would make of them.
PRIVATE_MARKS = {
    "the status page": "newsbot status",
    "a run report": '"exit_code"',
    "the JSONL feed": '"body_markdown"',
    "an Atom/RSS feed of newsbot's": "urn:md5:",
    "the SQLite state": "SQLite format 3",
}
PRIVATE_NAMES = (".jsonl", ".atom", ".rss", ".sqlite", ".lock", ".rejected")


@pytest.mark.parametrize("build", BUILDS)
def test_no_private_file_is_published(request, build):
    built: Built = request.getfixturevalue(build)
    server_path = str(built.output.resolve())
    leaks = []
    for path in built.blog.files():
        relative = path.relative_to(built.blog.public).as_posix()
        if path.name.endswith(PRIVATE_NAMES) or "state.sqlite" in path.name or relative.startswith("reports"):
            leaks.append(f"{relative}: a private file by its name")
        text = path.read_bytes().decode("utf-8", "replace")
        leaks += [f"{relative}: {what}" for what, mark in PRIVATE_MARKS.items() if mark in text]
        if server_path in text:
            leaks.append(f"{relative}: the server's path {server_path}")
    assert not leaks, "\n".join(leaks[:20])


@pytest.mark.parametrize("build", ["hexo_recipe", "jekyll_recipe"])
def test_every_post_shows_the_articles_publication_instant(request, build):
    """Built on a UTC clock, each post's datePublished is the record's ``published``."""
    built: Built = request.getfixturevalue(build)
    for record in built.records:
        [page] = built.page_of(record)
        shown = date_published(page.read_text(encoding="utf-8"))
        assert shown == datetime.fromisoformat(record["published"]), (record["url"], shown, record["published"])


@pytest.mark.parametrize("build", BUILDS)
def test_no_template_syntax_reaches_a_post(request, build):
    built: Built = request.getfixturevalue(build)
    for record in built.records:
        [page] = built.page_of(record)
        body = article_body(page.read_text(encoding="utf-8"))
        text = lxml_html.fromstring(body).text_content()
        if build in IMAGE_BUILDS and record["url"].endswith(HOSTILE_ARTICLE):
            # printed as the page had it: not evaluated (no "49", no site title), no raw marks,
            # a paragraph of its own (Hexo: not an HTML block for starting with a raw block)
            assert TEMPLATE_TEXT in text, text[:500]
            assert TEMPLATE_TEXT in [p.text_content().strip() for p in lxml_html.fromstring(body).iter("p")], body[:1000]
            text = text.replace(TEMPLATE_TEXT, "")
        else:
            assert not any(mark in body for mark in TEMPLATE_MARKS), body[:1000]
        assert not any(mark in text for mark in TEMPLATE_MARKS), text[:1000]


@pytest.mark.parametrize("build", IMAGE_BUILDS)
def test_every_local_image_a_post_shows_is_published(request, build):
    """Each image of a post is a file of the published site with the image's bytes."""
    built: Built = request.getfixturevalue(build)
    shown = 0
    for record in built.records:
        [page] = built.page_of(record)
        body = lxml_html.fromstring(article_body(page.read_text(encoding="utf-8")))
        sources = [src for src in body.xpath("//img/@src")]
        assert len(sources) == len(dict.fromkeys(record["images"])), (record["url"], sources)
        for src, remote in zip(sources, dict.fromkeys(record["images"])):
            assert not src.startswith("http://news.nankai.edu.cn"), (record["url"], src)
            path = src[len(BLOG_URL):] if src.startswith(BLOG_URL) else src
            published = built.blog.file_at(path, page)
            assert published.is_file(), (record["url"], src)
            assert published.read_bytes() == jpeg(urlsplit(remote).path)
            shown += 1
    assert shown > 10


def test_hexo_posts_show_the_publication_instant_on_any_servers_clock(hexo_recipe, tmp_path):
    """The recipe's one config line (timezone), not the server's clock, sets the times."""
    blog = Blog(hexo_recipe.blog.kind, tmp_path / "hexo")
    shutil.copytree(hexo_recipe.blog.root, blog.root, symlinks=True, ignore=shutil.ignore_patterns("public", "db.json"))
    blog.build(tz="America/New_York")
    built = Built(blog, hexo_recipe.output, "nankai", hexo_recipe.records)
    for record in built.records:
        [page] = built.page_of(record)
        assert date_published(page.read_text(encoding="utf-8")) == datetime.fromisoformat(record["published"])


def test_posts_are_flat_in_the_posts_folder_and_newsbots_files_apart(hexo_recipe, jekyll_recipe):
    for built, pattern in ((hexo_recipe, "{urlname}.md"), (jekyll_recipe, "*-{urlname}.md")):
        for record in built.records:
            assert len(list(built.blog.posts.glob(pattern.format(urlname=record["urlname"])))) == 1
        assert not [p for p in built.blog.posts.iterdir() if p.is_dir() and not re.fullmatch("[0-9a-f]{32}", p.name)]
        assert (built.output / "index.html").is_file() and (built.output / "reports").is_dir()
        assert (built.output / ".newsbot" / "state.sqlite").is_file()


@pytest.mark.parametrize("kind, spider", [("hexo", "nankai"), ("jekyll", "eastmoney")])
def test_output_in_the_blogs_posts_folder_is_refused(tmp_path, kind, spider):
    """The way the README said until issue 19: one line naming the fix, exit 1, nothing written."""
    blog = Blog.copy(kind, tmp_path)
    before = sorted(blog.root.rglob("*"))
    done, _ = crawl(spider, blog.posts, replay=FIXTURES / spider)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("newsbot: -s NEWSBOT_OUTPUT_DIR=") and "NEWSBOT_POSTS_DIR" in line, line
    assert sorted(blog.root.rglob("*")) == before


@pytest.mark.parametrize("where, published", [
    ("hexo/source/_posts", True), ("hexo/source/newsbot", True), ("hexo/public/newsbot", True),
    ("hexo/source/_newsbot", False), ("hexo/newsbot", False),
    ("jekyll/newsbot", True), ("jekyll/_posts/x", True), ("jekyll/_site", True), ("jekyll/_newsbot", False),
    ("elsewhere", False),
])
def test_what_a_generator_publishes(tmp_path, where, published):
    from newsbot.publish.places import published_by_generator

    (tmp_path / "hexo").mkdir()
    (tmp_path / "hexo" / "_config.yml").write_text("title: x\n")
    (tmp_path / "hexo" / "package.json").write_text('{"hexo": {"version": "7.3.0"}}')
    (tmp_path / "jekyll").mkdir()
    (tmp_path / "jekyll" / "_config.yml").write_text("title: x\n")
    assert bool(published_by_generator(tmp_path / where)) is published


@pytest.mark.parametrize("spider, names", [
    ("nankai", ["NEWSBOT_CONTACT_URL", "NEWSBOT_BLOG_NAME"]),
    ("eastmoney", ["NEWSBOT_CONTACT_URL", "NEWSBOT_BLOG_URL"]),
])
def test_a_live_crawl_refuses_until_the_operators_identity_is_set(tmp_path, spider, names):
    """Refused before any request (no replay, no test server: this would be the live site)."""
    done, _ = crawl(spider, tmp_path / "out")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("newsbot: a live crawl") and all(name in line for name in names), line
    assert not (tmp_path / "out").exists()
    done, _ = crawl(spider, tmp_path / "out", "-s", "NEWSBOT_CONTACT_URL=https://ops.example.org/crawler")
    assert done.returncode == 1 and names[0] not in done.stderr and names[1] in done.stderr


def test_the_operators_identity_is_what_the_posts_and_the_user_agent_carry(http_site, tmp_path):
    done, _ = crawl("nankai", tmp_path, "-a", "columns=nkrw", "-s", "NEWSBOT_CONTACT_URL=mailto:ops@example.org",
                    "-s", "NEWSBOT_BLOG_NAME=校园新闻镜像", site=http_site)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {ua for _, ua in http_site.requests} == {f"newsbot/{version('campus-newsbot')} (+mailto:ops@example.org)"}
    posts = list((tmp_path / "nankai" / "hexo").glob("*.md"))
    assert posts and all(" | 校园新闻镜像\n" in p.read_text(encoding="utf-8") for p in posts)
    assert not any("nankai.info" in p.read_text(encoding="utf-8") for p in posts)


def test_replayed_crawls_keep_the_seeds_blogs(tmp_path):
    done, _ = crawl("eastmoney", tmp_path, replay=FIXTURES / "eastmoney")
    assert done.returncode == 0, done.stderr[-3000:]
    post = next((tmp_path / "eastmoney" / "jekyll").glob("*.md")).read_text(encoding="utf-8")
    assert "(//finews.withounder.com/)" in post


def test_an_installed_wheel_crawls_from_any_directory(tmp_path):
    """pip install of the built wheel (not the checkout), then `newsbot crawl` where there
    is no scrapy.cfg."""
    wheels = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "-w", str(wheels), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = wheels.glob("campus_newsbot-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site_packages = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies from this environment; newsbot itself only from the wheel.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site_packages / "deps.pth").write_text("\n".join(deps) + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    where = subprocess.run([python, "-c", "import newsbot; print(newsbot.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site_packages)), where
    done = subprocess.run([venv / "bin" / "newsbot", "crawl", "nankai", "-s", f"NEWSBOT_REPLAY_DIR={FIXTURES / 'nankai'}",
                           "-s", "NEWSBOT_OUTPUT_DIR=out", "-s", "LOG_LEVEL=WARNING"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(list((tmp_path / "out" / "nankai" / "hexo").glob("*.md"))) == 27
