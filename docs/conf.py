"""Sphinx configuration of the pystrix documentation.

Build (warnings are errors)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html

The Markdown pages are MyST; the API reference is autodoc; the catalog of AMI actions,
AMI events and AGI commands and the CLI reference are generated at build time by the
local extension ``docs/_ext/pystrix_docs.py`` from the code itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# The package itself, for a build from a checkout that has not installed it.
sys.path.insert(0, str(HERE.parent / "src"))

import pystrix  # noqa: E402

project = "pystrix"
author = "the pystrix authors"
copyright = "the pystrix authors; LGPL-3.0-or-later"
release = pystrix.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "pystrix_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Cross-references that cannot be resolved (private helpers, ``typing`` aliases) are
# plain text, not warnings.
nitpicky = False
# Both Managers are called ``Manager`` (``pystrix.ami.manager`` and ``pystrix.ami.aio``), so
# a bare ``Manager`` in a signature has two targets; Sphinx links the first, without a warning.
suppress_warnings = ["ref.python"]

# -- MyST ------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence"]
# ``[text](#a-heading)`` links reach headings down to level 3.
myst_heading_anchors = 3

# -- autodoc ---------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
# A class and its constructor are documented together (the Managers' arguments are
# described on their shared base class's __init__).
autoclass_content = "both"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = True
# What each module's page documents is chosen by the ``pystrix-api`` directive
# (docs/_ext/pystrix_docs.py): every object once, where it is defined.
python_use_unqualified_type_names = True

# -- HTML ------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"pystrix {release}"
html_static_path: list[str] = []
