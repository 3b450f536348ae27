"""pystrix: the Asterisk Manager Interface (AMI) and Gateway Interface (AGI) for Python 3.

``import pystrix`` makes ``pystrix.ami`` and ``pystrix.agi`` available, as the pystrix 1.x
examples expect.
"""

from . import agi, ami

__version__ = "2.0.0.dev0"
VERSION = __version__

__all__ = ["VERSION", "__version__", "agi", "ami"]
