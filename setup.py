# scrapyd-deploy builds the egg it uploads with `python setup.py bdist_egg`, and writes a
# setup.py of its own (without our package data, campus.yaml) when there is none. This
# one defers everything to pyproject.toml.
from setuptools import setup

setup()
