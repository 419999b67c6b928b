"""PyInstaller's entry script for the bundled `mnemo` executable.

A bundle starts from a script, not from a console-script entry point, so this file stands in for
the `mnemo = "app.cli:main"` entry of pyproject.toml: the bundle and the pip-installed command run
exactly the same `main`, with the same arguments and exit codes.
"""

from __future__ import annotations

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
