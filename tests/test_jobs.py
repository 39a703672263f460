"""The Qt-free job protocol."""

import threading

import pytest

from engine.jobs import Cancelled, CancelToken, Progress, ProgressReporter


def test_cancel_token_is_seen_from_another_thread():
    token = CancelToken()
    assert not token.cancelled
    thread = threading.Thread(target=token.cancel)
    thread.start()
    thread.join()
    with pytest.raises(Cancelled, match="saved"):
        token.raise_if_cancelled()


def test_progress_fraction_and_remaining_time():
    p = Progress(done=25, total=100, message="chunk 25", elapsed_s=10.0)
    assert p.fraction == 0.25 and p.remaining_s == pytest.approx(30.0)
    assert Progress(0, 100, "", 1.0).remaining_s is None
    assert Progress(0, 0, "", 1.0).fraction == 1.0


def test_reporter_calls_back_with_elapsed_time():
    seen = []
    report = ProgressReporter(4, seen.append)
    report(1, "one")
    report(4, "done")
    assert [(p.done, p.total, p.message) for p in seen] == [(1, 4, "one"), (4, 4, "done")]
    assert seen[1].elapsed_s >= seen[0].elapsed_s >= 0
    ProgressReporter(3, None)(1)  # no callback: nothing happens
