"""The training loop: device, precision, schedule, checkpoints, resume, early stopping, DDP.

`fit` trains a model in epochs and leaves behind, after each epoch, a checkpoint that
holds everything the next epoch depends on (weights, optimizer and scheduler state,
gradient scaler, every random generator, counters). A run that is killed or cancelled
is resumed by calling `fit` again with the same arguments: it restarts at the first
epoch that did not finish, and because batch order is a function of (seed, epoch) and
the random state is restored, it ends with the weights an uninterrupted run would have.

Under torchrun (WORLD_SIZE > 1) the same code runs one process per device: the model is
wrapped in DistributedDataParallel, each process reads its share of every epoch, losses
are averaged across processes, and only rank 0 writes files.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import random
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import distributed as dist

from engine.jobs import Cancelled, CancelToken, ProgressCallback

from .data import ConeExamples, collate, epoch_batches, evaluation_batches
from .records import EpochRecord, FitResult, TrainingProgress

DEVICES = ("auto", "cuda", "mps", "cpu")
CHECKPOINTS = "checkpoints"
LAST_CHECKPOINT = "last.pt"


class TrainingError(ValueError):
    """A training request that cannot run (settings, device, folder), with the reason."""


class CheckpointError(TrainingError):
    """A checkpoint that cannot be resumed from: damaged, of another run, or not plain data."""


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of one training run; saved in training_config.json.

    The learning rate rises linearly over ``warmup_fraction`` of all steps and then
    follows a cosine down to ``final_lr_fraction`` of its peak. Early stopping ends the
    run after ``patience`` epochs without a better validation loss; the weights of the
    best epoch are kept. ``split_seed`` fixes which polymers are held out for validation,
    apart from ``seed``, so that the members of an ensemble see the same split.
    """

    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    final_lr_fraction: float = 0.05
    grad_clip_norm: float = 1.0
    validation_fraction: float = 0.1
    patience: int = 3
    seed: int = 0
    split_seed: int = 0
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise TrainingError("Epochs and batch size must be at least 1.")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise TrainingError(f"The learning rate must be positive, not {self.learning_rate}.")
        if not 0 <= self.validation_fraction < 1:
            raise TrainingError("The validation fraction must be in [0, 1).")
        if self.patience < 1:
            raise TrainingError("Patience must be at least 1 epoch.")
        if self.device not in DEVICES:
            raise TrainingError(
                f"Unknown device {self.device!r}; choose one of {', '.join(DEVICES)}."
            )

    def to_json(self) -> dict:
        return asdict(self)


def resolve_device(name: str) -> torch.device:
    """CUDA when present, else Apple MPS, else CPU for "auto"; a named device must exist."""
    cuda = torch.cuda.is_available()
    mps = torch.backends.mps.is_available()
    if name == "auto":
        name = "cuda" if cuda else "mps" if mps else "cpu"
    elif (name == "cuda" and not cuda) or (name == "mps" and not mps):
        raise TrainingError(f"Training on {name} was asked for, but torch sees no {name} device.")
    if name == "cuda":
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device(name)


@dataclass(frozen=True)
class Precision:
    """Mixed precision: bf16 autocast where the GPU has it, else fp16 with a GradScaler."""

    dtype: torch.dtype | None
    scaled: bool

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]


def choose_precision(device: torch.device) -> Precision:
    """Mixed precision on CUDA only: CPU autocast is slower than fp32 for a model this
    size, and MPS autocast still lacks some of the ops the model uses."""
    if device.type != "cuda":
        return Precision(None, False)
    if torch.cuda.is_bf16_supported():
        return Precision(torch.bfloat16, False)
    return Precision(torch.float16, True)


@dataclass(frozen=True)
class Distributed:
    """This process's place among the processes torchrun started (1 of 1 without it)."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world_size > 1:
            dist.barrier()

    def sums(self, total: float, count: float) -> tuple[float, float]:
        """(sum of ``total``, sum of ``count``) over processes, for a mean of all."""
        if self.world_size == 1:
            return total, count
        pair = torch.tensor([total, count], dtype=torch.float64)
        dist.all_reduce(pair)
        return float(pair[0]), float(pair[1])

    def any(self, flag: bool) -> bool:
        """True on every process when any process says True (a cancel reaches all)."""
        if self.world_size == 1:
            return flag
        value = torch.tensor([int(flag)])
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())


@contextlib.contextmanager
def distributed(device: torch.device) -> Iterator[Distributed]:
    """Join torchrun's process group (gloo on CPU, nccl on CUDA) for the duration."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        yield Distributed()
        return
    created = not dist.is_initialized()
    if created:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield Distributed(dist.get_rank(), dist.get_world_size())
    finally:
        if created:
            dist.destroy_process_group()


