"""Build, preview or check the Briefing site: `python build.py [build|serve|check]`."""

import sys

from briefing.cli import main

if __name__ == "__main__":
    sys.exit(main())
