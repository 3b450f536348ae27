"""``python -m pystrix.testing``: run the simulator until SIGINT or SIGTERM."""

import sys

from .simulator import main

sys.exit(main())
