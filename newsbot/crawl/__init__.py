"""The crawl: Scrapy's components laid out as Scrapy lays them out.

- ``spiders/``      which pages to fetch (``SiteSpider``: list pages -> the state's queue -> articles)
- ``pipelines/``    date -> canonical URL -> dedupe -> (local images) -> write, batched and durable
- ``middlewares/``  politeness (site hosts, robots.txt, retries), charset repair, replay, host map
- ``extensions/``   the run report and its alarms and exit codes; the feeds and status page after a run
- ``commands/``     ``scrapy crawl`` with newsbot's exit codes
- ``addon.py``      User-Agent, file mode and other defaults applied when a crawl starts
- ``config.py``     start-up checks of every setting (the table of their kinds) and spider argument
- ``values.py``     the kinds of value a setting or a ``newsbot`` option takes, one parser each
- ``workers.py``    reading and cleaning pages in worker processes on spare cores
  (``forkserver_guard.py``: their forkserver ends with the crawl)
- ``failures.py``   why a request failed, by name
- ``revisits.py``   corrections: which written articles are fetched again, and how (conditionally)
"""
