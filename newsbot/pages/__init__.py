"""Page objects: what one page means, apart from how it was fetched.

- ``base.py``       ``ArticlePage``: selectors as class attributes, one method per field
- ``cms.py``        the campus CMS families (VSB, WebPlus, TRS) and detecting them
- ``nankai.py``     news.nankai.edu.cn; ``eastmoney.py`` finance.eastmoney.com
- ``generic/``      the generic extractor, for pages no site's rules read
"""
