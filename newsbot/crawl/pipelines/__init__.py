"""The item pipelines, in the order ``ITEM_PIPELINES`` runs them (newsbot/settings.py):
normalise the publication time (200), canonicalise and hash the URL (300), drop what an
earlier run already wrote (400), in a cluster take the article's write claim
(``newsbot.cluster.claims``, 420), download local images (``images.py``, 450, only with
``NEWSBOT_IMAGES=local``) and attachments (``attachments.py``, 460, only with
``NEWSBOT_ATTACHMENTS=local``; both ``local_files.py``), write the files (``write.py``, 500). The first takes any item
Scrapy knows (through ItemAdapter) and hands an ``Article`` on. Articles arrive cleaned: the
spider reads and cleans each page in one call (``newsbot.extract.read_page``).

Each pipeline is a thin Scrapy wrapper around one step of ``newsbot.extract``, which
``newsbot extract`` runs in the same order, so a saved page renders exactly as a crawl
would. Pipelines know nothing of sites' HTML: site rules live in ``newsbot.pages``.
"""

from __future__ import annotations

import logging

from newsbot.errors import Dropped
from newsbot.extract import canonicalise, chinese_converter, normalise_date
from newsbot.items import article_record, as_article, record_digest
from newsbot.sites import get_site
from newsbot.storage.adopt import TitleClaims
from newsbot.storage.state import state_for_crawler

logger = logging.getLogger(__name__)


class Pipeline:
    """A pipeline with its crawler and the crawl's stats at hand."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)


class PublishedDatePipeline(Pipeline):
    def process_item(self, item, spider=None):
        item = normalise_date(as_article(item))  # (the first pipeline: any item type in, an Article on)
        if item.published is None:
            self.stats.inc_value("newsbot/missing/published")
            logger.warning("no publication time found on %s (raw %r): writing crawl time", item.url, item.published_raw)
        since = getattr(spider or self.crawler.spider, "since", None)
        if since and item.published and item.published < since:
            # -a since=: what is older is not written (paging stops near it too).
            self.stats.inc_value("newsbot/dropped/older_than_since")
            raise Dropped("older_than_since", f"{item.url} was published {item.published:%Y-%m-%d}", log_level="DEBUG")
        return item


class CanonicalUrlPipeline(Pipeline):
    """The article's canonical URL; with NEWSBOT_HTTPS_IMAGES, its http:// images on hosts
    its site says serve https too written https:// (``Site.https_images``)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.https_images = crawler.settings.getbool("NEWSBOT_HTTPS_IMAGES")

    def process_item(self, item, spider=None):
        return canonicalise(item, get_site(item.site).https_images if self.https_images and item.site else ())


class DedupePipeline(Pipeline):
    """Drops an article that this or an earlier run already wrote (same canonical URL),
    unless it is queued again to restore its deleted or truncated files; one taken down; and one whose
    title a text post adopted from the blog claims (``newsbot.storage.adopt``), which is
    registered under the post's name instead."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.store = state_for_crawler(crawler)
        self.claims = TitleClaims(self.store, chinese_converter(crawler.settings.get("NEWSBOT_CHINESE")))

    def process_item(self, item, spider=None):
        if item.revisit:
            return self.revisited(item)
        urlname = self.store.urlname_for(item.url)
        if urlname is None and self.store.taken_down([item.url]):  # (a resumed job's old request)
            self.stats.inc_value("newsbot/dropped/taken_down")
            raise Dropped("taken_down", f"{item.url} was taken down (newsbot takedown --list)", log_level="INFO")
        if urlname is not None:
            if not self.store.is_pending(item.url):
                self.stats.inc_value("newsbot/dropped/already_written")
                raise Dropped("already_written", f"{item.url} was written before", log_level="DEBUG")
            item.urlname = urlname  # a restore keeps the name it was written under
        elif self.claims and (claimant := self.claims.take(item.site, item.title)):
            self.store.adopt(claimant, item.url, item.site, "adopted")
            self.stats.inc_value("newsbot/dropped/adopted_by_title")
            raise Dropped("adopted_by_title", f"{item.url} is the blog's post {claimant}", log_level="INFO")
        return item

    def revisited(self, item):
        """A written article fetched again (``newsbot.crawl.revisits``): the same record
        (its digest) writes nothing; a changed one goes on, as a correction."""
        urlname = self.store.urlname_for(item.url)
        if urlname is None:  # taken down since the revisit was claimed
            raise Dropped("not_written", f"{item.url} is no longer a written article", log_level="INFO")
        item.urlname = urlname
        item.columns = list(dict.fromkeys([*item.revisit["columns"], *item.columns]))
        digest = record_digest(article_record(item))
        if digest == item.revisit["digest"]:
            self.store.revisited(urlname, digest, item.etag, item.last_modified)
            self.stats.inc_value("newsbot/revisits/unchanged")
            raise Dropped("unchanged", f"{item.url} has not changed", log_level="DEBUG")
        item.updated = item.crawled_at
        logger.info("%s changed on the site since it was written: writing the correction", item.url)
        return item
