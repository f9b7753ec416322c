"""Downloader middlewares: politeness (``politeness.py``), GBK charset repair
(``charset.py``), answering from saved pages (``replay.py``) and downloading a host from a
mirror (``hostmap.py``)."""
