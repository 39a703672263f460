"""Phase 1 (synthetic), phase 2 (experimental, from phase 1) and the single-phase baseline.

Choices that shape the comparison the paper makes:

- The single-phase baseline starts from exactly the weights phase 1 starts from: the
  same seed builds the same fresh model (the embedding table has the preset's fixed
  size, so a different corpus does not shift the random draws), or the same MoLFormer
  folder is loaded. Only the training data differ.
- The vocabulary is built in phase 1 (base vocabulary, or MoLFormer's, plus the tokens
  of the corpus) and carried into phase 2, where a token it lacks is read as ``<unk>``
  and counted rather than refused: experimental polymers are few and precious.
- Normalisation constants (log targets, conditions, curve scale) are fitted on phase
  1's training part and kept in phase 2, because the pretrained heads live in that
  space: refitting them on a few dozen experimental tests would move every target
  and throw away part of what phase 1 learnt. The baseline, which has no phase 1,
  fits them on its own training part.

A rerun of the same call in the same folder resumes an interrupted run, or returns
the finished one; a folder that holds another run is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from engine.jobs import CancelToken, ProgressCallback
from engine.model import (
    TrinityConfig,
    TrinityForConePrediction,
    TrinitySmilesTokenizer,
    build_vocabulary,
    load_molformer,
    split_smiles,
)

from .data import (
    TestTable,
    TokenReport,
    apply_normalisation,
    experimental_tests,
    grouped_split,
    synthetic_tests,
    with_grid,
)
from .loop import (
    EpochRecord,
    FitResult,
    TrainingError,
    TrainSettings,
    distributed,
    fit,
    resolve_device,
)
from .model_dir import (
    ENSEMBLE,
    FORMAT_VERSION,
    METRICS,
    PHASES,
    PROVENANCE,
    TRAINING_CONFIG,
    git_commit,
    is_complete,
    load_config,
    load_model,
    load_tokenizer,
    read_ensemble,
    read_json,
    read_metrics,
    read_training_config,
    versions,
    write_json,
)
from .records import TrainingResult

#: Phase 1 defaults for the small size, chosen so that 20 000 synthetic tests train in
#: under 15 minutes on a 2-core CPU (benchmarks/bench_training.py; see DEFAULTS_BASIS).
PHASE1_DEFAULTS = TrainSettings(
    epochs=6,
    batch_size=32,
    learning_rate=1e-3,
    warmup_fraction=0.05,
    validation_fraction=0.1,
    patience=2,
)
#: Phase 2 and baseline defaults for a few hundred tests: a tenth of phase 1's rate so
#: finetuning does not wipe out the pretrained features, small batches so an epoch has
#: several steps, many epochs bounded by early stopping on a fifth of the polymers.
PHASE2_DEFAULTS = TrainSettings(
    epochs=80,
    batch_size=16,
    learning_rate=1e-4,
    warmup_fraction=0.1,
    validation_fraction=0.2,
    patience=12,
)
DEFAULTS_BASIS = (
    "Measured with benchmarks/bench_training.py on a 2-core AMD EPYC, small preset, "
    "length-bucketed batches: phase 1 ran 254 training samples/s with 2 torch threads and "
    "171 with 1 (validation included), so 6 epochs over 20 000 synthetic tests take about "
    "7 min (10.5 min on one thread), under the 15-minute target with room for a busy "
    "machine. Batches of 32 reached a lower validation loss in 2 epochs than 64 or 128 "
    "(1.09 against 1.28 and 1.35) at a similar rate. AdamW, peak 1e-3, 5 % warm-up, "
    "cosine to 5 %. Phase 2: 1e-4, batches of 16, up to 80 epochs, stopping after 12 "
    "without a better validation loss (about 0.4 s per epoch on the shipped data)."
)


def default_settings(phase: str, **changes) -> TrainSettings:
    """The defaults of ``phase`` with ``changes`` (None values are ignored)."""
    if phase not in PHASES:
        raise TrainingError(f"Unknown phase {phase!r}; choose one of {', '.join(PHASES)}.")
    base = PHASE1_DEFAULTS if phase == "phase1" else PHASE2_DEFAULTS
    return replace(base, **{k: v for k, v in changes.items() if v is not None})


# Initial models ----------------------------------------------------------------------


def _tokenizer(vocab: dict[str, int], unk_token: str) -> TrinitySmilesTokenizer:
    """A tokenizer over ``vocab`` that reads unknown tokens as ``unk_token``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vocab.json"
        path.write_text(json.dumps(vocab), encoding="utf-8")
        return TrinitySmilesTokenizer(
            vocab_file=str(path), unknown_tokens="unk", unk_token=unk_token
        )


