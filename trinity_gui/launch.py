"""``trinity-gui``: start the window, or say in one sentence what is missing.

Kept apart from `trinity_gui.app`, which imports Qt at its top: a package installed
without the gui extra must still answer with the extra to install, not a traceback.
Files named on the command line (a desktop entry's ``%F``) open as if dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    try:
        from trinity_gui.app import main as window
    except ModuleNotFoundError as error:
        from engine.extras import missing_extra

        sentence = missing_extra(error)
        if sentence is None:
            raise
        print(f"trinity-gui: {sentence}", file=sys.stderr)
        return 2
    files = [Path(arg) for arg in argv[1:] if not arg.startswith("-")]
    return window(argv[:1], files=files)


if __name__ == "__main__":
    sys.exit(main())
