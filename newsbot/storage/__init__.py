"""What a crawl keeps: atomic files and the start-up writability probe (``files.py``), the
JSONL feed (``feed.py``; ``jsonl.py``, the one reader of feeds: an article's history, its
corrections and its tombstone), the run locks (``locks.py``), the state (``state/``: SQLite or Redis), the names of a cluster worker's
files (``names.py``), start-up reconciliation (``reconcile.py``) and adopting an existing
blog or rebuilding a lost state (``adopt.py``)."""
