"""The entry points run in-process, for the fast subset: ``scrapy crawl`` (newsbot's command,
``newsbot.crawl.commands.crawl``) refusing a bad argument, ``python -m newsbot.cli``, and the
log formatter's level for output errors. Their runs as processes of their own (exit codes,
stderr, nothing written) are tests/test_config.py's and tests/test_every_bad_input.py's."""

from __future__ import annotations

import logging
import runpy
import sys

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newsbot.crawl.logformatter import LogFormatter
from newsbot.errors import OutputError

from .conftest import ROOT


def test_the_crawl_command_refuses_a_bad_argument_in_one_line_before_anything_is_written(
        monkeypatch, capsys, tmp_path):
    from scrapy.cmdline import execute

    monkeypatch.chdir(ROOT)  # the project's scrapy.cfg, as `scrapy crawl` is run
    # What execute() would set from scrapy.cfg, set here so that it is undone after the test
    # (the processes later tests start must not inherit it).
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "newsbot.settings")
    monkeypatch.setattr(sys, "argv", sys.argv[:])
    output = tmp_path / "out"
    with pytest.raises(SystemExit) as exited:
        execute(["scrapy", "crawl", "nankai", "-a", "max_pages=ten", "-s", f"NEWSBOT_OUTPUT_DIR={output}"])
    assert exited.value.code == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: ") and "-a max_pages" in lines[0], lines
    assert not output.exists()


def test_python_m_newsbot_cli_is_the_newsbot_command(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["newsbot", "sites"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("newsbot.cli", run_name="__main__")
    assert exited.value.code == 0
    assert {"nankai", "bistu", "eastmoney"} <= set(capsys.readouterr().out.split())


@pytest.mark.parametrize("error, level", [(OutputError("the disk is full"), logging.DEBUG),
                                          (ValueError("a bug"), logging.ERROR)])
def test_an_output_error_is_logged_once_by_its_stop_not_per_item(error, level):
    crawler = get_crawler()
    formatter = LogFormatter.from_crawler(crawler)
    response = HtmlResponse("https://news.nankai.edu.cn/", body=b"<html></html>", request=Request("https://news.nankai.edu.cn/"))
    assert formatter.item_error({"url": "x"}, error, response)["level"] == level

    from twisted.python.failure import Failure

    try:
        raise error
    except type(error):
        failure = Failure()
    assert formatter.spider_error(failure, response.request, response)["level"] == level
