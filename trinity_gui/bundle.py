"""The desktop bundle's one executable: the window, the command line, or ``--self-test``.

One program serves a double-click and a terminal (``installer/trinity.spec`` freezes this
file):

- no arguments, or only file names: the window, opening those files as if dropped;
- ``--self-test``: the installation check with the window, headless (`trinity_gui.self_test`);
- anything else: the ``trinity`` command line (``trinity predict …``, ``trinity --help``).

Synthetic generation and training jobs start worker processes with ``spawn``; in a frozen
program those re-run this executable, and `multiprocessing.freeze_support` turns them
back into workers before anything else runs.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def wants_window(args: list[str]) -> bool:
    """True when ``args`` are nothing or only existing files (a double-click, ``%F``)."""
    return all(not arg.startswith("-") and Path(arg).is_file() for arg in args)


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()
    argv = list(sys.argv if argv is None else argv)
    args = argv[1:]
    if args == ["--self-test"]:
        from trinity_gui.self_test import main as self_test

        return self_test()
    if wants_window(args):
        from trinity_gui.launch import main as window

        return window(argv)
    from engine.cli import main as command_line

    return command_line(args)


if __name__ == "__main__":
    sys.exit(main())
