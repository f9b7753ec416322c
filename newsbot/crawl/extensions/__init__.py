"""Extensions: the run report with its alarms and exit code (``report.py``), then the feeds
and status page (``publisher.py``); a long run's progress lines and bar (``progress.py``)."""
