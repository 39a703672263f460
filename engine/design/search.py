"""The design search: screen the hypothetical space, or search it guided by the best
candidates found so far, within a budget of predictions, resumably.

Both strategies begin alike: the first batch is drawn at random. Screening goes on
drawing. The guided search then makes most of each batch (1 − `EXPLORE`) by mutating
(`engine.design.space`) candidates from the elite, the best `ELITE_SHARE` of what it
has predicted, and draws the rest at random, so it keeps looking elsewhere too.

The search ranks polymers by the shipped predictor's point values without the plausible
material draws (`OnnxPredictor(ignition_draws=0)`, several times faster); the ranked
candidates it reports are then predicted in full, with the calibrated interval, the
probability of ignition and everything else `engine.design.candidates` adds.

A design folder holds ``design.json`` (the settings, then the summary), one CSV per
batch under ``batches/`` (written whole or not at all), and at the end
``candidates.csv``, ``pareto.csv`` and ``pareto.png``. Rerunning the same design in the
same folder resumes after the last batch saved: each batch's draws come from a random
generator seeded by (seed, batch number) and the batches before it, so a resumed
search is the search that would have run without the stop.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from engine.design.constraints import Constraints
from engine.design.pareto import front
from engine.design.space import DesignSpace, Recipe
from engine.design.targets import TARGETS, Target, check_targets, margins, scores
from engine.jobs import CancelToken, ProgressCallback, ProgressReporter
from engine.outputs import write_csv, write_text
from engine.predictor import OnnxPredictor, PredictorError
from engine.quantities import HEAT_FLUX, THICKNESS, QuantityError

STRATEGIES = ("guided", "screen")
#: Share of a guided batch drawn at random rather than mutated.
EXPLORE = 0.2
#: The elite a guided search mutates: this share of what it has predicted, at least
#: `MIN_ELITE` polymers.
ELITE_SHARE = 0.05
MIN_ELITE = 16
#: Mutations a guided child may be away from its parent: when the near neighbours of the
#: elite have all been predicted, the search walks further instead of stalling.
MAX_STEPS = 4
#: Draws per polymer predicted before a batch gives up (constraints that refuse
#: nearly everything, or a space used up).
MAX_DRAWS_PER_POLYMER = 200
#: What a batch's table holds, per polymer predicted.
BATCH_COLUMNS = ("recipe", "smiles", "family", "pieces", "batch", "tig_s", "phrr_kw_m2",
                 "thr_mj_m2", "score", "meets")
SETTINGS_FILE = "design.json"
BATCHES = "batches"


class DesignError(ValueError):
    """A design that cannot run as asked; one sentence says why and what to do."""


@dataclass(frozen=True)
class DesignConfig:
    """What to look for, where and how hard. ``budget``: polymers to predict;
    ``n``: candidates to report; ``families``: the generator's families to search
    (None: all)."""

    targets: tuple[Target, ...]
    heat_flux_kw_m2: float = 50.0
    thickness_mm: float = 6.0
    constraints: Constraints = field(default_factory=Constraints)
    strategy: str = "guided"
    budget: int = 5000
    n: int = 50
    seed: int = 0
    batch_size: int = 500
    families: tuple[str, ...] | None = None
    backing: str = "insulated"

    def __post_init__(self) -> None:
        check_targets(self.targets)
        if self.strategy not in STRATEGIES:
            raise DesignError(f"Strategy {self.strategy!r} is neither of {', '.join(STRATEGIES)}.")
        if self.budget < 1 or self.n < 1 or self.batch_size < 1:
            raise DesignError("The budget, the number of candidates and the batch size must "
                              "be at least 1.")
        try:
            HEAT_FLUX.check(self.heat_flux_kw_m2, "--flux")
            THICKNESS.check(self.thickness_mm, "--thickness")
        except QuantityError as error:
            raise DesignError(str(error)) from None

    def search_settings(self) -> dict:
        """What must match for a folder's batches to be resumed: all but the budget and
        the number of candidates, which a rerun may raise."""
        settings = asdict(self)
        settings["targets"] = [str(t) for t in self.targets]
        settings["families"] = list(self.families) if self.families else None
        for key in ("budget", "n"):
            settings.pop(key)
        return json.loads(json.dumps(settings))


@dataclass
class DesignCounts:
    """What the search drew and why it predicted fewer than it drew."""

    drawn: int = 0
    duplicates: int = 0
    refused: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)


@dataclass(frozen=True, eq=False)
class DesignResult:
    """A finished design: the ranked candidates, every polymer predicted (with
    ``pareto``), this run's counts, and the files written (none without ``describe``)."""

    config: DesignConfig
    candidates: pd.DataFrame
    evaluated: pd.DataFrame
    counts: DesignCounts
    batches_resumed: int
    elapsed_s: float
    files: dict[str, Path]


