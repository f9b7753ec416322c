"""Requests a worker took from the shared queue and has no answer to yet, kept in Redis so
that another worker puts them back in the queue when it dies."""

from __future__ import annotations

from scrapy.utils.request import request_from_dict


class InFlight:
    """Requests a run took from the shared queue and has not had an answer to, in Redis
    (``newsbot:{spider}:inflight:{run}``), so that when the run dies another worker puts
    them back in the queue (``recover``)."""

    def __init__(self, server, spider, store, queue):
        self.server = server
        self.spider = spider
        self.store = store
        self.queue = queue  # scrapy-redis's: requests are stored with its serializer
        self.prefix = f"newsbot:{spider.name}:inflight"
        self.key = f"{self.prefix}:{store.run_id}"
        self.server.sadd(f"{self.prefix}-runs", store.run_id)

    @staticmethod
    def _id(request) -> str:
        return str(id(request))  # the same Request object comes back with its response

    def add(self, request) -> None:
        encoded = self.queue.serializer.dumps(request.to_dict(spider=self.spider))
        self.server.hset(self.key, self._id(request), encoded)

    def done(self, request) -> None:
        self.server.hdel(self.key, self._id(request))

    def clear(self) -> None:
        """An idle run has nothing in flight (this also forgets a request a middleware
        dropped before the download, which no signal reports)."""
        self.server.delete(self.key)

    def close(self) -> None:
        self.clear()
        self.server.srem(f"{self.prefix}-runs", self.store.run_id)

    def _others(self):
        for run_id in self.server.smembers(f"{self.prefix}-runs"):
            run_id = run_id.decode() if isinstance(run_id, bytes) else run_id
            if run_id != self.store.run_id:
                yield run_id

    def elsewhere(self) -> int:
        """Requests other runs have in flight (a live one's, or a dead one's not yet recovered)."""
        return sum(self.server.hlen(f"{self.prefix}:{run_id}") for run_id in self._others())

    def recover(self) -> int:
        """Put back in the queue the requests of runs that died (their worker lock is gone
        or held by another run); returns how many. One worker wins each dead run (RENAME)."""
        recovered = 0
        for run_id in self._others():
            worker = run_id.rsplit(":", 1)[0]
            if self.store.db.get(f"newsbot:worker:{worker}") == run_id:
                continue  # alive
            taken = f"{self.prefix}:recovering:{self.store.run_id}"
            try:
                self.server.rename(f"{self.prefix}:{run_id}", taken)
            except Exception:  # noqa: BLE001 - nothing left in flight, or another worker took it
                self.server.srem(f"{self.prefix}-runs", run_id)
                continue
            for encoded in self.server.hvals(taken):
                self.queue.push(request_from_dict(self.queue.serializer.loads(encoded), spider=self.spider))
                recovered += 1
            self.server.delete(taken)
            self.server.srem(f"{self.prefix}-runs", run_id)
        return recovered