def initial_model(
    corpus: Sequence[str],
    *,
    size: str = "small",
    init: str | Path | None = None,
    seed: int = 0,
    overrides: dict | None = None,
) -> tuple[TrinityForConePrediction, TrinitySmilesTokenizer]:
    """The model and tokenizer a phase-1 or single-phase run starts from.

    Fresh: the ``size`` preset drawn from ``seed``, vocabulary = base + corpus. From
    ``init`` (a MoLFormer-XL folder): its encoder and vocabulary, the corpus's new
    tokens appended. The embedding table grows only if the vocabulary outgrows it, and
    new rows are drawn after every other weight, so the rest of the start is the same
    whatever the corpus.
    """
    overrides = overrides or {}
    torch.manual_seed(seed)
    if init is not None:
        model, molformer = load_molformer(init, **overrides)
        vocab = molformer.get_vocab()
        new = sorted(
            {t for s in corpus for t, _, ok in split_smiles(s) if ok and t not in vocab}
        )
        vocab |= {t: max(vocab.values()) + 1 + i for i, t in enumerate(new)}
        tokenizer = _tokenizer(vocab, molformer.unk_token)
    else:
        model = TrinityForConePrediction(TrinityConfig.preset(size, **overrides))
        tokenizer = _tokenizer(build_vocabulary(corpus), "<unk>")
    if tokenizer.vocab_size > model.config.vocab_size:
        model.resize_token_embeddings(tokenizer.vocab_size, mean_resizing=False)
    return model, tokenizer