# --- proposing ------------------------------------------------------------------------------


def _rank(frame: pd.DataFrame) -> pd.DataFrame:
    """Candidates meeting every target first, then by score (best first)."""
    return frame.sort_values(["meets", "score"], ascending=[False, False], kind="stable")


class _Searched:
    """What the search has predicted so far, kept so that a batch costs the same at the
    millionth polymer as at the first: the batches' tables, the recipes and SMILES seen,
    and each polymer's rank key (meeting every target first, then the score)."""

    def __init__(self, frames: list[pd.DataFrame]):
        self.frames: list[pd.DataFrame] = []
        self.recipes: list[str] = []
        self.seen: set[str] = set()
        self.seen_smiles: set[str] = set()
        self._keys: list[np.ndarray] = []
        self.meeting = 0
        self.best = -np.inf
        for frame in frames:
            self.add(frame)

    def __len__(self) -> int:
        return len(self.recipes)

    def add(self, frame: pd.DataFrame) -> None:
        self.frames.append(frame)
        self.recipes.extend(frame["recipe"])
        self.seen.update(frame["recipe"])
        self.seen_smiles.update(frame["smiles"])
        score = frame["score"].to_numpy(float)
        meets = frame["meets"].to_numpy(bool)
        # scores lie within ±(targets × SHORTFALL_WEIGHT × MARGIN_CAP), far below 1e6
        self._keys.append(score + 1e6 * meets)
        self.meeting += int(meets.sum())
        if len(score):
            self.best = max(self.best, float(score.max()))

    def elite(self) -> list[Recipe]:
        """The best `ELITE_SHARE` (at least `MIN_ELITE`) of what was predicted."""
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0)
        size = min(len(keys), max(MIN_ELITE, int(len(keys) * ELITE_SHARE)))
        if size == 0:
            return []
        top = np.argpartition(-keys, size - 1)[:size]
        top = top[np.lexsort((top, -keys[top]))]  # best first, ties by order predicted
        return [Recipe.from_key(self.recipes[i]) for i in top]

    def table(self) -> pd.DataFrame:
        if not self.frames:
            return pd.DataFrame({c: [] for c in BATCH_COLUMNS})
        return pd.concat(self.frames, ignore_index=True)


def _propose(space: DesignSpace, config: DesignConfig, predictor: OnnxPredictor,
             searched: _Searched, rng: random.Random, k: int, counts: DesignCounts):
    """Up to ``k`` new polymers that pass the constraints: (recipe, pieces, encoded)."""
    seen, seen_smiles = set(), set()  # this batch's; the earlier ones are in ``searched``
    elite = searched.elite() if config.strategy == "guided" else []
    out = []
    for _ in range(k * MAX_DRAWS_PER_POLYMER):
        if len(out) == k:
            break
        if elite and rng.random() >= EXPLORE:
            recipe = space.mutate(rng.choice(elite), rng)
            for _ in range(MAX_STEPS - 1):  # a child seen before: walk on from it
                if recipe.key not in seen and recipe.key not in searched.seen:
                    break
                recipe = space.mutate(recipe, rng)
        else:
            recipe = space.draw(rng)
        counts.drawn += 1
        if recipe.key in seen or recipe.key in searched.seen:
            counts.duplicates += 1
            continue
        seen.add(recipe.key)
        smiles, pieces = space.build(recipe)
        try:
            encoded = predictor.encode(smiles)
        except PredictorError:
            counts.failed["not a valid repeat unit"] += 1
            continue
        polymer = encoded[2]
        if polymer.smiles in seen_smiles or polymer.smiles in searched.seen_smiles:
            counts.duplicates += 1
            continue
        seen_smiles.add(polymer.smiles)
        reason = config.constraints.violation(polymer)
        if reason:
            counts.refused[reason] += 1
            continue
        out.append((recipe, pieces, encoded))
    return out


