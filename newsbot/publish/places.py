"""Where a crawl's files go (docs/blog.md).

- newsbot's own files stay in its working directory, ``NEWSBOT_OUTPUT_DIR``: the state
  (``.newsbot/``), ``feeds/``, ``reports/``, the status page ``index.html``, and the posts
  of every profile that has no posts folder, in ``{output}/{site}/{profile}/`` (the layout
  before issue 19, still the default);
- a blog profile's posts go straight into the blog's posts folder, ``NEWSBOT_POSTS_DIR``
  (``{posts}/{file}``, no folders of newsbot's: the post's address is the blog's
  ``permalink``), a Hexo post's images into its asset folder ``{posts}/{urlname}/``, a
  Jekyll post's into ``{site root}/assets/{urlname}/`` (the site root holds ``_posts``),
  where its links (``{site}/assets/{urlname}/…``) find them.

The state records each file by its path relative to the output (``os.path.relpath``:
``../blog/source/_posts/x.md`` for a post in the blog), so restoring, rebuilding and taking
down find the file wherever the run put it.

``published_by_generator`` tells whether Hexo or Jekyll would publish what is in a
directory: newsbot's working directory must not be such a place (the status page, the
run reports and the JSONL would become posts and pages).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from newsbot.publish.images import ASSET_DIRS

BLOG_PROFILES = ("hexo", "jekyll")


def parse_posts_dirs(value) -> dict[str, Path]:
    """``NEWSBOT_POSTS_DIR``: a folder (for the run's blog profile) or a JSON object
    ``{"hexo": folder, "jekyll": folder}``. ``"*"`` keys the plain folder. ValueError when
    it is neither."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, dict) or str(value).lstrip().startswith("{"):
        folders = value if isinstance(value, dict) else json.loads(value)
        if not isinstance(folders, dict) or not folders:
            raise ValueError("give a folder, or a JSON object of profile: folder")
        unknown = [name for name in folders if name not in BLOG_PROFILES]
        if unknown or not all(isinstance(v, str) and v for v in folders.values()):
            raise ValueError(f"the keys are blog profiles ({', '.join(BLOG_PROFILES)}), the values folders")
        return {name: Path(folder) for name, folder in folders.items()}
    return {"*": Path(str(value))}


def jekyll_site_root(posts: Path) -> Path:
    """The Jekyll site that holds this posts folder: the parent of its ``_posts``."""
    for folder in (posts, *posts.parents):
        if folder.name == "_posts":
            return folder.parent
    raise ValueError(f"{posts} is not a Jekyll _posts folder (nor inside one)")


class Places:
    def __init__(self, output: Path, posts: dict[str, Path] | None = None):
        self.output = Path(output)
        self.posts = dict(posts or {})

    @classmethod
    def from_settings(cls, settings) -> Places:
        return cls(Path(settings.get("NEWSBOT_OUTPUT_DIR") or "output"),
                   parse_posts_dirs(settings.get("NEWSBOT_POSTS_DIR")))

    def posts_dir(self, profile: str) -> Path | None:
        """The blog's posts folder this profile writes into, if it has one."""
        if profile not in BLOG_PROFILES:
            return None
        return self.posts.get(profile) or self.posts.get("*")

    def folders(self) -> list[Path]:
        """Every folder outside the output the run writes into."""
        found = []
        for profile in BLOG_PROFILES:
            posts = self.posts_dir(profile)
            if posts is not None:
                found.append(posts)
                if profile == "jekyll":
                    found.append(jekyll_site_root(posts) / "assets")
        return list(dict.fromkeys(found))

    def post(self, site: str, profile: str, filename: str) -> Path:
        """Where the post's file goes, relative to the output (it may climb out of it)."""
        posts = self.posts_dir(profile)
        if posts is None:
            return Path(site, profile, filename)
        return self.relative(posts / filename)

    def images(self, site: str, profile: str, urlname: str) -> Path:
        """The folder of the post's local images, relative to the output."""
        posts = self.posts_dir(profile)
        if posts is None:
            return Path(site, profile, ASSET_DIRS[profile].format(urlname=urlname))
        if profile == "hexo":
            return self.relative(posts / urlname)
        return self.relative(jekyll_site_root(posts) / "assets" / urlname)

    @staticmethod
    def images_of_post(post: Path, urlname: str) -> Path | None:
        """The folder of a written post's local images and attachments (where ``images`` put them), from
        the post's path relative to the output, wherever the run put it (what a takedown
        removes). Posts are named as ``newsbot.publish.profiles.PROFILES`` names them:
        hexo ``{urlname}.md``, jekyll ``YYYY-MM-DD-{urlname}.md``, text (no images) ``.txt``."""
        post = Path(post)
        if post.name == f"{urlname}.md":  # hexo: the post's asset folder, beside it
            return post.parent / ASSET_DIRS["hexo"].format(urlname=urlname)
        if post.name.endswith(f"-{urlname}.md"):  # jekyll
            try:
                return jekyll_site_root(post.parent) / "assets" / urlname
            except ValueError:  # not in a blog's _posts: the default layout, {output}/{site}/jekyll/
                return post.parent / ASSET_DIRS["jekyll"].format(urlname=urlname)
        return None

    def relative(self, path: Path) -> Path:
        return Path(os.path.relpath(Path(path).absolute(), self.output.absolute()))


# --- what a site generator publishes ------------------------------------------------------
def _site_kind(folder: Path) -> str | None:
    """"hexo" or "jekyll" when ``folder`` is the root of such a site."""
    if not (folder / "_config.yml").is_file():
        return None
    try:
        package = (folder / "package.json").read_text(encoding="utf-8")
    except OSError:
        package = ""
    return "hexo" if '"hexo"' in package else "jekyll"


def published_by_generator(directory) -> str | None:
    """Why Hexo or Jekyll would publish the files of ``directory`` (None: it would not).

    Hexo renders every file under ``source/`` but those in ``_``- or ``.``-folders, and in
    ``source/_posts`` every file it can render (.html, .json, .md) as a post; Jekyll copies
    or renders every file of the site but those in ``_``- or ``.``-folders (``_posts`` holds
    posts), and ``public/`` and ``_site/`` are where each writes the site it builds.
    """
    path = Path(directory).absolute()
    for root in path.parents if not (path / "_config.yml").is_file() else (path, *path.parents):
        kind = _site_kind(root)
        if kind is None:
            continue
        parts = path.relative_to(root).parts
        if kind == "hexo":
            if parts[:1] == ("public",):
                return f"{directory} is inside the Hexo site {root}'s public/ (the built site, rewritten by hexo generate)"
            if parts[:1] != ("source",):
                return None
            inner = parts[1:]
            if inner[:1] == ("_posts",):
                return f"{directory} is inside the Hexo site {root}'s source/_posts: Hexo publishes its .html and .json files as posts"
            if any(part.startswith(("_", ".")) for part in inner):
                return None
            return f"{directory} is inside the Hexo site {root}'s source/: Hexo publishes every file there"
        if parts[:1] in (("_site",), ("_posts",)):
            return f"{directory} is inside the Jekyll site {root}'s {parts[0]}/"
        if any(part.startswith(("_", ".")) for part in parts):
            return None
        return f"{directory} is inside the Jekyll site {root}: Jekyll publishes every file there"
    return None
