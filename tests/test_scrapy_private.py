"""The private Scrapy APIs newsbot relies on (newsbot/crawl/scrapy_private.py) still work as
newsbot uses them: a Scrapy upgrade that changes one fails here, by name, rather than as a
crawl that quietly downloads the wrong host or ignores robots.txt."""

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.crawl.scrapy_private import robots_parsers, set_url


def test_set_url_rewrites_a_request_and_a_response_in_place_and_escapes_as_the_constructor_does():
    request = Request("https://news.nankai.edu.cn/ywsd/index.shtml")
    same = request
    set_url(request, "http://127.0.0.1:8080/ywsd/index.shtml")
    assert request is same and request.url == "http://127.0.0.1:8080/ywsd/index.shtml"
    set_url(request, "https://news.nankai.edu.cn/a b.shtml")
    assert request.url == Request("https://news.nankai.edu.cn/a b.shtml").url  # the same escaping
    response = HtmlResponse("http://127.0.0.1:8080/x.shtml", body=b"<html></html>", request=request)
    set_url(response, "https://news.nankai.edu.cn/x.shtml")
    assert response.url == "https://news.nankai.edu.cn/x.shtml" and response.urljoin("y") == "https://news.nankai.edu.cn/y"


def test_robots_parsers_is_the_middlewares_table_of_rules_per_host():
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    middleware = RobotsTxtMiddleware.from_crawler(crawler)
    table = robots_parsers(middleware)
    assert isinstance(table, dict) and table == {}
    table["news.nankai.edu.cn"] = None  # what the middleware reads back for a host
    assert robots_parsers(middleware)["news.nankai.edu.cn"] is None