# --- predicting -----------------------------------------------------------------------------


def _predict(predictor: OnnxPredictor, config: DesignConfig, proposals: list,
             counts: DesignCounts) -> tuple[list, dict[str, np.ndarray]]:
    """Point predictions of the proposals; a batch that fails is split until the polymer
    that fails it is found (one the group library cannot fully estimate), which is
    dropped and counted."""
    if not proposals:
        return [], {t: np.zeros(0) for t in TARGETS}
    n = len(proposals)
    flux = np.full(n, config.heat_flux_kw_m2, np.float32)
    thickness = np.full(n, config.thickness_mm, np.float32)
    try:
        prediction = predictor._run([p[2] for p in proposals], flux, thickness, 0.8,
                                    [None] * n, [config.backing] * n)
    except (ValueError, ArithmeticError) as error:
        if n == 1:
            counts.failed[type(error).__name__] += 1
            return [], {t: np.zeros(0) for t in TARGETS}
        half = n // 2
        kept_a, values_a = _predict(predictor, config, proposals[:half], counts)
        kept_b, values_b = _predict(predictor, config, proposals[half:], counts)
        return kept_a + kept_b, {t: np.concatenate([values_a[t], values_b[t]])
                                 for t in values_a}
    return proposals, {t: np.asarray(getattr(prediction, t), float)
                       for t in TARGETS}


def _batch_frame(config: DesignConfig, kept: list,
                 values: dict[str, np.ndarray], batch: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "recipe": [r.key for r, _, _ in kept],
        "smiles": [e[2].smiles for _, _, e in kept],
        "family": [r.family for r, _, _ in kept],
        "pieces": [" + ".join(p) for _, p, _ in kept],
        "batch": batch,
        **{t: values[t] for t in TARGETS},
    })
    margin = margins(config.targets, values) if len(frame) else np.zeros((0, 1))
    frame["score"] = scores(margin) if len(frame) else np.zeros(0)
    frame["meets"] = (margin >= 0).all(axis=1) if len(frame) else np.zeros(0, bool)
    return frame


# --- the folder -----------------------------------------------------------------------------


def _batch_path(out: Path, batch: int) -> Path:
    return out / BATCHES / f"batch-{batch:06d}.csv"


def _resume(out: Path, config: DesignConfig) -> list[pd.DataFrame]:
    """The batches a folder holds for this design (none for a new folder)."""
    settings_file = out / SETTINGS_FILE
    if not settings_file.exists():
        return []
    try:
        saved = json.loads(settings_file.read_text(encoding="utf-8"))["search"]
    except (OSError, ValueError, KeyError):
        raise DesignError(f"{settings_file} is not a design's settings file; choose another "
                          "output folder, or delete it to start afresh.") from None
    if saved != config.search_settings():
        raise DesignError(f"{out} holds a design with other settings; choose another output "
                          "folder, or delete that one to start afresh.")
    frames = []
    while _batch_path(out, len(frames)).exists():
        frame = pd.read_csv(_batch_path(out, len(frames)), keep_default_na=True)
        frame["meets"] = frame["meets"].astype(bool)
        frames.append(frame)
    return frames


