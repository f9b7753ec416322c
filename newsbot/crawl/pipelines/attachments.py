"""``NEWSBOT_ATTACHMENTS=local``: the files each article attaches (its record's
``attachments``) downloaded beside its post, as local images are (``local_files.py``:
Scrapy's FilesPipeline, so robots.txt, politeness, retries, the host map and replay apply,
and the site's hosts only), up to ``NEWSBOT_ATTACHMENTS_MAX_BYTES`` each. A file is stored
only when its bytes are a document or an archive (``newsbot.publish.attachments``): a
program or an HTML page behind a .pdf link is not. The post links the local copy; a file
that does not download keeps its remote link, and the article is fetched again after the
usual backoff (``retry_reason``) unless no new try can help."""

from __future__ import annotations

from newsbot.crawl.pipelines.local_files import LocalFilesPipeline
from newsbot.html.media import file_type
from newsbot.publish.attachments import attachment_extension


class LocalAttachmentsPipeline(LocalFilesPipeline):
    mode_setting = "NEWSBOT_ATTACHMENTS"
    max_bytes_setting = "NEWSBOT_ATTACHMENTS_MAX_BYTES"
    kind, noun, wrong_type = "attachments", "attachment", "not_a_document"
    stored_field, retry_reason = "local_attachments", "attachments_failed"

    def wanted(self, item) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for attachment in item.attachments:
            found.setdefault(attachment["url"], file_type(attachment["url"], attachment.get("text") or ""))
        return found

    def extension(self, data: bytes, declared: str | None) -> str | None:
        return attachment_extension(data, declared)
