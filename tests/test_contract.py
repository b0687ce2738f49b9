"""Does the repository publish the student-facing contract, word for word?"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "docs" / "contract.md"
SHARED = ROOT.parent / "shared" / "contract.md"


def test_the_contract_is_published():
    """Does docs/contract.md exist and name every test of the contract's section 2?"""
    from autograder.spec import TEST_NAMES

    text = PUBLISHED.read_text()
    assert all(f"`{name}`" in text for name in TEST_NAMES)


@pytest.mark.skipif(not SHARED.is_file(), reason="no ../shared/contract.md beside this clone")
def test_the_published_contract_is_the_shared_one():
    """Is docs/contract.md identical to ../shared/contract.md, byte for byte?"""
    assert PUBLISHED.read_bytes() == SHARED.read_bytes()
