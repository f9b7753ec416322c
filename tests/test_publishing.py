"""Publishing after the run (issue 19 points 9 and 11): merge-shards rebuilds the Atom/RSS
feeds and the status page; a `newsbot feeds` run that fails changes nothing; every Atom and
RSS feed names itself (rel="self")."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from .conftest import newsbot

ATOM = "{http://www.w3.org/2005/Atom}"


def snapshot(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_merge_shards_rebuilds_the_feeds_and_the_status_page(nankai_crawl, tmp_path):
    """A cluster run leaves shards; one command merges them and publishes what they hold."""
    source, _ = nankai_crawl
    output = tmp_path / "out"
    shutil.copytree(source, output)
    merged = output / "feeds" / "nankai.jsonl"
    lines = merged.read_text(encoding="utf-8").splitlines(keepends=True)
    merged.unlink()
    for path in (output / "feeds").glob("nankai*.atom"):
        path.unlink()
    (output / "index.html").write_text("stale")
    (output / "feeds" / "nankai.w1.jsonl").write_text("".join(lines[::2]), encoding="utf-8")
    (output / "feeds" / "nankai.w2.jsonl").write_text("".join(lines[1::2]), encoding="utf-8")
    done = newsbot("merge-shards", "--output", str(output), "--spider", "nankai")
    assert done.returncode == 0, done.stderr
    atom = feedparser.parse((output / "feeds" / "nankai.atom").read_bytes())
    assert len(atom.entries) == len(lines)
    assert (output / "feeds" / "nankai-ywsd.atom").is_file()
    assert "newsbot status" in (output / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_feeds_run_that_fails_changes_nothing(nankai_crawl, tmp_path):
    source, _ = nankai_crawl
    output = tmp_path / "out"
    shutil.copytree(source, output)
    before = snapshot(output)
    # A spider with no JSONL feed in this output (one that does not exist at all is refused
    # as a bad --spider before anything is read: tests/test_every_bad_input.py).
    done = newsbot("feeds", "--output", str(output), "--spider", "bistu")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("newsbot: ") and "bistu.jsonl" in line and "nothing was written" in line
    assert snapshot(output) == before


@pytest.mark.slow
def test_feeds_for_one_spider_keep_every_spider_on_the_status_page(nankai_crawl, tmp_path):
    source, _ = nankai_crawl
    output = tmp_path / "out"
    shutil.copytree(source, output)
    other = output / "feeds" / "other.jsonl"
    shutil.copy(output / "feeds" / "nankai.jsonl", other)
    assert newsbot("feeds", "--output", str(output)).returncode == 0
    page = (output / "index.html").read_text(encoding="utf-8")
    assert newsbot("feeds", "--output", str(output), "--spider", "nankai").returncode == 0
    assert (output / "index.html").read_text(encoding="utf-8").count('id="spider-') == page.count('id="spider-') == 2


def self_links(path: Path) -> list[str]:
    tree = etree.parse(str(path))
    return [link.get("href") for link in tree.iter(f"{ATOM}link") if link.get("rel") == "self"]


@pytest.mark.slow
def test_every_feed_names_itself(nankai_crawl, tmp_path):
    output, _ = nankai_crawl
    for path in sorted((output / "feeds").glob("*.atom")) + sorted((output / "feeds").glob("*.rss")):
        assert self_links(path) == [path.name], path  # relative: wherever the feed is fetched from
    copy = tmp_path / "out"
    shutil.copytree(output, copy)
    done = newsbot("feeds", "--output", str(copy), "--feeds-url", "https://blog.example.org/newsbot/feeds")
    assert done.returncode == 0, done.stderr
    for path in sorted((copy / "feeds").glob("*.atom")) + sorted((copy / "feeds").glob("*.rss")):
        assert self_links(path) == [f"https://blog.example.org/newsbot/feeds/{path.name}"]
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.bozo_exception)
