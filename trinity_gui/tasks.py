"""The bodies of the training view's jobs, as plain functions that run in a child process.

Module-level and Qt-free, so `engine.jobs.run_in_process` can send them to a fresh
process: torch and numba then load and compute there, and the window stays responsive
(see `run_in_process` for why). Each takes plain data plus ``progress`` and ``cancel``.
"""

from __future__ import annotations

from pathlib import Path

from engine.jobs import CancelToken, ProgressCallback


def use_threads(threads: int) -> None:
    """Apply the threads setting (0 leaves the libraries' own choice)."""
    if threads > 0:
        import numba
        import torch

        torch.set_num_threads(threads)
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def generate(config, out: Path, scheduler: str | None, threads: int, *,
             progress: ProgressCallback, cancel: CancelToken):
    """``generate_synthetic`` into ``out`` (resumes what is there)."""
    use_threads(threads)
    from engine.synthetic import generate_synthetic

    return generate_synthetic(config, out, scheduler=scheduler, progress=progress, cancel=cancel)


def train(phase: str, out: Path, changes: dict, seeds: list[int], arguments: dict,
          threads: int, *, progress: ProgressCallback, cancel: CancelToken):
    """One model (one seed) or an ensemble (several) of ``phase`` into ``out``."""
    use_threads(threads)
    import transformers

    from engine.training import default_settings, train_ensemble, train_phase1, train_phase2

    transformers.utils.logging.disable_progress_bar()
    settings = default_settings(phase, **changes, seed=seeds[0])
    if len(seeds) > 1:
        return train_ensemble(phase, seeds, out, settings=settings, progress=progress,
                              cancel=cancel, **arguments)
    run = train_phase1 if phase == "phase1" else train_phase2
    return [run(out_dir=out, settings=settings, progress=progress, cancel=cancel, **arguments)]


def evaluate(phase1: str, out: Path, data: str, seeds: list[int], changes: dict,
             threads: int, *, progress: ProgressCallback, cancel: CancelToken):
    """Leave-one-polymer-out evaluation of ``phase1`` on ``data`` into ``out``."""
    use_threads(threads)
    import transformers

    from engine.training import default_settings
    from engine.training.evaluate import evaluate as run_evaluation

    transformers.utils.logging.disable_progress_bar()
    return run_evaluation(phase1, out, data=data, seeds=seeds,
                          settings=default_settings("phase2", **changes),
                          progress=progress, cancel=cancel)


def export(model: Path, out: Path, *, progress: ProgressCallback, cancel: CancelToken):
    """The model (or ensemble) folder as one ONNX file."""
    from engine.onnx_export import export_onnx

    return export_onnx(model, out, progress=progress, cancel=cancel)
