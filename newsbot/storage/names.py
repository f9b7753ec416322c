"""The names of a crawl's files that depend on whether it is a cluster's worker: each
worker writes its own feed shard and run report into the shared output directory."""

from __future__ import annotations

import socket


def cluster_url(settings) -> str | None:
    return settings.get("NEWSBOT_CLUSTER") or None


def worker_name(settings) -> str:
    """This worker's stable name: its lock, its feed shard (``NEWSBOT_CLUSTER_WORKER``)."""
    return settings.get("NEWSBOT_CLUSTER_WORKER") or socket.gethostname()


def feed_name(settings, spider_name: str) -> str:
    """The default feed's file name: one shard per worker in a cluster."""
    if cluster_url(settings):
        return f"{spider_name}.{worker_name(settings)}.jsonl"
    return f"{spider_name}.jsonl"


def report_name(settings, spider_name: str) -> str:
    """The run reports' name: ``{spider}`` (``reports/{spider}-latest.json``), one per
    worker in a cluster (``{spider}.{worker}``): workers share the output directory."""
    if cluster_url(settings):
        return f"{spider_name}.{worker_name(settings)}"
    return spider_name
