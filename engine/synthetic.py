"""Synthetic cone data: hypothetical polymers → GC → cone simulations → Parquet.

The data set is a folder: ``manifest.json`` (settings, time grid, format version) and
one ``part-NNNNN.parquet`` per chunk of polymers, each written atomically (temporary
file, then rename). A chunk's polymers depend only on the seed and the chunk's place
in the sequence, so a rerun after a crash or a cancel skips the parts on disk and
computes the rest: no row is lost or written twice. A part that a disk or a person
damaged (cut short, emptied, overwritten) is found on resume, deleted and computed again.

Chunks run on all local cores (processes), or on a Dask distributed cluster when a
scheduler address is given. Every simulation gives a row; one that failed (the solver
gave up, or raised: a chunk whose batch raises is run again one scenario at a time) or
gave a physically impossible result keeps its row with ``status`` and a ``reason``.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from engine.jobs import CancelToken, ProgressCallback, ProgressReporter, exit_with_parent
from engine.quantities import FLAME_FLUX, HEAT_FLUX, THICKNESS, Limit, QuantityError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STATUS_OK, STATUS_FAILED, STATUS_REJECTED = "ok", "failed", "rejected"
_PROPERTY_COLUMNS = (
    "density_kg_m3",
    "conductivity_w_mk",
    "specific_heat_j_kgk",
    "emissivity",
    "absorption_coefficient_1_m",
    "decomposition_peak_k",
    "char_yield",
    "heat_of_reaction_j_kg",
    "heat_of_combustion_j_kg",
    "heat_of_combustion_complete_j_kg",
    "heat_release_capacity_j_gk",
    "molar_mass_kg_mol",
)
_METRIC_COLUMNS = (
    "tig_s",
    "phrr_kw_m2",
    "t_phrr_s",
    "thr_mj_m2",
    "avg_hrr_60_kw_m2",
    "avg_hrr_180_kw_m2",
    "avg_hrr_300_kw_m2",
    "marhe_kw_m2",
    "figra_kw_m2_s",
    "flameout_s",
)


class SyntheticError(ValueError):
    """A data-set folder or setting that cannot be used, with the reason."""


@dataclass(frozen=True)
class SyntheticConfig:
    """What to generate. The same config and seed always give the same data set.

    Conditions: with ``draws_per_polymer`` 0, every polymer at every heat flux ×
    thickness of the grid; otherwise that many conditions per polymer, each drawn
    log-uniformly over ``flux_range_kw_m2`` and ``thickness_range_mm`` (the range users
    test, ISO 5660-1: 10-100 kW/m², up to 50 mm). With ``vary_physics`` each simulation
    uses a plausible material drawn around the GC estimate (`engine.gc.uncertainty`),
    so the set holds the spread of outcomes the physics allows, not one biased point.
    Draws depend only on the seed, the polymer's id and the condition's place.
    """

    n_polymers: int
    seed: int = 0
    heat_fluxes_kw_m2: tuple[float, ...] = (25.0, 50.0, 75.0)
    thicknesses_mm: tuple[float, ...] = (3.0, 6.0)
    flame_flux_kw_m2: float = 20.0
    duration_s: float = 900.0
    curve_interval_s: float = 5.0
    chunk_size: int = 200
    draws_per_polymer: int = 0
    flux_range_kw_m2: tuple[float, float] = (10.0, 100.0)
    thickness_range_mm: tuple[float, float] = (1.0, 50.0)
    vary_physics: bool = False

    def __post_init__(self) -> None:
        if not (isinstance(self.n_polymers, int) and self.n_polymers > 0):
            raise SyntheticError(
                f"The number of polymers must be a positive integer, not {self.n_polymers!r}."
            )
        from engine.hypothetical import count_reachable

        reachable = sum(count_reachable().values())
        if self.n_polymers > reachable:
            # Asking for more would draw until every recipe is used, for an hour or more.
            raise SyntheticError(
                f"{self.n_polymers} polymers were asked for, but the generator's building "
                f"blocks make {reachable:,} distinct ones; ask for at most that many."
            )
        # The ranges ConeScenario accepts: a condition outside them would only show up
        # after the run, as a failed row for every polymer.
        for name, limit, label in (
            ("heat_fluxes_kw_m2", HEAT_FLUX, "Heat flux"),
            ("thicknesses_mm", THICKNESS, "Thickness"),
        ):
            values = getattr(self, name)
            if not values:
                raise SyntheticError(f"{name} needs at least one value.")
            for value in values:
                _within(limit, value, label)
        _within(FLAME_FLUX, self.flame_flux_kw_m2, "Flame heat flux")
        if not (isinstance(self.draws_per_polymer, int) and self.draws_per_polymer >= 0):
            raise SyntheticError(
                f"draws_per_polymer must be 0 (the grid) or a positive integer, not "
                f"{self.draws_per_polymer!r}."
            )
        for name, limit, label in (
            ("flux_range_kw_m2", HEAT_FLUX, "Heat flux"),
            ("thickness_range_mm", THICKNESS, "Thickness"),
        ):
            low, high = getattr(self, name)
            _within(limit, low, label)
            _within(limit, high, label)
            if not low < high:
                raise SyntheticError(f"{name} must run from low to high, not {low}–{high}.")
        if not (self.duration_s > self.curve_interval_s > 0):
            raise SyntheticError("duration_s must exceed curve_interval_s, and both be > 0.")
        if self.chunk_size < 1:
            raise SyntheticError("chunk_size must be at least 1.")

    @property
    def conditions_per_polymer(self) -> int:
        return self.draws_per_polymer or len(self.heat_fluxes_kw_m2) * len(self.thicknesses_mm)

    def conditions(self, polymer_id: int) -> list[tuple[float, float]]:
        """(heat flux, thickness) of each simulation of polymer ``polymer_id``."""
        if not self.draws_per_polymer:
            return [(f, t) for f in self.heat_fluxes_kw_m2 for t in self.thicknesses_mm]
        rng = np.random.default_rng([self.seed, polymer_id, 1])
        logs = rng.uniform(size=(self.draws_per_polymer, 2))
        (f0, f1), (t0, t1) = self.flux_range_kw_m2, self.thickness_range_mm
        flux = np.exp(np.log(f0) + logs[:, 0] * np.log(f1 / f0))
        thick = np.exp(np.log(t0) + logs[:, 1] * np.log(t1 / t0))
        # to what a condition resolves (engine.quantities), so rows read back exactly
        return [(round(float(f), 2), round(float(t), 3)) for f, t in zip(flux, thick,
                                                                          strict=True)]

    @property
    def n_chunks(self) -> int:
        return -(-self.n_polymers // self.chunk_size)

    @property
    def time_grid_s(self) -> np.ndarray:
        """Fixed grid the HRR curves are stored on (0 … duration)."""
        return np.arange(0.0, self.duration_s + 1e-9, self.curve_interval_s)

    def to_json(self) -> dict:
        record = asdict(self)
        for name in ("flux_range_kw_m2", "thickness_range_mm"):
            record[name] = list(record[name])
        return record


def _within(limit: Limit, value: float, label: str) -> None:
    try:
        limit.check(value, label)
    except QuantityError as error:
        raise SyntheticError(str(error)) from None


@dataclass(frozen=True)
class SyntheticSummary:
    """What a run did: chunks written now and before, rows by status, wall time."""

    out_dir: Path
    chunks_total: int
    chunks_written: int
    chunks_resumed: int
    rows: int
    rows_by_status: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0


def polymer_chunks(config: SyntheticConfig) -> Iterator[tuple[int, list[tuple[int, str, str]]]]:
    """(chunk index, [(polymer id, SMILES, family), …]) in order, generated lazily.

    The generator only parses here (GC runs in the workers, which record any polymer
    the group library cannot cover), so the coordinator keeps up with the workers.
    """
    from engine.hypothetical import generate_polymers

    chunk: list[tuple[int, str, str]] = []
    polymers = generate_polymers(config.n_polymers, seed=config.seed, estimate=False)
    for i, hp in enumerate(polymers):
        chunk.append((i, hp.polymer.smiles, hp.family))
        if len(chunk) == config.chunk_size:
            yield i // config.chunk_size, chunk
            chunk = []
    if chunk:
        yield config.n_chunks - 1, chunk


def simulate_chunk(
    config: SyntheticConfig, polymers: Sequence[tuple[int, str, str]], threads: int | None = None
) -> pd.DataFrame:
    """GC and cone simulations for one chunk: one row per (polymer, flux, thickness).

    A top-level function so that processes and Dask workers can run it. ``threads``
    caps the solver's threads (one per process when several processes share the cores).
    """
    from engine.cone.gc_material import cone_material
    from engine.cone.scenario import ConeScenario
    from engine.gc.properties import estimate_properties
    from engine.gc.uncertainty import draw_properties
    from engine.polymer import parse_polymer

    grid = config.time_grid_s
    rows: list[dict] = []
    scenarios, owners = [], []
    for pid, smiles, family in polymers:
        base = {"polymer_id": pid, "smiles": smiles, "family": family}
        try:
            polymer = parse_polymer(smiles)
            props = estimate_properties(polymer)
            material = cone_material(props)
        except Exception as exc:  # one polymer's failure is its rows' reason, never the run's
            for flux, thick in config.conditions(pid):
                rows.append(_failed_row(base, flux, thick, _reason(exc)))
            continue
        hydrocarbon = set(polymer.element_counts) <= {"C", "H"}
        prop_values = {name: getattr(props, name) for name in _PROPERTY_COLUMNS}
        r = props.reactions[0]
        prop_values |= {
            "pre_exponential_1_s": r.pre_exponential_1_s,
            "activation_energy_j_mol": r.activation_energy_j_mol,
        }
        physics = np.random.default_rng([config.seed, pid, 2])
        for flux, thick in config.conditions(pid):
            try:
                drawn = (cone_material(draw_properties(props, physics))
                         if config.vary_physics else material)
                scenario = ConeScenario(
                    material=drawn,
                    heat_flux_kw_m2=flux,
                    thickness_mm=thick,
                    flame_flux_kw_m2=config.flame_flux_kw_m2,
                    duration_s=config.duration_s,
                )
            except ValueError as exc:  # a condition or draw the solver does not accept
                rows.append(_failed_row(base, flux, thick, str(exc)))
                continue
            scenarios.append(scenario)
            owners.append(
                (
                    {**base, **prop_values, "heat_flux_kw_m2": flux, "thickness_mm": thick},
                    hydrocarbon,
                )
            )
    for result, (row, hydrocarbon) in zip(_simulate_each(scenarios, threads), owners, strict=True):
        if isinstance(result, Exception):
            row |= {"status": STATUS_FAILED, "reason": f"the solver crashed ({_reason(result)})"}
            rows.append(row)
            continue
        try:
            status, reason = check_result(result, hydrocarbon=hydrocarbon)
            metrics = asdict(result.metrics)
            curve = np.interp(grid, result.time_s, result.hrr_kw_m2, right=0.0).astype(np.float32)
        except Exception as exc:  # a result too broken to read is that row's failure
            row |= {"status": STATUS_FAILED, "reason": f"unreadable result ({_reason(exc)})"}
        else:
            row |= {name: metrics[name] for name in _METRIC_COLUMNS}
            row |= {"status": status, "reason": reason, "hrr_curve_kw_m2": curve}
        rows.append(row)
    return pd.DataFrame(rows)


def _failed_row(base: dict, flux: float, thickness: float, reason: str) -> dict:
    return {**base, "heat_flux_kw_m2": flux, "thickness_mm": thickness,
            "status": STATUS_FAILED, "reason": reason}


def _reason(exc: Exception) -> str:
    """A ValueError is a sentence meant for users; anything else is a crash, named as one."""
    return str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"


def _simulate_each(scenarios: list, threads: int | None) -> list:
    """The solver's results, one per scenario, or the exception a scenario raised.

    The chunk runs as one batch (fast: the solver spreads it over the cores). Should the
    batch raise, which one bad scenario is enough for, each scenario runs on its own, so
    that only the scenario that raises loses its result and the rest of the chunk, and
    the run, go on.
    """
    from engine.cone import solver

    try:
        return list(solver.simulate(scenarios, workers=threads))
    except Exception:  # the solver's failure modes are not ours to enumerate
        pass
    results = []
    for scenario in scenarios:
        try:
            results.append(solver.simulate([scenario], workers=1)[0])
        except Exception as exc:  # recorded as that row's reason
            results.append(exc)
    return results


def check_result(result, *, hydrocarbon: bool) -> tuple[str, str]:
    """(status, reason): solver failures and physically impossible results are flagged."""
    if not result.ok:
        return STATUS_FAILED, result.message or "the solver failed"
    hrr = result.hrr_kw_m2
    if not np.all(np.isfinite(hrr)):
        return STATUS_REJECTED, "the HRR curve contains NaN or infinite values"
    if hrr.min() < -1e-6:
        return STATUS_REJECTED, f"negative heat release rate ({hrr.min():.3g} kW/m²)"
    m = result.metrics
    if result.ignited and not all(math.isfinite(v) for v in (m.tig_s, m.phrr_kw_m2, m.thr_mj_m2)):
        return STATUS_REJECTED, "an ignited test without finite t_ig, pHRR and THR"
    if hydrocarbon and result.scenario.heat_flux_kw_m2 >= 75 and not result.ignited:
        return STATUS_REJECTED, "a hydrocarbon that does not ignite at 75 kW/m²"
    return STATUS_OK, ""


def _part_path(out_dir: Path, index: int) -> Path:
    return out_dir / f"part-{index:05d}.parquet"


def _write_part(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    os.replace(tmp, path)


#: Columns every row of a part has, whatever became of its simulation.
_REQUIRED_COLUMNS = ("polymer_id", "smiles", "family", "heat_flux_kw_m2", "thickness_mm",
                     "status", "reason")
_REGENERATE = "rerun the generation with the same settings to regenerate it"


def _read_part(
    path: Path, config: SyntheticConfig, index: int, points: int
) -> tuple[pa.Table | None, str | None]:
    """Chunk ``index``'s part file and None, or None and what is wrong with it.

    The part is read whole (a few MB at most), so a cut or overwritten file is caught
    here rather than when training reads it: its rows must be exactly the chunk's
    polymers under every condition, with the columns and curve length of this data set.
    """
    if path.stat().st_size == 0:
        return None, "empty"
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError):
        return None, "not a readable Parquet file"
    problem = _table_problem(table, config, index, points)
    return (None, problem) if problem else (table, None)


def _table_problem(table: pa.Table, config: SyntheticConfig, index: int, points: int) -> str | None:
    missing = [name for name in _REQUIRED_COLUMNS if name not in table.column_names]
    if missing:
        return f"it lacks the columns {', '.join(missing)}"
    first = index * config.chunk_size
    ids = range(first, min(first + config.chunk_size, config.n_polymers))
    expected = len(ids) * config.conditions_per_polymer
    if table.num_rows != expected:
        return f"{table.num_rows} rows, not the chunk's {expected}"
    try:
        if set(table.column("polymer_id").to_pylist()) != set(ids):
            return f"rows of other polymers than the chunk's {ids.start}–{ids.stop - 1}"
        if not set(table.column("status").to_pylist()) <= {
            STATUS_OK, STATUS_FAILED, STATUS_REJECTED
        }:
            return "a status that is none of ok, failed, rejected"
        if "hrr_curve_kw_m2" in table.column_names:
            lengths = {len(c) for c in table.column("hrr_curve_kw_m2").to_pylist() if c is not None}
            if lengths - {points}:
                return f"HRR curves that are not {points} points long"
    except (pa.ArrowException, TypeError, ValueError):
        return "columns of the wrong type"
    return None


def _manifest_problem(info: object) -> str | None:
    """What is wrong with a decoded manifest.json, or None."""
    if not isinstance(info, dict):
        return "not a JSON object"
    for key in ("format_version", "config", "time_grid_s"):
        if key not in info:
            return f"it has no {key}"
    if not (isinstance(info["format_version"], int) and not isinstance(info["format_version"],
                                                                        bool)):
        return f"format_version is {info['format_version']!r}, not an integer"
    if not isinstance(info["config"], dict):
        return "config is not a JSON object"
    grid = info["time_grid_s"]
    if not (isinstance(grid, list) and grid and all(
        isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) for t in grid
    )):
        return "time_grid_s is not a list of times"
    return None


def read_manifest(out_dir: Path) -> dict:
    """manifest.json of a data set folder, checked; its absence says the folder is none."""
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        raise SyntheticError(f"{out_dir} is not a Trinity synthetic data set (no {MANIFEST}).")
    try:
        text = manifest.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problem = "not text"
    else:
        try:
            info = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            problem = "not valid JSON"
        else:
            problem = "empty" if info is None else _manifest_problem(info)
    if problem:
        raise SyntheticError(
            f"{manifest} is damaged ({problem}); delete the folder and generate the data set "
            "again, or choose another folder."
        )
    return info


def _is_ours(path: Path) -> bool:
    """Files a killed run can leave behind before its manifest is in place."""
    return path.name.endswith(".tmp")


def _prepare(out_dir: Path, config: SyntheticConfig) -> None:
    """Create the folder and manifest, or check an existing one matches the settings.

    Temporary files (``*.tmp``) are what a killed run leaves: the manifest is written to
    ``manifest.tmp`` and renamed, so a folder that holds only such files is still empty
    for this purpose, and they are removed.
    """
    manifest = out_dir / MANIFEST
    wanted = {
        "format_version": FORMAT_VERSION,
        "config": config.to_json(),
        "time_grid_s": config.time_grid_s.tolist(),
    }
    if manifest.exists():
        found = read_manifest(out_dir)
        if found["config"] != json.loads(json.dumps(wanted["config"])):
            raise SyntheticError(
                f"{out_dir} holds a data set made with other settings; rerun with the same "
                "settings to resume it, or choose another folder."
            )
        return
    if out_dir.exists() and any(not _is_ours(p) for p in out_dir.iterdir()):
        raise SyntheticError(
            f"{out_dir} is not empty and is not a Trinity data set; choose an empty or new folder."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.tmp"):
        stale.unlink()
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(wanted, indent=2))
    os.replace(tmp, manifest)


def generate_synthetic(
    config: SyntheticConfig,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SyntheticSummary:
    """Generate (or resume) a synthetic data set in ``out_dir``.

    By default one process runs the chunks and the solver spreads each chunk over every
    core (numba threads); ``workers`` > 1 runs that many processes with one solver
    thread each, which pays off only when group contribution, not the solver,
    dominates (measured in benchmarks/bench_generate.py). ``scheduler`` runs the chunks
    on a Dask cluster instead. Raises `engine.jobs.Cancelled` when cancelled, after
    every finished chunk is on disk.
    """
    start = time.perf_counter()
    out_dir = Path(out_dir)
    _prepare(out_dir, config)
    cancel = cancel or CancelToken()
    for stale in out_dir.glob("*.tmp"):
        stale.unlink()
    report = ProgressReporter(config.n_chunks, progress)
    done = set()
    points = len(config.time_grid_s)
    for i in range(config.n_chunks):
        part = _part_path(out_dir, i)
        if not part.exists():
            continue
        _, problem = _read_part(part, config, i, points)
        if problem is None:
            done.add(i)
        else:
            # The chunk is a function of the seed alone: deleting it loses nothing.
            part.unlink()
            report(len(done), f"{part.name} is damaged ({problem}); regenerating it")
    todo = [i for i in range(config.n_chunks) if i not in done]
    report(len(done), f"{len(done)} of {config.n_chunks} chunks already on disk")
    if todo:
        chunks = ((i, polymers) for i, polymers in polymer_chunks(config) if i not in done)
        runner = _dask_chunks if scheduler else _local_chunks
        finished = len(done)
        for index, frame in runner(config, chunks, workers, scheduler, cancel):
            _write_part(frame, _part_path(out_dir, index))
            finished += 1
            report(finished, f"chunk {index} written ({len(frame)} rows)")
        cancel.raise_if_cancelled()
    counts = _status_counts(out_dir)
    return SyntheticSummary(
        out_dir=out_dir,
        chunks_total=config.n_chunks,
        chunks_written=len(todo),
        chunks_resumed=len(done),
        rows=sum(counts.values()),
        rows_by_status=counts,
        elapsed_s=time.perf_counter() - start,
    )


def _local_chunks(
    config, chunks, workers, _scheduler, cancel
) -> Iterator[tuple[int, pd.DataFrame]]:
    workers = workers or 1
    if workers == 1:
        for index, polymers in chunks:
            if cancel.cancelled:
                return
            yield index, simulate_chunk(config, polymers)
        return
    # Spawned, not forked: a fork of a process whose OpenMP or BLAS threads are running
    # can hang or abort the children. Each worker follows this process out: a worker
    # busy with a chunk never looks at its queue, so a run killed hard would leave it
    # computing (a core each) a chunk nobody will write.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_with_parent
    ) as pool:
        pending: dict[Future, int] = {}
        queue = iter(chunks)

        def submit() -> None:
            for index, polymers in queue:
                pending[pool.submit(simulate_chunk, config, polymers, 1)] = index
                return

        for _ in range(2 * workers):
            submit()
        while pending:
            ready, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                index = pending.pop(future)
                yield index, future.result()
                if not cancel.cancelled:
                    submit()
            if cancel.cancelled:
                for future in pending:
                    future.cancel()
                pending = {f: i for f, i in pending.items() if not f.cancelled()}


def _dask_chunks(config, chunks, _workers, scheduler, cancel) -> Iterator[tuple[int, pd.DataFrame]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SyntheticError(
            "Running on a Dask cluster needs the 'distributed' package: "
            "pip install 'trinity-fire[scale]'."
        ) from None
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise SyntheticError(f"No Dask scheduler answers at {scheduler} ({exc}).") from None
    with client:
        futures = {
            client.submit(simulate_chunk, config, polymers, 1, pure=False): index
            for index, polymers in chunks
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
            if cancel.cancelled:
                client.cancel(list(futures))
                return


def _status_counts(out_dir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for part in sorted(out_dir.glob("part-*.parquet")):
        status = pq.read_table(part, columns=["status"]).column("status").to_pylist()
        for s in status:
            counts[s] = counts.get(s, 0) + 1
    return counts


def load_synthetic(out_dir: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    """All rows of a data set, in polymer order, and the curves' time grid.

    Every part is checked as on resume; a damaged one is named, with the way to
    regenerate it.
    """
    out_dir = Path(out_dir)
    info = read_manifest(out_dir)
    if info["format_version"] != FORMAT_VERSION:
        raise SyntheticError(
            f"{out_dir} was written by another version of Trinity "
            f"(format {info['format_version']}); regenerate it."
        )
    try:
        config = SyntheticConfig(**{
            **info["config"],
            "heat_fluxes_kw_m2": tuple(info["config"]["heat_fluxes_kw_m2"]),
            "thicknesses_mm": tuple(info["config"]["thicknesses_mm"]),
            **{k: tuple(info["config"][k]) for k in ("flux_range_kw_m2", "thickness_range_mm")
               if k in info["config"]},
        })
    except (KeyError, TypeError, ValueError):
        raise SyntheticError(
            f"{out_dir / MANIFEST} is damaged (its config is not a data set's settings); "
            "delete the folder and generate the data set again, or choose another folder."
        ) from None
    points = len(info["time_grid_s"])
    tables = []
    for index in range(config.n_chunks):
        part = _part_path(out_dir, index)
        if not part.exists():
            continue
        table, problem = _read_part(part, config, index, points)
        if problem:
            raise SyntheticError(f"{part} is damaged ({problem}); {_REGENERATE}.")
        tables.append(table.to_pandas())
    if not tables:
        raise SyntheticError(f"{out_dir} holds no finished chunks yet.")
    frame = pd.concat(tables, ignore_index=True)
    frame = frame.sort_values(["polymer_id", "heat_flux_kw_m2", "thickness_mm"], kind="stable")
    return frame.reset_index(drop=True), np.asarray(info["time_grid_s"])
