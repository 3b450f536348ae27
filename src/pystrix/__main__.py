"""``python -m pystrix``: the same CLI as the ``pystrix`` command."""

from .cli import main

raise SystemExit(main())