# One run -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Run:
    """A training request, resolved: its data, how to build its start, what to record."""

    phase: str
    table: TestTable
    settings: TrainSettings
    description: dict
    fit_normalisation: bool

    def fingerprint(self) -> str:
        """Same request, same fingerprint; the device is left out so a run can move."""
        settings = {k: v for k, v in self.settings.to_json().items() if k != "device"}
        blob = json.dumps(
            [self.phase, settings, self.description, self.table.provenance.get("sha256")],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _check_out_dir(out_dir: Path, fingerprint: str) -> bool:
    """True if ``out_dir`` holds this run finished; raises if it holds something else."""
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return False
    path = out_dir / TRAINING_CONFIG
    if not path.is_file():
        raise TrainingError(
            f"{out_dir} is not empty and is not a Trinity model directory; choose an empty "
            "or new folder."
        )
    found = read_training_config(out_dir)
    if found.get("fingerprint") != fingerprint:
        raise TrainingError(
            f"{out_dir} holds a training run with other data or settings; rerun that "
            "command to resume it, or choose another folder."
        )
    return is_complete(out_dir)


def _fit_to_json(result: FitResult, complete: bool, extra: dict) -> dict:
    return {
        "complete": complete,
        "best_epoch": result.best_epoch,
        "best_val_loss": result.best_val_loss,
        "stopped_early": result.stopped_early,
        "resumed_from_epoch": result.resumed_from_epoch,
        "precision": result.precision,
        "epochs": [vars(r) for r in result.history],
        **extra,
    }


def _fit_from_json(metrics: dict) -> FitResult:
    return FitResult(
        history=tuple(EpochRecord(**r) for r in metrics["epochs"]),
        best_epoch=metrics["best_epoch"],
        best_val_loss=metrics["best_val_loss"],
        stopped_early=metrics["stopped_early"],
        resumed_from_epoch=metrics["resumed_from_epoch"],
        precision=metrics["precision"],
    )


def _execute(
    run: _Run,
    build,
    out_dir: str | Path,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> TrainingResult:
    out_dir = Path(out_dir)
    fingerprint = run.fingerprint()
    device = resolve_device(run.settings.device)
    if _check_out_dir(out_dir, fingerprint):
        metrics = read_metrics(out_dir)
        return TrainingResult(
            out_dir=out_dir,
            phase=run.phase,
            fit=_fit_from_json(metrics),
            train_rows=metrics["train_rows"],
            val_rows=metrics["val_rows"],
            unknown_tokens=TokenReport(**metrics["unknown_tokens"]),
            device=str(device),
            already_complete=True,
        )
    with distributed(device) as world:
        model, tokenizer = build()
        examples, tokens = run.table.examples(tokenizer)
        train_idx, val_idx = grouped_split(
            examples.groups, run.settings.validation_fraction, run.settings.split_seed
        )
        train, val = examples.subset(train_idx), examples.subset(val_idx)
        if run.fit_normalisation:
            apply_normalisation(model.config, train)
        extra = {
            "train_rows": len(train),
            "val_rows": len(val),
            "train_polymers": len(np.unique(train.groups)),
            "val_polymers": len(np.unique(val.groups)),
            "unknown_tokens": {"unknown": tokens.unknown, "rows_affected": tokens.rows_affected},
        }
        if world.is_main:
            out_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.save_pretrained(out_dir)
            if not (out_dir / TRAINING_CONFIG).is_file():
                write_json(out_dir / PROVENANCE, _provenance(run))
                write_json(out_dir / TRAINING_CONFIG, _training_config(run, fingerprint, device,
                                                                       world.world_size))
        world.barrier()

        def on_epoch(partial: FitResult) -> None:
            write_json(out_dir / METRICS, _fit_to_json(partial, False, extra))

        result = fit(
            model, train, val, run.settings, out_dir,
            world=world, progress=progress, cancel=cancel, on_epoch=on_epoch,
        )
        if world.is_main:
            model.to("cpu").save_pretrained(out_dir)
            write_json(out_dir / METRICS, _fit_to_json(result, True, extra))
        world.barrier()
    return TrainingResult(
        out_dir=out_dir,
        phase=run.phase,
        fit=result,
        train_rows=len(train),
        val_rows=len(val),
        unknown_tokens=tokens,
        device=str(device),
    )


def _training_config(run: _Run, fingerprint: str, device: torch.device, world_size: int) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "phase": run.phase,
        "fingerprint": fingerprint,
        "settings": run.settings.to_json(),
        **run.description,
        "normalisation": (
            "fitted on this run's training part" if run.fit_normalisation
            else "kept from the phase-1 model"
        ),
        "device": str(device),
        "world_size": world_size,
        "torch_threads": torch.get_num_threads(),
        "defaults": {
            "phase1": PHASE1_DEFAULTS.to_json(),
            "phase2": PHASE2_DEFAULTS.to_json(),
            "basis": DEFAULTS_BASIS,
        },
        "versions": versions(),
    }


def _provenance(run: _Run) -> dict:
    provenance = {"data": run.table.provenance, "git": git_commit()}
    if "init_model" in run.description:
        parent = Path(run.description["init_model"])
        provenance["init_model"] = {
            "path": str(parent),
            "training_config": read_json(parent / TRAINING_CONFIG),
            "provenance": read_json(parent / PROVENANCE),
        }
    return provenance


# The three phases ----------------------------------------------------------------------


def train_phase1(
    data: str | Path,
    out_dir: str | Path,
    *,
    size: str = "small",
    init: str | Path | None = None,
    settings: TrainSettings | None = None,
    model_overrides: dict | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TrainingResult:
    """Pretrain on a synthetic data set folder (its ``ok`` rows) into ``out_dir``.

    ``model_overrides`` set config fields (tests use tiny encoders); the curve grid is
    always the data set's.
    """
    settings = settings or PHASE1_DEFAULTS
    table = synthetic_tests(data)
    overrides = {**(model_overrides or {})}
    grid_config = with_grid(TrinityConfig(), table.time_grid_s)
    overrides |= {
        "curve_points": grid_config.curve_points,
        "curve_interval_s": grid_config.curve_interval_s,
    }
    return _from_start("phase1", table, settings, size, init, overrides, out_dir, progress,
                       cancel)


def _from_start(
    kind: str,
    table,
    settings: TrainSettings,
    size: str,
    init: str | Path | None,
    overrides: dict,
    out_dir: str | Path,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> TrainingResult:
    """Phase 1 and the baseline start alike: fresh (or MoLFormer) weights, own normalisation."""
    description = {
        "size": size,
        "init": str(Path(init).resolve()) if init else None,
        "model_overrides": overrides,
    }
    corpus = sorted(set(table.frame["smiles"]))
    run = _Run(kind, table, settings, description, fit_normalisation=True)
    return _execute(
        run,
        lambda: initial_model(corpus, size=size, init=init, seed=settings.seed,
                              overrides=overrides),
        out_dir, progress, cancel,
    )


def train_single(
    data: str | Path,
    out_dir: str | Path,
    *,
    size: str = "small",
    init: str | Path | None = None,
    settings: TrainSettings | None = None,
    model_overrides: dict | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TrainingResult:
    """The baseline: experimental data alone (a CSV or "shipped"), from phase 1's start.

    Give the same ``size``, ``init``, seed and ``model_overrides`` as the phase-1 run it
    is compared with; the curve grid is the config's (the synthetic default, 0–900 s).
    """
    settings = settings or PHASE2_DEFAULTS
    overrides = dict(model_overrides or {})
    grid = TrinityConfig.preset(size, **overrides).time_grid_s
    table = experimental_tests(data, grid)
    return _from_start("single", table, settings, size, init, overrides, out_dir, progress,
                       cancel)


def train_phase2(
    init: str | Path,
    data: str | Path,
    out_dir: str | Path,
    *,
    settings: TrainSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> TrainingResult:
    """Finetune a finished phase-1 model directory on experimental data (a CSV or "shipped")."""
    settings = settings or PHASE2_DEFAULTS
    init = Path(init)
    parent = read_training_config(init)
    if parent.get("phase") != "phase1":
        raise TrainingError(
            f"{init} is a {parent.get('phase')} model; phase 2 starts from a phase-1 model."
        )
    if not is_complete(init):
        raise TrainingError(f"{init} has not finished phase 1; rerun its command to finish it.")
    # Checked before any work: a damaged phase-1 directory is named now, not mid-run.
    config = load_config(init)
    load_tokenizer(init, unknown_tokens="unk", vocab_size=config.vocab_size)
    table = experimental_tests(data, config.time_grid_s)
    description = {"init_model": str(init.resolve()), "init_fingerprint": parent["fingerprint"]}

    def build():
        torch.manual_seed(settings.seed)
        model = load_model(init, load_config(init))
        tokenizer = load_tokenizer(init, unknown_tokens="unk", vocab_size=config.vocab_size)
        return model, tokenizer

    run = _Run("phase2", table, settings, description, fit_normalisation=False)
    return _execute(run, build, out_dir, progress, cancel)


# Ensembles -----------------------------------------------------------------------------


def member_dir(out_dir: str | Path, seed: int) -> Path:
    return Path(out_dir) / f"seed-{seed}"


def ensemble_members(folder: str | Path) -> list[Path]:
    """The member directories of an ensemble folder, or ``[folder]`` for a single model."""
    folder = Path(folder)
    if (folder / ENSEMBLE).is_file():
        return [folder / name for name in read_ensemble(folder)["members"]]
    return [folder]


def train_ensemble(
    phase: str,
    seeds: Sequence[int],
    out_dir: str | Path,
    *,
    settings: TrainSettings | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    **arguments,
) -> list[TrainingResult]:
    """One member per seed in ``out_dir/seed-N``, then ``ensemble.json`` listing them.

    ``arguments`` are those of the phase's function. Phase 2 from an ensemble folder
    finetunes member ``seed-N`` from the phase-1 member ``seed-N``. A rerun skips
    finished members and resumes the interrupted one.
    """
    if not seeds or len(set(seeds)) != len(seeds):
        raise TrainingError("An ensemble needs one or more different seeds.")
    settings = settings or default_settings(phase)
    train = {"phase1": train_phase1, "phase2": train_phase2, "single": train_single}[phase]
    results = []
    for seed in seeds:
        member = dict(arguments)
        if phase == "phase2" and (Path(arguments["init"]) / ENSEMBLE).is_file():
            member["init"] = member_dir(arguments["init"], seed)
        results.append(
            train(
                out_dir=member_dir(out_dir, seed),
                settings=replace(settings, seed=seed),
                progress=progress,
                cancel=cancel,
                **member,
            )
        )
    if int(os.environ.get("RANK", "0")) == 0:
        write_json(
            Path(out_dir) / ENSEMBLE,
            {
                "format_version": FORMAT_VERSION,
                "phase": phase,
                "seeds": list(seeds),
                "members": [member_dir(".", s).name for s in seeds],
            },
        )
    return results
