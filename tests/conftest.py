"""Shared test clean-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from managers import dispose_all


@pytest.fixture(autouse=True)
def _dispose_managers() -> Iterator[None]:
    """Close every Manager the shared factory made, whatever the test's outcome."""
    yield
    dispose_all()