@contextlib.contextmanager
def deterministic(device: torch.device) -> Iterator[None]:
    """Deterministic kernels on CPU, where they cost nothing; restored afterwards.

    On CUDA they need a cuBLAS workspace setting and slow some kernels, and GPU runs
    are for speed; repeatability is promised for CPU runs with the same number of torch
    threads (float sums depend on it; note that numba's OpenMP layer, used by the cone
    solver, can change that number in the same process). training_config.json records it.
    """
    if device.type != "cpu":
        yield
        return
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


def warmup_cosine(total_steps: int, warmup_fraction: float, final: float) -> Callable:
    """LR multiplier per step: linear warm-up, then a cosine from 1 down to ``final``."""
    warmup = max(1, round(warmup_fraction * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
        return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * progress))

    return factor


def _parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict]:
    """Decay matrices only: decaying biases and layer-norm gains only pulls them to 0."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    rest = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0}]


def _rng_state() -> dict:
    """Every random generator's state as tensors, ints and tuples, so that a checkpoint
    loads with ``torch.load(weights_only=True)`` (numpy's state would need unpickling
    numpy objects, which is what lets a foreign file run code)."""
    kind, key, position, has_gauss, cached_gaussian = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "kind": str(kind),
            "key": torch.from_numpy(key.astype(np.int64)),
            "pos": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    numpy_state = state["numpy"]
    key = numpy_state["key"].cpu().numpy().astype(np.uint32)
    torch.set_rng_state(state["torch"].cpu())
    np.random.set_state(
        (
            numpy_state["kind"],
            key,
            int(numpy_state["pos"]),
            int(numpy_state["has_gauss"]),
            float(numpy_state["cached_gaussian"]),
        )
    )
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def atomic_save(obj: object, path: Path) -> None:
    """torch.save to a temporary name, synced to disk, then rename: a kill (or a power
    cut) never leaves half a file under ``path``, only a ``.tmp`` that resuming removes."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        torch.save(obj, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_checkpoint(path: Path, device: torch.device | str, remedy: str):
    """A checkpoint's content, read as tensors and plain data only.

    ``weights_only=True`` everywhere: a training folder may come from someone else, and
    unpickling arbitrary objects runs their code. A file that cannot be read so (an
    older Trinity's checkpoint, someone's pickle) or is damaged raises `CheckpointError`
    naming it, with ``remedy`` (what to do) after the semicolon.
    """
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        if zipfile.is_zipfile(path):
            raise CheckpointError(
                f"The training checkpoint {path} holds Python objects besides tensors and "
                "numbers (a checkpoint of an older Trinity, or a file from elsewhere), which "
                f"are not loaded because loading them could run code; {remedy}."
            ) from None
        problem = "is not a PyTorch checkpoint"
    except OSError:
        raise  # unreadable (permissions, a vanished disk): the command reports it as it is
    except Exception:  # torch raises many types for a cut or foreign file
        problem = "is damaged or incomplete"
    if path.stat().st_size == 0:
        problem = "is empty"
    raise CheckpointError(f"The training checkpoint {path} {problem}; {remedy}.")


