"""finance.eastmoney.com (东方财富网) article pages."""

from __future__ import annotations

from newsbot.html.tree import remove_between_comments
from newsbot.pages.base import ArticlePage, compiled_css


class EastmoneyArticlePage(ArticlePage):
    title_css = (".newsContent h1", "h1")
    body_css = ("div#ContentBody", "div#zw_body", ".txtinfos")
    date_css = (".newsContent .infos .item", ".infos .item", ".time")

    def body(self):
        root = super().body()
        if root is not None:
            # Stock charts are injected between marker comments, not in an element.
            remove_between_comments(root, "EM_StockImg_Start", "EM_StockImg_End")
        return root

    def outlet(self):
        source = next(iter(compiled_css(".infos .source::text, .infos a.source::text")(self.root)), "")
        return source.strip() if source.strip() else super().outlet()
