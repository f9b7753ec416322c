"""Imported by the worker pool's forkserver alone (``Workers.start`` lists it to preload): the
forkserver ends when the crawl that started it is gone, SIGKILLed or not. The workers it
forks die with it (``newsbot.crawl.workers.die_with_parent``), and the resource tracker ends
once none of them holds its pipe."""

import os

from newsbot.crawl.workers import watch_parent

watch_parent(os.getppid())