class _Trainer:
    """The state of one `fit` call; a class because an epoch changes a dozen things."""

    def __init__(self, model, train, val, settings, out_dir, world, progress, cancel, on_epoch):
        self.on_epoch = on_epoch
        self.settings = settings
        self.world = world
        self.train, self.val = train, val
        self.cancel = cancel or CancelToken()
        self.device = resolve_device(settings.device)
        self.precision = choose_precision(self.device)
        self.model = model.to(self.device)
        self.pad_id = model.config.pad_token_id
        self.net = model
        if world.world_size > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
        self.train_lengths = train.lengths
        steps_per_epoch = len(self._batches(0))
        self.steps_per_epoch = steps_per_epoch
        self.optimizer = torch.optim.AdamW(
            _parameter_groups(model, settings.weight_decay), lr=settings.learning_rate
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            warmup_cosine(
                settings.epochs * steps_per_epoch,
                settings.warmup_fraction,
                settings.final_lr_fraction,
            ),
        )
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.precision.scaled)
        self.folder = Path(out_dir) / CHECKPOINTS
        self.callback = progress
        self.started = time.perf_counter()
        self.epoch = 0
        self.best_epoch = -1
        self.best_loss: float | None = None
        self.bad_epochs = 0
        self.history: list[EpochRecord] = []

    def _batches(self, epoch: int) -> list[np.ndarray]:
        return epoch_batches(
            self.train_lengths,
            self.settings.batch_size,
            seed=self.settings.seed,
            epoch=epoch,
            rank=self.world.rank,
            world_size=self.world.world_size,
        )

    def _autocast(self):
        if self.precision.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.precision.dtype)

    def _progress(self, **fields) -> None:
        if self.callback is None or not self.world.is_main:
            return
        self.callback(
            TrainingProgress(
                done=fields["epoch"] * self.steps_per_epoch + fields["step"],
                total=self.settings.epochs * self.steps_per_epoch,
                elapsed_s=time.perf_counter() - self.started,
                **fields,
            )
        )

    # Checkpoints -----------------------------------------------------------------------

    def restore(self) -> int:
        """Load the last checkpoint if there is one; the number of epochs it holds.

        Leftovers of a save that was killed (``*.tmp``) are removed first; only renamed,
        complete files count. The best epoch's weights are checked here too, so a
        damaged file stops the run now rather than after the remaining epochs.
        """
        if self.world.is_main and self.folder.is_dir():
            for stale in self.folder.glob("*.tmp"):
                stale.unlink(missing_ok=True)
        path = self.folder / LAST_CHECKPOINT
        if not path.is_file():
            return 0
        restart = "delete it and rerun the same command to train again from the first epoch"
        state = load_checkpoint(path, self.device, restart)
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.scheduler.load_state_dict(state["scheduler"])
            self.scaler.load_state_dict(state["scaler"])
            _set_rng_state(state["rng"][self.world.rank])
            self.epoch = int(state["epoch"])
            self.best_epoch = int(state["best_epoch"])
            self.best_loss = None if state["best_loss"] is None else float(state["best_loss"])
            self.bad_epochs = int(state["bad_epochs"])
            self.history = [EpochRecord(**r) for r in state["history"]]
        except (KeyError, IndexError, TypeError, ValueError, RuntimeError, AttributeError):
            raise CheckpointError(
                f"The training checkpoint {path} is not a checkpoint of this training run "
                f"(its content does not fit this model and its settings); {restart}."
            ) from None
        self._load_best()
        return self.epoch

    def _load_best(self) -> dict:
        """The best epoch's weights, which the last checkpoint names."""
        best = self._best_path(self.best_epoch)
        restart = (
            f"delete the folder {self.folder} and rerun the same command to train again "
            "from the first epoch"
        )
        if not best.is_file():
            raise CheckpointError(
                f"The best epoch's weights {best}, which {self.folder / LAST_CHECKPOINT} "
                f"names, are missing; {restart}."
            )
        weights = load_checkpoint(best, self.device, restart)
        expected = self.model.state_dict()
        if not (
            isinstance(weights, dict)
            and weights.keys() == expected.keys()
            and all(
                isinstance(weights[k], torch.Tensor) and weights[k].shape == v.shape
                for k, v in expected.items()
            )
        ):
            raise CheckpointError(
                f"The best epoch's weights {best} do not fit this model; {restart}."
            )
        return weights

    def _best_path(self, epoch: int) -> Path:
        return self.folder / f"best-epoch-{epoch:04d}.pt"

    def save(self, improved: bool) -> None:
        """Every process's random state goes to rank 0, which writes the checkpoint.

        The best weights are their own file, written before the checkpoint that names
        them; older best files go only after, so a kill at any point leaves a
        consistent pair.
        """
        rng = [_rng_state()]
        if self.world.world_size > 1:
            rng = [None] * self.world.world_size
            dist.all_gather_object(rng, _rng_state())
        if self.world.is_main:
            self.folder.mkdir(parents=True, exist_ok=True)
            if improved:
                atomic_save(self.model.state_dict(), self._best_path(self.best_epoch))
            atomic_save(
                {
                    "model": self.model.state_dict(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "scaler": self.scaler.state_dict(),
                    "rng": rng,
                    "epoch": self.epoch,
                    "best_epoch": self.best_epoch,
                    "best_loss": self.best_loss,
                    "bad_epochs": self.bad_epochs,
                    "history": [asdict(r) for r in self.history],
                },
                self.folder / LAST_CHECKPOINT,
            )
            for old in self.folder.glob("best-epoch-*.pt"):
                if old != self._best_path(self.best_epoch):
                    old.unlink()
        self.world.barrier()

    # Epochs ----------------------------------------------------------------------------

    def run_epoch(self) -> tuple[float, int]:
        self.net.train()
        total, count = 0.0, 0
        for step, indices in enumerate(self._batches(self.epoch)):
            if self.world.any(self.cancel.cancelled):
                raise Cancelled("Training was cancelled; the finished epochs are saved.")
            batch = collate(self.train, indices, self.pad_id, self.device)
            with self._autocast():
                loss = self.net(**batch).loss
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.grad_clip_norm)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            total += float(loss.detach()) * len(indices)
            count += len(indices)
            self._progress(
                epoch=self.epoch,
                step=step + 1,
                train_loss=total / count,
                message=f"epoch {self.epoch + 1}, step {step + 1}/{self.steps_per_epoch}",
            )
        total, count = self.world.sums(total, count)
        return total / count, int(count)

    @torch.no_grad()
    def evaluate(self) -> float | None:
        if len(self.val) == 0:
            return None
        self.model.eval()
        total, count = 0.0, 0
        batches = evaluation_batches(
            self.val.lengths,
            self.settings.batch_size,
            rank=self.world.rank,
            world_size=self.world.world_size,
        )
        for indices in batches:
            batch = collate(self.val, indices, self.pad_id, self.device)
            with self._autocast():
                loss = self.model(**batch).loss
            total += float(loss) * len(indices)
            count += len(indices)
        total, count = self.world.sums(total, count)
        return total / count

    def fit(self) -> FitResult:
        resumed = self.restore()
        stopped_early = self.bad_epochs >= self.settings.patience
        while self.epoch < self.settings.epochs and not stopped_early:
            start = time.perf_counter()
            train_loss, samples = self.run_epoch()
            val_loss = self.evaluate()
            improved = val_loss is None or self.best_loss is None or val_loss < self.best_loss
            if improved:
                self.best_epoch, self.best_loss, self.bad_epochs = self.epoch, val_loss, 0
            else:
                self.bad_epochs += 1
            record = EpochRecord(
                epoch=self.epoch,
                train_loss=train_loss,
                val_loss=val_loss,
                learning_rate=self.scheduler.get_last_lr()[0],
                samples=samples,
                seconds=time.perf_counter() - start,
            )
            self.history.append(record)
            self.epoch += 1
            self.save(improved)
            if self.on_epoch is not None and self.world.is_main:
                self.on_epoch(self._result(resumed, stopped_early=False))
            stopped_early = self.bad_epochs >= self.settings.patience
            self._progress(
                epoch=record.epoch,
                step=self.steps_per_epoch,
                train_loss=train_loss,
                val_loss=val_loss,
                epoch_done=True,
                message=_epoch_line(record, self.settings.epochs),
            )
        self.model.load_state_dict(self._load_best())
        return self._result(resumed, stopped_early and self.epoch < self.settings.epochs)

    def _result(self, resumed: int, stopped_early: bool) -> FitResult:
        return FitResult(
            history=tuple(self.history),
            best_epoch=self.best_epoch,
            best_val_loss=self.best_loss,
            stopped_early=stopped_early,
            resumed_from_epoch=resumed,
            precision=self.precision.name,
            elapsed_s=time.perf_counter() - self.started,
        )


