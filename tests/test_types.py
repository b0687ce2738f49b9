"""The package under a lax type-check: mypy with ``[tool.mypy]`` of pyproject.toml.

Lax: unannotated functions are not checked inside and libraries without type information are
taken as they are; what the annotations say must hold. The cache lives in pytest's cache folder,
so a run after the first checks only what changed (about 35 s cold on the course machine, a few
seconds warm).
"""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_the_package_type_checks(root, request, tmp_path):
    """Does the package type-check under mypy's lax settings?"""
    store = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    cache = tmp_path if store is None else store.mkdir("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "autograder", "--cache-dir", str(cache)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
