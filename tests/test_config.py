"""Bad settings and spider arguments stop ``scrapy crawl`` at once: exit 1, one line on
stderr that names the setting or argument and says what is allowed, no traceback, and
nothing written (no output dir, state, lock or report), before any request is made."""

import subprocess

import pytest

from .conftest import ROOT, crawl_command

pytestmark = pytest.mark.slow  # every test here starts a process

BAD = [
    # (spider, arguments, words the one line must contain)
    ("nankia", [], ["no spider 'nankia'", "bistu, campus, eastmoney, nankai"]),
    ("nankai", ["-a", "columns=ywsd,nosuch"], ["-a columns", "nosuch", "ywsd, zhxw"]),
    ("nankai", ["-s", "NEWSBOT_COLUMNS=nosuch"], ["-s NEWSBOT_COLUMNS", "nosuch"]),
    ("nankai", ["-a", "since=last week"], ["-a since", "YYYY-MM-DD"]),
    ("nankai", ["-a", "since=2023-13-45"], ["-a since", "YYYY-MM-DD"]),
    ("nankai", ["-a", "max_pages=0"], ["-a max_pages", "1 or more"]),
    ("nankai", ["-a", "max_pages=-1"], ["-a max_pages", "1 or more"]),
    ("nankai", ["-a", "max_pages=ten"], ["-a max_pages", "whole number"]),
    ("nankai", ["-a", "backfill=maybe"], ["-a backfill", "1 or 0"]),
    ("nankai", ["-a", "colums=ywsd"], ["-a colums", "columns, since, backfill, max_pages"]),
    ("bistu", ["-a", "outlet=x"], ["-a outlet", "takes columns"]),
    ("eastmoney", ["-a", "outlte=x"], ["-a outlte", "outlet"]),
    ("campus", ["-a", "site=nosuch"], ["-a site=nosuch", "tju", "or all"]),
    ("campus", [], ["-a site is missing", "tju"]),
    ("campus", ["-a", "site=tju", "-a", "sites=ecnu"], ["-a sites", "site"]),
    ("nankai", ["-s", "NEWSBOT_FORMAT=markdown"], ["NEWSBOT_FORMAT", "hexo, jekyll, text"]),
    ("nankai", ["-s", "NEWSBOT_FORMAT=hexo,jekyll"], ["NEWSBOT_FORMAT", "nankai", "jekyll", "site"]),
    ("nankai", ["-s", "NEWSBOT_PROFILE_OPTIONS={blog: x}"], ["NEWSBOT_PROFILE_OPTIONS", "JSON"]),
    ("nankai", ["-s", 'NEWSBOT_PROFILE_OPTIONS=["x"]'], ["NEWSBOT_PROFILE_OPTIONS", "JSON object"]),
    ("nankai", ["-s", "NEWSBOT_HOST_MAP={news.nankai.edu.cn: 1}"], ["NEWSBOT_HOST_MAP", "JSON"]),
    ("nankai", ["-s", 'NEWSBOT_HOST_MAP={"news.nankai.edu.cn": "127.0.0.1:8080"}'],
     ["NEWSBOT_HOST_MAP", "not an http(s) URL"]),
    ("nankai", ["-s", "NEWSBOT_ALARM_MAX_BROKEN_SHARE=20%"], ["NEWSBOT_ALARM_MAX_BROKEN_SHARE", "0 to 1"]),
    ("nankai", ["-s", "NEWSBOT_ALARM_MAX_BROKEN_SHARE=2"], ["NEWSBOT_ALARM_MAX_BROKEN_SHARE", "0 to 1"]),
    ("nankai", ["-s", "NEWSBOT_REPLAY_DIR=/nonexistent/fixtures"], ["NEWSBOT_REPLAY_DIR", "no such directory"]),
    ("nankai", ["-s", "NEWSBOT_CHINESE=t2x"], ["NEWSBOT_CHINESE", "t2s"]),
    ("nankai", ["-s", "NEWSBOT_SITES_FILE=/nonexistent/sites.yaml"], ["NEWSBOT_SITES_FILE", "no such file"]),
    ("nankai", ["-s", "NEWSBOT_OUPUT_DIR=/tmp/x"], ["NEWSBOT_OUPUT_DIR", "no such setting", "NEWSBOT_OUTPUT_DIR"]),
    ("nankai", ["-s", "NEWSBOT_FILE_MODE=rw-r--r--"], ["NEWSBOT_FILE_MODE", "0644"]),
    ("nankai", ["-s", "NEWSBOT_FILE_MODE=0755"], ["NEWSBOT_FILE_MODE", "without execute bits"]),
    ("nankai", ["-s", "NEWSBOT_RETRY_AFTER_MAX=soon"], ["NEWSBOT_RETRY_AFTER_MAX", "seconds"]),
    ("nankai", ["-s", "NEWSBOT_CONTACT_URL=me@example.org"], ["NEWSBOT_CONTACT_URL", "http(s) URL"]),
    ("nankai", ["-s", "NEWSBOT_STATE=/tmp"], ["NEWSBOT_STATE", "is a directory"]),
]


@pytest.mark.parametrize("spider, args, words", BAD, ids=[" ".join(case[1]) or case[0] for case in BAD])
def test_a_bad_setting_or_argument_stops_the_crawl_with_one_line(http_site, tmp_path, spider, args, words):
    output = tmp_path / "out"
    done = subprocess.run(crawl_command(spider, output, *args, site=http_site), cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: "), done.stderr[-3000:]
    for word in words:
        assert word in lines[0]
    assert not output.exists()  # no state, lock, output or report
    assert http_site.paths() == []


def test_a_bad_sites_file_names_the_file_and_the_entry(http_site, tmp_path):
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  mine:\n    display_name: 我的\n    host: news.example.edu.cn\n"
                     "    family: vsb\n", encoding="utf-8")
    output = tmp_path / "out"
    done = subprocess.run(crawl_command("campus", output, "-a", "site=mine", "-s", f"NEWSBOT_SITES_FILE={sites}"),
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "NEWSBOT_SITES_FILE" in line and "'mine'" in line and "columns" in line
    assert not output.exists()


def test_a_valid_run_is_not_refused(http_site, tmp_path):
    done = subprocess.run(crawl_command("nankai", tmp_path, "-a", "columns=nkrw", "-a", "max_pages=1",
                                        "-a", "since=2020-01-01", "-a", "backfill=0",
                                        "-s", "NEWSBOT_FORMAT=hexo,text", "-s", "NEWSBOT_CHINESE=t2s",
                                        "-s", "NEWSBOT_ALARM_MAX_BROKEN_SHARE=0.5", site=http_site),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "nankai" / "text").glob("*.txt"))
