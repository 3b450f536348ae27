"""pystrix: the Asterisk Manager Interface (AMI) and Gateway Interface (AGI) for Python 3.

``import pystrix`` makes ``pystrix.ami`` and ``pystrix.agi`` available, as the pystrix 1.x
examples expect (``pystrix.ami.core.Login``, ``pystrix.agi.core.Answer``), and
``pystrix.fleet`` (many Asterisk servers, and the Redis bridge).  Each is
imported the first time it is used, and so is each part of it, so that a short script
pays only for what it uses.
"""

from ._lazy import lazy_attributes as _lazy_attributes

# typing.TYPE_CHECKING without importing typing (type checkers know the name), so that
# ``import pystrix`` alone stays almost free.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from . import agi, ami, fleet

__version__ = "2.0.0.dev0"
VERSION = __version__

__all__ = ["VERSION", "__version__", "agi", "ami", "fleet"]

_SUBMODULES = frozenset({"agi", "ami", "fleet"})


_lazy_attribute, _lazy_dir = _lazy_attributes(globals(), {}, _SUBMODULES)


if not TYPE_CHECKING:  # type checkers see the imports above, not a catch-all
    __getattr__ = _lazy_attribute
    __dir__ = _lazy_dir
del TYPE_CHECKING
