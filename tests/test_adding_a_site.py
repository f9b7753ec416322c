"""docs/sites.md, "Adding a campus site", step by step, on a site defined in a sites file of the
user's own: record pages from the site (here a local mirror, through --host-map), check one
page and the whole site offline, and the built-in sites stay available beside it. Also:
``newsbot record`` failures are one line and exit 1 (5 when the host does not answer)."""

import json
import shutil

import pytest

from .conftest import FIXTURES, crawl, newsbot
from .httpsite import HttpSite

pytestmark = pytest.mark.slow  # every test here starts a process

HOST = "news.example.edu.cn"
SITES_FILE = f"""\
sites:
  example:
    display_name: 示例大学
    host: {HOST}
    family: vsb            # vsb | webplus | trs; leave out to detect it per page
    columns:
      - {{code: xwzx, name: 新闻中心, url: https://{HOST}/xwzx.htm}}
"""
FIRST_PAGE_ARTICLES = ["info/1011/68512.htm", "info/1011/68497.htm", "info/1011/68455.htm"]


@pytest.fixture
def example_site(tmp_path):
    """The tju VSB fixture pages served as news.example.edu.cn on 127.0.0.1."""
    live = tmp_path / "live"
    shutil.copytree(FIXTURES / "campus" / "news.tju.edu.cn", live / HOST)
    with HttpSite(live, host=HOST) as site:
        yield site


def test_the_readme_steps_add_a_site_from_a_sites_file_of_ones_own(example_site, tmp_path):
    fixtures, sites_file, output = tmp_path / "fixtures", tmp_path / "my-sites.yaml", tmp_path / "try"
    host_map = json.dumps({HOST: example_site.base})
    # 1. Save the column's first list page and the articles it lists.
    for path in ["xwzx.htm", *FIRST_PAGE_ARTICLES]:
        done = newsbot("record", f"https://{HOST}/{path}", "--fixtures", str(fixtures), "--host-map", host_map)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == str(fixtures / HOST / path)
    assert sorted(p for p, _ in example_site.requests) == sorted(f"/{p}" for p in ["xwzx.htm", *FIRST_PAGE_ARTICLES])
    # 2. An entry in a sites file of one's own.
    sites_file.write_text(SITES_FILE, encoding="utf-8")
    # 3. One page, then the site, offline.
    article = FIRST_PAGE_ARTICLES[0]
    done = newsbot("extract", str(fixtures / HOST / article), "--url", f"https://{HOST}/{article}",
                   "--sites-file", str(sites_file))
    assert done.returncode == 0, done.stderr
    assert "示例大学->" in done.stdout and f"https://{HOST}/{article}" in done.stdout
    done, report = crawl("campus", output, "-a", "site=example", "-a", "max_pages=1",
                         "-s", f"NEWSBOT_SITES_FILE={sites_file}", "-s", f"NEWSBOT_REPLAY_DIR={fixtures}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == len(FIRST_PAGE_ARTICLES)
    assert len(list((output / "example" / "hexo").glob("*.md"))) == len(FIRST_PAGE_ARTICLES)
    # The sites file adds to the built-in sites, it does not hide them.
    done = newsbot("sites", "--sites-file", str(sites_file))
    names = {line.split()[0] for line in done.stdout.splitlines()[1:]}
    assert {"example", "nankai", "bistu", "eastmoney", "tju", "ecnu", "bjtu"} <= names


def test_a_sites_file_adds_to_the_built_in_campus_sites(tmp_path):
    sites_file = tmp_path / "my-sites.yaml"
    sites_file.write_text(SITES_FILE, encoding="utf-8")
    done, report = crawl("campus", tmp_path / "out", "-a", "site=tju", "-s", f"NEWSBOT_SITES_FILE={sites_file}",
                         replay=FIXTURES / "campus")
    assert done.returncode == 0, done.stderr[-3000:]
    assert report["new"] == 7


def test_recording_a_missing_page_is_one_line_and_exit_1(example_site, tmp_path):
    done = newsbot("record", f"https://{HOST}/nosuch.htm", "--fixtures", str(tmp_path / "fixtures"),
                   "--host-map", json.dumps({HOST: example_site.base}))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"newsbot: https://{HOST}/nosuch.htm (from {example_site.base}/nosuch.htm): HTTP 404 Not Found; nothing saved"]
    assert not (tmp_path / "fixtures").exists()


def test_recording_from_an_unreachable_host_is_one_line_and_exit_5(tmp_path):
    import os
    import socket

    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    env = {**os.environ, "NEWSBOT_HOST_MAP": json.dumps({HOST: f"http://127.0.0.1:{port}"})}
    done = newsbot("record", f"https://{HOST}/xwzx.htm", "--fixtures", str(tmp_path), env=env)
    assert done.returncode == 5  # unreachable
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"newsbot: https://{HOST}/xwzx.htm (from http://127.0.0.1:{port}/xwzx.htm): "
                           "could not download it (") and "refused" in line
    assert list(tmp_path.iterdir()) == []
