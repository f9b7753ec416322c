"""Atom/RSS feeds per site and per column (newsbot/publish/feeds.py), read back with feedparser."""

import hashlib
import json
import shutil
import subprocess
import sys

import feedparser
import pytest

from newsbot.cli import main
from newsbot.publish.feeds import SCAN_FACTOR, lines_from_end, scan_jsonl, write_feeds

from .conftest import FIXTURES, ROOT, crawl, feed_records


def parse(path):
    # Not sanitised by feedparser, so the content compares with the record's byte for byte.
    parsed = feedparser.parse(path.read_bytes(), sanitize_html=False, resolve_relative_uris=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_crawl_writes_an_atom_feed_per_site_and_column(nankai_crawl):
    output, _ = nankai_crawl
    records = feed_records(output)
    by_id = {f"urn:md5:{r['urlname']}": r for r in records}
    site = parse(output / "feeds" / "nankai.atom")
    assert site.feed.title == "南开大学"
    assert len(site.entries) == len(records)  # 27 < NEWSBOT_FEED_ENTRIES
    stamps = [e.published_parsed for e in site.entries]
    assert stamps == sorted(stamps, reverse=True)  # newest publication first
    raw = (output / "feeds" / "nankai.atom").read_text(encoding="utf-8")
    for entry in site.entries:
        record = by_id[entry.id]  # the id is the urlname's
        assert entry.link == record["url"]
        assert entry.title == record["title"]
        assert entry.published.endswith("+08:00") and entry.published == record["published"]
        assert entry.content[0].value == record["body_html"]
        assert [a.name for a in entry.get("authors", [])] == record["author"]
        assert [e.href for e in entry.enclosures] == record["images"]
        assert [(t.term, t.label) for t in entry.tags] == [
            ({"南开要闻": "ywsd", "综合新闻": "zhxw", "媒体南开": "mtnk", "南开人物": "nkrw"}[n], n) for n in record["columns"]]
        assert all(e.type == "image/jpeg" for e in entry.enclosures if e.href.endswith(".jpg"))
    assert f"<published>{records[0]['published']}</published>" in raw

    ywsd = parse(output / "feeds" / "nankai-ywsd.atom")
    assert ywsd.feed.title == "南开大学 · 南开要闻"
    listed = {f"urn:md5:{r['urlname']}" for r in records if "南开要闻" in r["columns"]}
    assert {e.id for e in ywsd.entries} == listed and listed
    two = next(r for r in records if len(r["columns"]) > 1)  # listed in two columns: in both feeds
    for name in two["columns"]:
        code = {"南开要闻": "ywsd", "综合新闻": "zhxw", "媒体南开": "mtnk", "南开人物": "nkrw"}[name]
        assert f"urn:md5:{two['urlname']}" in {e.id for e in parse(output / "feeds" / f"nankai-{code}.atom").entries}


def test_rss_twin_carries_the_same_items(nankai_crawl):
    output, _ = nankai_crawl
    atom = parse(output / "feeds" / "nankai-mtnk.atom")
    rss = parse(output / "feeds" / "nankai-mtnk.rss")
    assert rss.version == "rss20"
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries]
    for item, entry in zip(rss.entries, atom.entries):
        assert item.link == entry.link
        assert [e.href for e in item.enclosures] == [e.href for e in entry.enclosures][:1]  # RSS: one


def test_newsbot_feeds_rewrites_them_with_the_newest_entries(nankai_crawl, tmp_path, capsys):
    output = tmp_path / "out"
    shutil.copytree(nankai_crawl[0], output)
    for path in (output / "feeds").glob("*.atom"):
        path.unlink()
    assert main(["feeds", "--output", str(output), "--entries", "3"]) == 0
    printed = capsys.readouterr().out
    assert str(output / "feeds" / "nankai-ywsd.atom") in printed and str(output / "index.html") in printed
    records = feed_records(output)
    for name in ("nankai", "nankai-ywsd", "nankai-zhxw"):
        entries = parse(output / "feeds" / f"{name}.atom").entries
        assert len(entries) == 3
    # The 3 most recently written, shown newest publication first.
    newest = sorted(records[-3:], key=lambda r: r["published"], reverse=True)
    assert [e.id for e in parse(output / "feeds" / "nankai.atom").entries] == [f"urn:md5:{r['urlname']}" for r in newest]
    before = (output / "feeds" / "nankai.atom").read_bytes()
    assert main(["feeds", "--output", str(output), "--entries", "3", "--spider", "nankai"]) == 0
    assert (output / "feeds" / "nankai.atom").read_bytes() == before  # same records, same bytes


def test_newsbot_feeds_on_a_missing_output_says_so(tmp_path, capsys):
    assert main(["feeds", "--output", str(tmp_path / "nothing")]) == 1
    assert "nothing' is not allowed: no such directory" in capsys.readouterr().err


