"""``NEWSBOT_IMAGES=local``: each article's body images downloaded (``local_files.py``: through
Scrapy's FilesPipeline, so the crawl's politeness, robots.txt, retries, host map and replay
apply to them) and stored where the profile wants them (``newsbot.publish.images``),
atomically and durably before the post that refers to them is written. Only a JPEG, PNG,
GIF or WebP is stored. An image that does not download keeps its remote URL in the post;
the article asks to be fetched again (``retry_reason``), unless no new try can help (too
big, not an image, refused by robots.txt or the site's hosts)."""

from __future__ import annotations

from newsbot.crawl.pipelines.local_files import LocalFilesPipeline
from newsbot.publish.images import image_extension


class LocalImagesPipeline(LocalFilesPipeline):
    mode_setting = "NEWSBOT_IMAGES"
    max_bytes_setting = "NEWSBOT_IMAGES_MAX_BYTES"
    kind, noun, wrong_type = "images", "image", "not_image"
    stored_field, retry_reason = "local_images", "images_failed"

    def wanted(self, item) -> dict[str, str | None]:
        return dict.fromkeys(item.images)

    def extension(self, data: bytes, declared: str | None) -> str | None:
        found = image_extension(data)
        return found.lstrip(".") if found else None