def _epoch_line(record: EpochRecord, epochs: int) -> str:
    val = f", validation {record.val_loss:.4f}" if record.val_loss is not None else ""
    return (
        f"epoch {record.epoch + 1}/{epochs}: train {record.train_loss:.4f}{val} "
        f"({record.samples / record.seconds:.0f} samples/s)"
    )


def fit(
    model: torch.nn.Module,
    train: ConeExamples,
    val: ConeExamples,
    settings: TrainSettings,
    out_dir: str | Path,
    *,
    world: Distributed | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_epoch: Callable[[FitResult], None] | None = None,
) -> FitResult:
    """Train ``model`` in place, resuming from ``out_dir``'s checkpoint if there is one.

    Ends with the best epoch's weights loaded into ``model``. ``on_epoch`` receives the
    history so far after each epoch's checkpoint (rank 0 only). Raises
    `engine.jobs.Cancelled` when cancelled; the epochs finished before are kept.
    """
    world = world or Distributed()
    device = resolve_device(settings.device)
    with deterministic(device):
        # Dropout draws follow the seed, per process, from here on (or from a checkpoint).
        torch.manual_seed(settings.seed + 1_000_003 * world.rank)
        return _Trainer(
            model, train, val, settings, out_dir, world, progress, cancel, on_epoch
        ).fit()