def record(i, **fields):
    url = f"https://news.nankai.edu.cn/ywsd/system/2024/01/{1 + i % 28:02d}/0300{i:05d}.shtml"
    base = {"url": url, "urlname": hashlib.md5(url.encode()).hexdigest(), "site": "nankai",
            "source": "南开大学", "title": f"标题 {i}", "columns": ["南开要闻"],
            "published": f"2024-01-{1 + i % 28:02d}T09:00:00+08:00",
            "crawled_at": "2024-02-01T09:00:00+08:00", "author": [], "byline": None,
            "body_html": f"<p>正文 {i}</p>", "images": []}
    return {**base, **fields}


def write_jsonl(path, records, prefix=b""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(prefix + "".join(json.dumps(r) + "\n" for r in records).encode())


def test_lines_from_end_across_block_boundaries(tmp_path):
    path = tmp_path / "x.jsonl"
    lines = [("行" * (i % 13)) + str(i) for i in range(200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for block in (1, 7, 64, 1 << 16):
        assert [line.decode() for line in lines_from_end(path, block)] == lines[::-1]
    path.write_text("a\n\nb", encoding="utf-8")  # no final newline, an empty line
    assert list(lines_from_end(path, 2)) == [b"b", b"a"]


def test_only_the_end_of_a_long_history_is_read(tmp_path):
    """Garbage at the start of the file is never reached: the scan stops once the site's
    feed and each of its columns' is full, and never reads more than SCAN_FACTOR x entries
    records."""
    path = tmp_path / "feeds" / "nankai.jsonl"
    every_column = ["南开要闻", "综合新闻", "媒体南开", "南开人物", "学术活动", "国际交流"]
    write_jsonl(path, [record(i, columns=every_column) for i in range(3000)], prefix=b"not json\n" * 100_000)
    scan = scan_jsonl(path, entries=10)
    assert scan.read == 10 and scan.bad == 0
    assert [r["title"] for r in scan.records["nankai-ywsd"]] == [f"标题 {i}" for i in range(2999, 2989, -1)]
    # A column that is never full: the scan stops at the bound, still before the garbage.
    write_jsonl(path, [record(i, columns=["南开要闻"] if i % 100 else ["国际交流"]) for i in range(3000)],
                prefix=b"not json\n" * 100_000)
    scan = scan_jsonl(path, entries=10)
    assert scan.read == SCAN_FACTOR * 10 and scan.bad == 0
    assert len(scan.records["nankai-ywsd"]) == 10
    assert [r["title"] for r in scan.records["nankai-gjjl"]] == ["标题 2900", "标题 2800"]


def test_a_record_no_feed_wants_is_not_decoded_and_the_scan_is_the_same(tmp_path, monkeypatch):
    """Once a feed is full, a line whose site and columns' feeds are all full is passed over
    undecoded (most of a backfill's tail: 30 KB lines). The scan comes out as it does when
    every line is decoded: rare columns, lines with escaped names, duplicates and junk."""
    import newsbot.publish.feeds as syndication

    path = tmp_path / "feeds" / "nankai.jsonl"
    columns = [["南开要闻"], ["综合新闻"], ["南开要闻", "媒体南开"], ["国际交流"], [], ["不存在的栏目"]]
    lines = [json.dumps(record(i, columns=columns[i % 6] if i % 7 else ["南开人物"], body_html="<p>正文</p>" * 300),
                        ensure_ascii=i % 3 == 0) for i in range(1200)]
    lines[-40] = lines[-41]  # the same record twice
    lines[-30] = '{"site": "nankai", "columns": ["南开要闻"], "torn'
    lines[-20] = json.dumps(record(5000, site="other", columns=["南开要闻"]), ensure_ascii=False)
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    decoded = []

    def counting_loads(text, *args, **kwargs):
        if text[:1] in (b"{", "{"):  # a line; not the columns the skip test decodes
            decoded.append(text)
        return json.loads(text, *args, **kwargs)

    monkeypatch.setattr(syndication, "json", type("json", (), {"loads": staticmethod(counting_loads)}))
    passing_over = scan_jsonl(path, entries=10)
    skipped = passing_over.read - len(decoded)
    monkeypatch.setattr(syndication, "_wanted_by_no_feed", lambda *args: False)
    decoded.clear()
    decoding_all = scan_jsonl(path, entries=10)
    assert len(decoded) == decoding_all.read == passing_over.read == SCAN_FACTOR * 10
    assert skipped > decoding_all.read // 2
    assert passing_over.records == decoding_all.records and passing_over.sites == decoding_all.sites
    assert set(passing_over.records) == {"nankai", "nankai-ywsd", "nankai-zhxw", "nankai-mtnk", "nankai-nkrw",
                                         "nankai-gjjl", "other"}
    assert len(passing_over.records["nankai-gjjl"]) == 10 and passing_over.bad == decoding_all.bad == 1


def test_hostile_records_do_not_break_the_feed(tmp_path):
    output = tmp_path / "out"
    records = [
        record(1, title="控制\x0b字符\x00与孤立代理\ud800", byline="记者 张三", author=[],
               body_html="<p>a\x01b &amp; <b>c</b></p>",
               images=["javascript:alert(1)", "https://x.edu.cn/a.png?x=1", "https://x.edu.cn/pic"]),
        record(2, title=None, published=None, columns=["不存在的栏目"]),
        record(3, body_html=None, body_text="第一段\n第二段 <b>"),
    ]
    write_jsonl(output / "feeds" / "nankai.jsonl", records)
    with open(output / "feeds" / "nankai.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"no": "urlname"}\nnot json at all\n{"torn": ')
    published = write_feeds(output, entries=10)
    assert not published.failures
    assert published.scans["nankai"].bad == 3
    entries = {e.id: e for e in parse(output / "feeds" / "nankai.atom").entries}
    first = entries[f"urn:md5:{records[0]['urlname']}"]
    assert first.title == "控制字符与孤立代理"
    assert first.author == "记者 张三"  # no names parsed out: the byline as stated
    assert first.content[0].value == "<p>ab &amp; <b>c</b></p>"
    assert [(e.href, e.type) for e in first.enclosures] == [
        ("https://x.edu.cn/a.png?x=1", "image/png"), ("https://x.edu.cn/pic", "application/octet-stream")]
    second = entries[f"urn:md5:{records[1]['urlname']}"]
    assert second.title == records[1]["url"] and second.updated == "2024-02-01T09:00:00+08:00"
    third = entries[f"urn:md5:{records[2]['urlname']}"]
    assert third.content[0].value == "<p>第一段</p><p>第二段 &lt;b&gt;</p>"
    assert {e.id for e in parse(output / "feeds" / "nankai-ywsd.atom").entries} == {
        f"urn:md5:{records[0]['urlname']}", f"urn:md5:{records[2]['urlname']}"}


@pytest.mark.slow
def test_a_publish_failure_is_logged_and_counted_not_fatal(tmp_path):
    """A feed that cannot be written (here: a directory in its place) costs that feed
    only: the crawl still exits 0, the other feeds and the status page are written."""
    output = tmp_path / "out"
    (output / "feeds" / "nankai.atom").mkdir(parents=True)
    done, report = crawl("nankai", output, replay=FIXTURES / "nankai")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] > 0
    assert "could not write the nankai feed" in done.stderr
    assert "'newsbot/errors/publish': 1" in done.stderr
    assert parse(output / "feeds" / "nankai-ywsd.atom").entries
    assert (output / "index.html").exists()


@pytest.mark.slow
def test_feed_entries_setting_limits_a_crawl(tmp_path):
    output = tmp_path / "out"
    done, _ = crawl("nankai", output, "-s", "NEWSBOT_FEED_ENTRIES=2", replay=FIXTURES / "nankai")
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(parse(output / "feeds" / "nankai.atom").entries) == 2


@pytest.mark.slow
def test_demo_prints_the_feeds_and_the_status_page(tmp_path):
    done = subprocess.run([sys.executable, "-m", "newsbot.cli", "demo", "--output", str(tmp_path / "demo")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert str(tmp_path / "demo" / "feeds" / "nankai.atom") in done.stdout
    assert str(tmp_path / "demo" / "index.html") in done.stdout
    assert parse(tmp_path / "demo" / "feeds" / "nankai.atom").entries
    assert (tmp_path / "demo" / "index.html").exists()


def test_urls_are_written_as_a_browser_sends_them_in_the_record_and_the_feeds(tmp_path):
    """Issue 21 class 5: an image URL holding '<', '>', '"', spaces or non-ASCII is
    percent-encoded where newsbot writes it: the record (read from a real template, realpages
    004, its body cell holding the hostile image) and the Atom and RSS enclosures (also from
    an old record that still holds the raw URL)."""
    from newsbot.extract import extract, prepare
    from newsbot.items import article_record

    from .test_media import NANKAI_URL, with_body_cell

    page = with_body_cell('<p>　　图片新闻。</p><p><img src=\'/pic/a.png)<script>alert(1)</script>\'>'
                          '<img src="/pic/新 图.jpg"></p>')
    written = article_record(prepare(extract(NANKAI_URL, page)))
    assert written["images"] == ["https://news.nankai.edu.cn/pic/a.png)%3Cscript%3Ealert(1)%3C/script%3E",
                                 "https://news.nankai.edu.cn/pic/%E6%96%B0%20%E5%9B%BE.jpg"]
    assert "<script" not in written["body_html"] and "<script" not in written["body_markdown"]
    output = tmp_path / "out"
    old = record(2, images=['http://x.example/b.png)<script>alert(1)</script>', "http://x.example/图 2.png"])
    write_jsonl(output / "feeds" / "nankai.jsonl", [record(1, images=written["images"]), old])
    assert not write_feeds(output, entries=10).failures
    hrefs = sorted(e.href for entry in parse(output / "feeds" / "nankai.atom").entries for e in entry.enclosures)
    assert hrefs == sorted([*written["images"], "http://x.example/b.png)%3Cscript%3Ealert(1)%3C/script%3E",
                            "http://x.example/%E5%9B%BE%202.png"])
    rss = (output / "feeds" / "nankai.rss").read_text(encoding="utf-8")
    assert "<script" not in rss and "&lt;script" not in rss and "%3Cscript%3E" in rss
