"""Pagers of list pages that no link leads through: older pages numbered down from a newest
number the first page does not state (``CountdownPager``), found by reading the pager's
script or by probing (``newest_page_search``)."""

from __future__ import annotations

import re

NEWEST_PAGE_LIMIT = 10000  # no real column has more list pages: a search past it gives up


class CountdownPager:
    """Older list pages numbered 1..M, M the newest, that no link on a column's first page
    leads to (its pager is drawn by a script): page 2 of the column is number M, page 3 is
    M-1, … the last is 1. M is found once per column per run when page 2 is needed (the
    spider's ``countdown_page``): the pager script may state it, and a number read there is
    checked by fetching M and M+1; where the script says nothing usable, probing finds it
    (``newest_page_search``). A site subclasses this to say where its pages are."""

    # Names of script variables that plausibly hold the page count (not its size or the
    # current page).
    count_variable = re.compile(
        r"\b(?!\w*(?:size|cur|index|now))\w*(?:page|count|total)\w*[\"']?\s*[=:]\s*[\"']?(\d+)", re.I)
    numbered_page = re.compile(r"_(\d+)\.s?html?\b")  # the number in a numbered page's URL

    def script_url(self, page) -> str | None:
        """The pager script a column's first page (a ``PageInput``) loads, if it has one."""
        return None

    def page_url(self, first: str, known: str | None, number: int) -> str | None:
        """The URL of numbered list page ``number`` of the column whose first page is
        ``first``; ``known``: a URL of the same list (its pager script or another numbered
        page) that may name it. None where the site cannot say."""
        raise NotImplementedError

    def number_of(self, url: str) -> int | None:
        """The number of a numbered list page, from its URL."""
        match = self.numbered_page.search(url)
        return int(match.group(1)) if match else None

    async def find_newest(self, first: str, script: str | None, fetch, article_links) -> int | None:
        """M for the column whose first page is ``first``: from the pager script where it
        states a number that checks out, else by probing which numbered pages exist (a page
        exists when it answers 200, unredirected, listing articles). ``fetch``: an async
        URL -> response (None when it does not arrive); ``article_links``: a response -> the
        articles it lists (none for a response that is no page). None where M cannot be told."""
        answer = await fetch(script) if script else None
        # Latin-1: the numbers and names wanted are ASCII, whatever the script's encoding.
        hint = self.count_in_script(answer.body.decode("latin-1")) if answer and answer.status == 200 else None
        search = newest_page_search(hint)
        number = next(search)
        try:
            while True:
                url = self.page_url(first, script, number)
                answer = await fetch(url) if url else None
                if answer is None or answer.status not in (200, 404, 410):
                    return None  # a server error, a robots.txt ban: no guessing
                exists = answer.status == 200 and answer.url == url and bool(article_links(answer))
                number = search.send(exists)
        except StopIteration as found:
            return found.value

    def count_in_script(self, text: str) -> int | None:
        """The largest plausible newest page number the script states: the highest
        numbered page it links, or a number assigned to a page/count/total variable."""
        numbers = [int(n) for n in self.numbered_page.findall(text) + self.count_variable.findall(text)]
        return max((n for n in numbers if 0 < n <= NEWEST_PAGE_LIMIT), default=None)


def newest_page_search(hint: int | None = None, limit: int = NEWEST_PAGE_LIMIT):
    """Find M, the newest of pages numbered 1..M, by asking which numbers exist: a generator
    that yields a number to try and is sent whether that page exists; it returns M (0: no
    numbered page), or None when pages go on past ``limit``. A right ``hint`` costs two
    tries (M exists, M+1 does not); without one, doubling up to the first missing number
    then halving the gap costs about 2·log2(M) tries."""
    low, high = 0, None  # low exists (0 trivially), high does not
    number, step = (hint if hint and 0 < hint <= limit else 1), 1
    while True:
        if (yield number):
            low = number
        else:
            high = number
        if high is not None and high - low <= 1:
            return low
        if high is None:
            number, step = low + step, step * 2
            if number > limit:
                return None
        else:
            number = (low + high) // 2
