"""pystrix: the Asterisk Manager Interface (AMI) and Gateway Interface (AGI) for Python 3.

``import pystrix`` makes ``pystrix.ami`` and ``pystrix.agi`` available, as the pystrix 1.x
examples expect (``pystrix.ami.core.Login``, ``pystrix.agi.core.Answer``).  Each is
imported the first time it is used, and so is each part of it, so that a short script
pays only for what it uses.
"""

from importlib import import_module as _import_module

# typing.TYPE_CHECKING without importing typing (type checkers know the name), so that
# ``import pystrix`` alone stays almost free.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import agi, ami

__version__ = "2.0.0.dev0"
VERSION = __version__

__all__ = ["VERSION", "__version__", "agi", "ami"]

_SUBMODULES = frozenset({"agi", "ami"})


def _lazy_attribute(name: str) -> object:
    """Import ``pystrix.agi`` or ``pystrix.ami`` on first use (PEP 562)."""
    if name in _SUBMODULES:
        return _import_module(f"{__name__}.{name}")  # the import binds it here too
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _lazy_dir() -> list[str]:
    """Every public name of the package and its submodules, imported yet or not."""
    public = {name for name in globals() if name.startswith("__") or not name.startswith("_")}
    return sorted({*public, *__all__, *_SUBMODULES})


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
del TYPE_CHECKING
