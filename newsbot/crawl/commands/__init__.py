"""Scrapy commands newsbot overrides (``COMMANDS_MODULE``)."""
