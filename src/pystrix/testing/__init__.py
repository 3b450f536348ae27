"""Test helpers: an embedded Asterisk AMI simulator.

``AsteriskSimulator`` is a real TCP server that answers like the Asterisk 22 recorded in
the project's transcripts (see :mod:`pystrix.testing.simulator`)::

    from pystrix.testing import AsteriskSimulator

    with AsteriskSimulator(time_scale=0.05) as sim:
        manager.connect(sim.host, sim.port)

The simulator (which imports the whole AMI catalog) is imported when one of its names is
first used, so that ``pystrix.testing.faults`` or ``pystrix.testing.agi`` alone stay light.
"""

import sys as _sys
from importlib import import_module as _import_module
from types import ModuleType as _ModuleType

from .._lazy import lazy_attributes as _lazy_attributes

TYPE_CHECKING = False  # typing.TYPE_CHECKING, by the name type checkers know

if TYPE_CHECKING:
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

#: The names of ``__all__`` defined in :mod:`pystrix.testing.simulator` (``simulator``,
#: the function, is :class:`_Package`'s).
_NAMES = frozenset(__all__) - {"simulator"}
#: The submodules reachable as attributes without importing them first.
_SUBMODULES = frozenset(
    {
        "_catalog_actions",
        "_data",
        "_dialplan",
        "_scheduler",
        "agi",
        "faults",
        "redis_server",
        "simulator",
    }
)


_lazy_attribute, _lazy_dir = _lazy_attributes(
    globals(), dict.fromkeys(_NAMES, "simulator"), _SUBMODULES
)


class _Package(_ModuleType):
    """This package's module type: ``pystrix.testing.simulator`` is the function.

    The package exports the :func:`~pystrix.testing.simulator.simulator` context manager,
    whose module has the same name.  Importing that module makes the import system bind
    the module here; this keeps the attribute the function, as it was when the package
    imported the simulator up front.
    """

    @property
    def simulator(self) -> object:
        """The :func:`pystrix.testing.simulator.simulator` context manager."""
        return _import_module(f"{__name__}.simulator").simulator

    @simulator.setter
    def simulator(self, value: object) -> None:
        """Ignored: the import system binding the module of the same name."""


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
    _sys.modules[__name__].__class__ = _Package
del TYPE_CHECKING
