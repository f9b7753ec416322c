"""What a crawl keeps: atomic files (``files.py``), the JSONL feed (``feed.py``,
``jsonl.py``: an article's history, its corrections and its tombstone), the state (``state/``: SQLite or Redis), the names of a cluster worker's
files (``names.py``), start-up reconciliation (``reconcile.py``) and adopting an existing
blog or rebuilding a lost state (``adopt.py``)."""
