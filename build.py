"""Build, preview or check the Briefing site: `python build.py [build|serve|check]`."""

from briefing.cli import entry

if __name__ == "__main__":
    entry()