def _write_settings(out: Path, config: DesignConfig, summary: dict | None = None) -> None:
    record = {"search": config.search_settings(), "budget": config.budget, "n": config.n}
    if summary:
        record["summary"] = summary
    write_text(out / SETTINGS_FILE, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


# --- the search -----------------------------------------------------------------------------


def run_design(
    config: DesignConfig,
    out: str | Path,
    *,
    predictor: OnnxPredictor | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    on_batch: Callable[[pd.DataFrame], None] | None = None,
    describe: bool = True,
) -> DesignResult:
    """Search for ``config``'s targets, saving each batch in ``out`` (resumed if it
    holds this design's batches), then rank, describe and plot the best ``config.n``.

    ``predictor``: the shipped model when None. ``on_batch`` gets each batch's table as
    it is predicted (the window's live Pareto plot). ``cancel`` is checked between
    batches; what was predicted is kept. ``describe`` False skips the full predictions
    and the files of the end (benchmarks compare searches by their batches alone).
    """
    from engine.design.candidates import describe_candidates

    started = time.perf_counter()
    out = Path(out)
    predictor = predictor or OnnxPredictor()
    space = DesignSpace(config.families)
    searched = _Searched(_resume(out, config))
    batch = resumed = len(searched.frames)
    (out / BATCHES).mkdir(parents=True, exist_ok=True)
    _write_settings(out, config)
    counts = DesignCounts()
    report = ProgressReporter(config.budget, progress)
    report(min(len(searched), config.budget), _status(searched, config))
    draws, predictor.ignition_draws = predictor.ignition_draws, 0
    try:
        while len(searched) < config.budget:
            if cancel is not None:
                cancel.raise_if_cancelled()
            rng = random.Random(f"{config.seed}:{batch}")
            want = min(config.batch_size, config.budget - len(searched))
            proposals = _propose(space, config, predictor, searched, rng, want, counts)
            kept, values = _predict(predictor, config, proposals, counts)
            frame = _batch_frame(config, kept, values, batch)
            write_csv(frame, _batch_path(out, batch))
            searched.add(frame)
            batch += 1
            if on_batch is not None:
                on_batch(frame)
            report(min(len(searched), config.budget), _status(searched, config))
            if not proposals:
                break  # the space, or what the constraints let through, is used up
    finally:
        predictor.ignition_draws = draws
    evaluated = searched.table()
    evaluated["pareto"] = front(evaluated, config.targets)
    files: dict[str, Path] = {}
    candidates = _rank(evaluated).head(config.n).reset_index(drop=True)
    if describe and len(candidates):
        candidates = describe_candidates(predictor, candidates, config)
        files = _write_results(out, config, evaluated, candidates, counts, resumed,
                               time.perf_counter() - started)
    return DesignResult(config, candidates, evaluated, counts, resumed,
                        time.perf_counter() - started, files)


def _status(searched: _Searched, config: DesignConfig) -> str:
    if not len(searched):
        return "drawing the first polymers"
    return (f"{len(searched):,} of {config.budget:,} polymers predicted, "
            f"{searched.meeting:,} meet every target, best score {searched.best:.2f}")


def _write_results(out: Path, config: DesignConfig, evaluated: pd.DataFrame,
                   candidates: pd.DataFrame, counts: DesignCounts, resumed: int,
                   elapsed_s: float) -> dict[str, Path]:
    from engine.design.pareto import write_pareto_plot  # matplotlib: only when writing

    files = {"candidates": out / "candidates.csv", "pareto": out / "pareto.csv",
             "plot": out / "pareto.png", "settings": out / SETTINGS_FILE}
    write_csv(candidates, files["candidates"])
    write_csv(_rank(evaluated[evaluated["pareto"]]), files["pareto"])
    targets = ", ".join(str(t) for t in config.targets)
    write_pareto_plot(
        evaluated, candidates, config.targets, files["plot"], seed=config.seed,
        title=(f"{targets} at {config.heat_flux_kw_m2:g} kW/m², {config.thickness_mm:g} mm "
               f"— {config.strategy}, {len(evaluated):,} polymers"))
    summary = {
        "predicted": len(evaluated),
        "meet_every_target": int(evaluated["meets"].sum()),
        "pareto_front": int(evaluated["pareto"].sum()),
        "best_score": float(evaluated["score"].max()),
        "drawn_this_run": counts.drawn,
        "duplicates_this_run": counts.duplicates,
        "refused_by_constraints_this_run": dict(counts.refused),
        "failed_this_run": dict(counts.failed),
        "batches_resumed": resumed,
        "elapsed_s": round(elapsed_s, 1),
    }
    _write_settings(out, config, summary)
    return files

