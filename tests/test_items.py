"""The item and its record: ItemAdapter at the pipelines' door and in the record, so an item
of another type (a dict from a user's own spider or middleware) is written like an Article."""

from datetime import datetime

from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsbot.crawl.pipelines import PublishedDatePipeline
from newsbot.dates import SHANGHAI
from newsbot.items import RECORD_FIELDS, Article, article_record


def test_the_record_has_the_format_fields_and_not_what_rides_along_on_the_item():
    article = Article(url="https://news.nankai.edu.cn/a.shtml", title="标题", body="<p>x</p>", retry_reason="images_failed",
                      local_images={"https://news.nankai.edu.cn/a.jpg": "f.jpg"},
                      published=datetime(2023, 5, 18, 9, 0, tzinfo=SHANGHAI))
    record = article_record(article)
    assert list(record) == list(RECORD_FIELDS)
    assert not {"body", "retry_reason", "local_images"} & set(record)
    assert record["published"] == "2023-05-18T09:00:00+08:00"  # through the field's serializer


def test_a_dict_item_enters_the_pipelines_as_an_article(tmp_path):
    crawler = get_crawler(settings_dict={"NEWSBOT_OUTPUT_DIR": str(tmp_path)})
    pipeline = build_from_crawler(PublishedDatePipeline, crawler)
    item = {"url": "https://news.nankai.edu.cn/a.shtml", "title": "标题", "published": "2023-05-18 09:00",
            "not_a_field": 1}
    article = pipeline.process_item(item)
    assert isinstance(article, Article)
    assert article.published == datetime(2023, 5, 18, 9, 0, tzinfo=SHANGHAI)
    assert article_record(article)["title"] == "标题"
