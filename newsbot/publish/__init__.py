"""What a crawl publishes: the hexo, jekyll and text profiles (``profiles.py``, with
``frontmatter.py`` and ``templates.py`` for YAML and template escaping), local image
references (``images.py``), Atom/RSS feeds (``feeds.py``), the status page (``status.py``),
where files go (``places.py``) and taking articles down (``takedown.py``)."""
