"""Build, preview or check the Briefing site: `python build.py [build|serve|check]`."""

import gc

gc.disable()  # importing Briefing and its libraries makes many objects and no garbage: passes over them cost 25 ms
from briefing.cli import entry  # noqa: E402

gc.enable()

if __name__ == "__main__":
    entry()
