"""``python -m pystrix.testing``: the same command as ``pystrix sim``, options and all.

It runs the simulator until SIGINT or SIGTERM; ``python -m pystrix.testing --help`` lists
the options (``--host --port --username --secret --time-scale --auth-failure-delay -v``).
"""

import sys

from ..cli import main

sys.exit(main(["sim", *sys.argv[1:]]))
