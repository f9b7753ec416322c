"""A Scrapy response as what the page objects read (``newsbot.pages.page_input.PageInput``):
the one place where a crawl's response meets a page object. The charset stays the one the
crawl decided (Scrapy's rules and the charset middleware's repair)."""

from __future__ import annotations

from scrapy.http import TextResponse

from newsbot.pages.page_input import PageInput


def response_headers(response) -> dict[str, list[str]]:
    """The response's headers as plain text (what a worker process is handed)."""
    return {name.decode("latin-1"): [value.decode("latin-1") for value in values]
            for name, values in response.headers.items()}


def page_input(response: TextResponse) -> PageInput:
    """The page a text response holds, decoded with the charset the crawl settled on."""
    return PageInput(response.url, response.body, response_headers(response), response.encoding)


def listed_articles(site, response) -> list[str]:
    """The article URLs a fetched list page lists (none for a response that is no page:
    an image, a download)."""
    return site.article_links(page_input(response)) if isinstance(response, TextResponse) else []
