"""Test helpers: an embedded Asterisk AMI simulator.

``AsteriskSimulator`` is a real TCP server that answers like the Asterisk 22 recorded in
the project's transcripts (see :mod:`pystrix.testing.simulator`)::

    from pystrix.testing import AsteriskSimulator

    with AsteriskSimulator(time_scale=0.05) as sim:
        manager.connect(sim.host, sim.port)
"""

from .simulator import (
    DEFAULT_USERS,
    AsteriskSimulator,
    SimulatedUser,
    SimulatorAddress,
    serve,
    simulator,
)

__all__ = [
    "DEFAULT_USERS",
    "AsteriskSimulator",
    "SimulatedUser",
    "SimulatorAddress",
    "serve",
    "simulator",
]
