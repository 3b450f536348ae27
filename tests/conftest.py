"""Shared fixtures: a running simulator, the Manager flavors, and the clean-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from managers import FLAVORS, dispose_all
from pystrix.testing import AsteriskSimulator
from redis_servers import RedisServer, running_redis


@pytest.fixture(autouse=True)
def _dispose_managers() -> Iterator[None]:
    """Close every Manager the shared factory made, whatever the test's outcome."""
    yield
    dispose_all()


@pytest.fixture
def simulator() -> Iterator[AsteriskSimulator]:
    """The embedded simulator on a free loopback port, fast (short delays), stopped after."""
    with AsteriskSimulator(auth_failure_delay=0.01, time_scale=0.02) as running:
        yield running


@pytest.fixture(params=FLAVORS)
def flavor(request: pytest.FixtureRequest) -> str:
    """Each front-end in turn, ``"threaded"`` and ``"asyncio"``: the Manager (see
    :func:`managers.make`) or the FastAGI server (``agi_servers.running_server``)."""
    return str(request.param)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real ``redis-server`` on a free loopback port, for this test only."""
    with running_redis() as server:
        yield server
