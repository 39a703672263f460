"""Whether a process a test started is still alive, for the tests that check that jobs,
workers and FDS end with whatever started them."""

import os
import signal
import time
from pathlib import Path


def running(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie nobody reaped is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def gone_within(pid: int, seconds: float) -> bool:
    """Wait up to ``seconds`` for ``pid`` to end; kill it (so no test leaves it behind)
    and return False if it does not."""
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            return False
        time.sleep(0.05)
    return True
