"""Page objects: what one page means, apart from how it was fetched.

- ``page_input.py`` ``PageInput``: what a page object reads (URL, bytes, headers, charset, tree)
- ``base.py``       ``ArticlePage``: selectors as class attributes, one method per field
- ``lists.py``      ``ListPage``: a list page's article links, their dates, its next page
- ``cms.py``        the campus CMS families (VSB, WebPlus, TRS) and detecting them
- ``nankai.py``     news.nankai.edu.cn; ``eastmoney.py`` finance.eastmoney.com
- ``generic/``      the generic extractor, for pages no site's rules read
"""
