"""The fast subset's promise (tests/conftest.py): ``pytest -m "not slow"`` runs every module of
newsbot, checked by tests/fast_subset_coverage.py (coverage.py over the subset)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_the_fast_subset_runs_every_module_of_newsbot():
    pytest.importorskip("coverage", reason="coverage is not installed (pip install -e '.[test]')")
    done = subprocess.run([sys.executable, "tests/fast_subset_coverage.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
