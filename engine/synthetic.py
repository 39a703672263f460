"""Synthetic cone data: hypothetical polymers → GC → cone simulations → Parquet.

The data set is a folder: ``manifest.json`` (settings, time grid, format version) and
one ``part-NNNNN.parquet`` per chunk of polymers, each written atomically (temporary
file, then rename). A chunk's polymers depend only on the seed and the chunk's place
in the sequence, so a rerun after a crash or a cancel skips the parts on disk and
computes the rest: no row is lost or written twice.

Chunks run on all local cores (processes), or on a Dask distributed cluster when a
scheduler address is given. Every simulation gives a row; one that failed or gave a
physically impossible result keeps its row with ``status`` and a ``reason``.
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

from engine.jobs import CancelToken, ProgressCallback, ProgressReporter

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
    """What to generate. The same config and seed always give the same data set."""

    n_polymers: int
    seed: int = 0
    heat_fluxes_kw_m2: tuple[float, ...] = (25.0, 50.0, 75.0)
    thicknesses_mm: tuple[float, ...] = (3.0, 6.0)
    flame_flux_kw_m2: float = 20.0
    duration_s: float = 900.0
    curve_interval_s: float = 5.0
    chunk_size: int = 200

    def __post_init__(self) -> None:
        if not (isinstance(self.n_polymers, int) and self.n_polymers > 0):
            raise SyntheticError(
                f"The number of polymers must be a positive integer, not {self.n_polymers!r}."
            )
        for name in ("heat_fluxes_kw_m2", "thicknesses_mm"):
            values = getattr(self, name)
            if not values or any(not (math.isfinite(v) and v > 0) for v in values):
                raise SyntheticError(f"{name} must be positive numbers, not {values!r}.")
        if not (self.duration_s > self.curve_interval_s > 0):
            raise SyntheticError("duration_s must exceed curve_interval_s, and both be > 0.")
        if self.chunk_size < 1:
            raise SyntheticError("chunk_size must be at least 1.")

    @property
    def n_chunks(self) -> int:
        return -(-self.n_polymers // self.chunk_size)

    @property
    def time_grid_s(self) -> np.ndarray:
        """Fixed grid the HRR curves are stored on (0 … duration)."""
        return np.arange(0.0, self.duration_s + 1e-9, self.curve_interval_s)

    def to_json(self) -> dict:
        return asdict(self)


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
    from engine.cone.solver import simulate
    from engine.gc.properties import estimate_properties
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
        except ValueError as exc:
            for flux in config.heat_fluxes_kw_m2:
                for thick in config.thicknesses_mm:
                    rows.append(
                        {
                            **base,
                            "heat_flux_kw_m2": flux,
                            "thickness_mm": thick,
                            "status": STATUS_FAILED,
                            "reason": str(exc),
                        }
                    )
            continue
        hydrocarbon = set(polymer.element_counts) <= {"C", "H"}
        prop_values = {name: getattr(props, name) for name in _PROPERTY_COLUMNS}
        r = props.reactions[0]
        prop_values |= {
            "pre_exponential_1_s": r.pre_exponential_1_s,
            "activation_energy_j_mol": r.activation_energy_j_mol,
        }
        for flux in config.heat_fluxes_kw_m2:
            for thick in config.thicknesses_mm:
                scenarios.append(
                    ConeScenario(
                        material=material,
                        heat_flux_kw_m2=flux,
                        thickness_mm=thick,
                        flame_flux_kw_m2=config.flame_flux_kw_m2,
                        duration_s=config.duration_s,
                    )
                )
                owners.append(
                    (
                        {**base, **prop_values, "heat_flux_kw_m2": flux, "thickness_mm": thick},
                        hydrocarbon,
                    )
                )
    results = simulate(scenarios, workers=threads)
    for result, (row, hydrocarbon) in zip(results, owners, strict=True):
        status, reason = check_result(result, hydrocarbon=hydrocarbon)
        metrics = asdict(result.metrics)
        row |= {name: metrics[name] for name in _METRIC_COLUMNS}
        row |= {
            "status": status,
            "reason": reason,
            "hrr_curve_kw_m2": np.interp(grid, result.time_s, result.hrr_kw_m2, right=0.0).astype(
                np.float32
            ),
        }
        rows.append(row)
    return pd.DataFrame(rows)


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


def _prepare(out_dir: Path, config: SyntheticConfig) -> None:
    """Create the folder and manifest, or check an existing one matches the settings."""
    manifest = out_dir / MANIFEST
    wanted = {
        "format_version": FORMAT_VERSION,
        "config": config.to_json(),
        "time_grid_s": config.time_grid_s.tolist(),
    }
    if manifest.exists():
        try:
            found = json.loads(manifest.read_text())
        except json.JSONDecodeError:
            raise SyntheticError(
                f"{manifest} is damaged; delete the folder or choose another one."
            ) from None
        if found.get("config") != json.loads(json.dumps(wanted["config"])):
            raise SyntheticError(
                f"{out_dir} holds a data set made with other settings; rerun with the same "
                "settings to resume it, or choose another folder."
            )
        return
    if out_dir.exists() and any(out_dir.iterdir()):
        raise SyntheticError(
            f"{out_dir} is not empty and is not a Trinity data set; choose an empty or new folder."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
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
    done = {i for i in range(config.n_chunks) if _part_path(out_dir, i).exists()}
    todo = [i for i in range(config.n_chunks) if i not in done]
    report = ProgressReporter(config.n_chunks, progress)
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
    # can hang or abort the children.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
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
    """All rows of a data set, in polymer order, and the curves' time grid."""
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    if not manifest.exists():
        raise SyntheticError(f"{out_dir} is not a Trinity synthetic data set (no {MANIFEST}).")
    info = json.loads(manifest.read_text())
    if info.get("format_version") != FORMAT_VERSION:
        raise SyntheticError(
            f"{out_dir} was written by another version of Trinity "
            f"(format {info.get('format_version')}); regenerate it."
        )
    parts = sorted(out_dir.glob("part-*.parquet"))
    if not parts:
        raise SyntheticError(f"{out_dir} holds no finished chunks yet.")
    frame = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    frame = frame.sort_values(["polymer_id", "heat_flux_kw_m2", "thickness_mm"], kind="stable")
    return frame.reset_index(drop=True), np.asarray(info["time_grid_s"])
