"""Real blogs for tests: the site generators newsbot's posts are written for, run for real.

- Hexo 7: ``tests/blog/hexo`` is hexo-cli's starter site (``hexo init``: landscape theme,
  marked, the index/archive/category/tag generators; hexo-server left out) with its
  ``package.json`` pinned and its ``package-lock.json``. Its ``node_modules`` are installed
  once per lockfile by ``npm ci`` from the npm registry into a cache directory
  (``$NEWSBOT_TEST_CACHE``, default ``~/.cache/newsbot-tests``) and linked into each copy of
  the site. Without ``npm`` the tests that need it skip, saying so.
- Jekyll 4: ``tests/blog/jekyll`` is ``jekyll new --skip-bundle`` (theme minima, plugin
  jekyll-feed) without the Gemfile: Debian's ``jekyll``, ``jekyll-theme-minima``,
  ``ruby-jekyll-feed`` and ``ruby-jekyll-seo-tag`` packages build it with no network and no
  bundler. Without ``jekyll`` the tests that need it skip, saying so.

``Blog.copy(kind, tmp)`` lays out a fresh site; ``build(tz)`` runs ``hexo generate`` /
``jekyll build`` with the machine's timezone set to ``tz``; the rest reads what the
generator published, as a visitor would see it.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml

TEMPLATES = Path(__file__).resolve().parent / "blog"
CACHE = Path(os.environ.get("NEWSBOT_TEST_CACHE") or Path.home() / ".cache" / "newsbot-tests")


def hexo_modules() -> Path:
    """The Hexo site's node_modules, installed from the lockfile once (cached by its hash)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not found: the real Hexo build needs Node.js and npm (Debian: apt-get install nodejs npm)")
    template = TEMPLATES / "hexo"
    lock = (template / "package-lock.json").read_bytes() + (template / "package.json").read_bytes()
    target = CACHE / f"hexo-{hashlib.sha256(lock).hexdigest()[:16]}"
    if (target / "node_modules" / ".bin" / "hexo").exists():
        return target / "node_modules"
    CACHE.mkdir(parents=True, exist_ok=True)
    # One npm ci at a time (pytest-xdist's workers, two checkouts' runs): the others wait for
    # it and use its result.
    with open(CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "node_modules" / ".bin" / "hexo").exists():
            return target / "node_modules"
        return install_hexo_modules(npm, template, target)


def install_hexo_modules(npm: str, template: Path, target: Path) -> Path:
    staging = CACHE / f".staging-{os.getpid()}-{target.name}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(template / name, staging / name)
    # --ignore-scripts: no install script from the registry runs here (the one in this tree,
    # hexo-util's, rebuilds a file its package already ships).
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=staging,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"npm ci of {template} failed (the npm registry must be reachable):\n{done.stderr[-3000:]}")
    try:
        staging.rename(target)  # atomic: a test run in parallel sees all of it or none
    except OSError:  # another run got there first
        shutil.rmtree(staging, ignore_errors=True)
    return target / "node_modules"


JEKYLL_GEMS = ("minima", "jekyll-feed", "jekyll-seo-tag")  # the theme of `jekyll new` and its plugins


@functools.cache
def jekyll_command() -> str | None:
    jekyll, gem = shutil.which("jekyll"), shutil.which("gem")
    if jekyll is None or gem is None:
        return None
    found = [subprocess.run([gem, "list", "-i", name], capture_output=True, text=True).stdout.strip() == "true"
             for name in JEKYLL_GEMS]
    return jekyll if all(found) else None


def need_jekyll() -> str:
    jekyll = jekyll_command()
    if jekyll is None:
        pytest.skip("jekyll not found, or its minima theme, jekyll-feed or jekyll-seo-tag: the real Jekyll build "
                    "needs Debian's jekyll, jekyll-theme-minima, ruby-jekyll-feed and ruby-jekyll-seo-tag")
    return jekyll


@dataclass
class Blog:
    kind: str  # "hexo" | "jekyll"
    root: Path

    @classmethod
    def copy(cls, kind: str, parent: Path) -> Blog:
        """A fresh copy of the test site in ``parent/kind``."""
        root = parent / kind
        if kind == "hexo":
            modules = hexo_modules()
            shutil.copytree(TEMPLATES / "hexo", root)
            (root / "node_modules").symlink_to(modules, target_is_directory=True)
        else:
            need_jekyll()
            shutil.copytree(TEMPLATES / "jekyll", root)
        return cls(kind, root)

    # --- the site's configuration -------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "_config.yml"

    def add_config(self, text: str) -> None:
        """Apply config lines as docs/blog.md tells an owner to: keys given here replace the
        starter's own (a YAML file must not repeat a key)."""
        config = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        config.update(yaml.safe_load(text))
        self.config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")

    @property
    def posts(self) -> Path:
        """The posts folder docs/blog.md points a crawl at."""
        return self.root / ("source/_posts" if self.kind == "hexo" else "_posts")

    @property
    def public(self) -> Path:
        return self.root / ("public" if self.kind == "hexo" else "_site")

    # --- the build -----------------------------------------------------------------------
    def build(self, tz: str = "UTC") -> subprocess.CompletedProcess:
        env = {**os.environ, "TZ": tz}
        if self.kind == "hexo":
            command = [str(self.root / "node_modules" / ".bin" / "hexo"), "generate"]
        else:
            command = [need_jekyll(), "build"]
        done = subprocess.run(command, cwd=self.root, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    # --- what was published --------------------------------------------------------------
    def files(self) -> list[Path]:
        return sorted(p for p in self.public.rglob("*") if p.is_file())

    def html_pages(self) -> list[Path]:
        return [p for p in self.files() if p.suffix == ".html"]

    def post_pages(self) -> list[Path]:
        """The pages the generator made of posts (not lists of posts, not the theme's)."""
        if self.kind == "jekyll":  # minima's post layout
            return [p for p in self.html_pages() if 'class="post h-entry"' in p.read_text(encoding="utf-8")]
        listing = {"page", "archives", "categories", "tags"}
        return [p for p in self.html_pages()
                if p.relative_to(self.public).parts[0] not in listing and p != self.public / "index.html"
                and p.read_text(encoding="utf-8").count("<article ") == 1]

    def url_of(self, page: Path) -> str:
        """The page's path on the site, as a visitor requests it."""
        path = "/" + page.relative_to(self.public).as_posix()
        return path[: -len("index.html")] if path.endswith("/index.html") else path

    def file_at(self, url_path: str, page: Path) -> Path:
        """The published file a URL in ``page`` points at (relative or root-relative)."""
        from urllib.parse import unquote, urljoin, urlsplit

        path = unquote(urlsplit(urljoin(self.url_of(page), url_path)).path)
        return self.public / path.lstrip("/")


def article_body(page_html: str) -> str:
    """The HTML of the post's body (both themes mark it ``itemprop="articleBody"``)."""
    start = page_html.index('itemprop="articleBody"')
    start = page_html.index(">", start) + 1
    end = page_html.index("</article>", start)
    return page_html[start:end]


def source_link_pattern(url: str) -> re.Pattern:
    """The post's link to its source: ``[转入文章首发地址](url)`` (hexo) or ``<url>`` (jekyll)."""
    href = re.escape(html.escape(url, quote=True))
    return re.compile(f'href="{href}"[^>]*>(?:转入文章首发地址|{href})</a>')


def date_published(page_html: str) -> datetime:
    """The instant the theme's ``<time itemprop="datePublished">`` states."""
    [value] = re.findall(r'<time[^>]*datetime="([^"]+)"[^>]*itemprop="datePublished"', page_html)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
