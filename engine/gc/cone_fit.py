"""The parts of group contribution fitted to data, refitted without a polymer.

Three GC models are fitted by this project: the decomposition (TGA peak) model to the
measured TGA peaks, and the flame (χ per flame class, from THR) and gasification (heat
of pyrolysis per mechanism, from pHRR) models to the cone tests. A score on a polymer is
only honest if none of them saw it, so `leave_one_polymer_out_models` refits all three
for each polymer of a test table without any test or TGA record of its structure
(HDPE and LDPE, both ``*CC*``, leave together).

The two cone fits share one table of trial runs: every polymer at every condition and
every trial heat of pyrolysis, with χ = 1 (HRR is proportional to χ, so a χ scales it
after). `fit_cone_models` on that table with nothing left out gives the shipped
``resources/gc/flame.csv`` and ``gasification.csv``
(``benchmarks/bench_cone_validation.py --fit-tables``).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from engine.cone.gc_material import cone_material
from engine.cone.material import ConeMaterial
from engine.cone.scenario import ConeScenario
from engine.cone.solver import simulate
from engine.gc.decomposition import (
    DecompositionModel,
    fit_decomposition_model,
    shipped_decomposition_model,
)
from engine.gc.flame import (
    FlameModel,
    HeatRecord,
    fit_flame_model,
    flame_class,
    shipped_flame,
)
from engine.gc.gasification import (
    GasificationModel,
    PeakRecord,
    decomposition_mechanism,
    fit_gasification_model,
    shipped_gasification,
)
from engine.gc.measured_decomposition import load_records
from engine.gc.properties import MaterialProperties, estimate_properties
from engine.polymer import Polymer, parse_polymer

#: Trial heats of pyrolysis (J/kg): from none to beyond the largest UMD step (1.35 MJ/kg).
TRIAL_HEATS = tuple(float(h) for h in np.arange(0.0, 3.01e6, 0.1e6))
#: The trial whose THR the flame fit reads (THR hardly depends on the heat of pyrolysis).
THR_TRIAL = 0.6e6
TABLE_SOURCE = (
    "fitted by this project to resources/data/cone/tests.csv "
    "(benchmarks/bench_cone_validation.py --fit-tables)"
)
SCALARS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")
#: Polymers whose GC estimate one `GcModels` keeps.
ESTIMATE_CACHE = 4096


@dataclass(frozen=True)
class GcModels:
    """The fitted parts of GC that one estimate uses.

    Estimates are kept per polymer (its canonical SMILES, fractions and name, all that
    an estimate reads of it), the most recent `ESTIMATE_CACHE`: a polymer predicted
    again, at another condition or in another call, would otherwise be estimated again.
    """

    decomposition: DecompositionModel
    flame: FlameModel
    gasification: GasificationModel
    _estimates: OrderedDict = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False)

    def properties(self, polymer: Polymer) -> MaterialProperties:
        key = (polymer.smiles, polymer.mole_fractions, polymer.name)
        with self._lock:
            if key in self._estimates:
                self._estimates.move_to_end(key)
                return self._estimates[key]
        props = estimate_properties(
            polymer,
            decomposition=self.decomposition,
            gasification=self.gasification,
            flame=self.flame,
        )
        with self._lock:
            self._estimates[key] = props
            if len(self._estimates) > ESTIMATE_CACHE:
                self._estimates.popitem(last=False)
        return props

    def material(self, polymer: Polymer) -> ConeMaterial:
        return cone_material(self.properties(polymer))


@cache
def shipped_models() -> GcModels:
    """The models ``resources/gc`` ships (fitted to every polymer); one instance, so its
    estimates are shared by every caller."""
    return GcModels(shipped_decomposition_model(), shipped_flame(), shipped_gasification())


def cone_fit_tests(tests: pd.DataFrame) -> pd.DataFrame:
    """The tests a cone fit can use: with a structure and at least one measured scalar,
    their SMILES canonical (column ``key``)."""
    tests = tests[tests["smiles"].notna() & (tests["smiles"].astype(str) != "")]
    tests = tests[tests[list(SCALARS)].notna().any(axis=1)]
    keys = {s: parse_polymer(s).smiles for s in tests["smiles"].unique()}
    return tests.assign(key=tests["smiles"].map(keys)).reset_index(drop=True)


def _decomposition_without(
    records, polymer: Polymer, names: frozenset[str]
) -> DecompositionModel:
    """The TGA-peak model fitted without any record of ``polymer``'s structure."""
    own = {r.polymer for r in records if parse_polymer(r.smiles).smiles == polymer.smiles}
    return fit_decomposition_model(records, frozenset(own | names))


def trial_runs(tests: pd.DataFrame, decomposition: dict[str, DecompositionModel]) -> pd.DataFrame:
    """Every structure (``key``) at each of its conditions and every trial heat, χ = 1.

    One row per test and trial, with the simulated scalars as ``sim_<target>``.
    """
    unit_flame = FlameModel({}, 1.0, "trial")
    conditions = tests.groupby(["key", "heat_flux_kw_m2", "thickness_mm"]).size().index
    polymers = {k: parse_polymer(k) for k in tests["key"].unique()}
    frames = []
    for heat in TRIAL_HEATS:
        trial = GasificationModel({}, heat, "trial")
        materials = {
            k: cone_material(estimate_properties(
                p, decomposition=decomposition[k], gasification=trial, flame=unit_flame))
            for k, p in polymers.items()
        }
        scenarios = [ConeScenario(materials[k], float(f), float(t)) for k, f, t in conditions]
        results = simulate(scenarios)
        frames.append(pd.DataFrame([
            {"key": k, "heat_flux_kw_m2": f, "thickness_mm": t, "trial": heat,
             **{f"sim_{s}": getattr(r.metrics, s) for s in SCALARS}}
            for (k, f, t), r in zip(conditions, results, strict=True)
        ]))
    runs = pd.concat(frames, ignore_index=True)
    return tests.merge(runs, on=["key", "heat_flux_kw_m2", "thickness_mm"])


def fit_cone_models(
    trials: pd.DataFrame, exclude: frozenset[str] = frozenset(), source: str = TABLE_SOURCE
) -> tuple[FlameModel, GasificationModel]:
    """χ per flame class from THR, then the heat of pyrolysis per mechanism from pHRR with
    that χ applied; neither sees the polymers (names) in ``exclude``.

    Each named polymer counts once in the fits (HDPE and LDPE are two commercial
    polymers of one structure, with their own tests)."""
    polymers = {k: parse_polymer(k) for k in trials["key"].unique()}
    classes = {k: flame_class(p) for k, p in polymers.items()}
    mechanisms = {k: decomposition_mechanism(p) for k, p in polymers.items()}
    at = trials[np.isclose(trials["trial"], THR_TRIAL)]
    heat_records = [
        HeatRecord(r.polymer, classes[r.key], r.thr_mj_m2 / r.sim_thr_mj_m2)
        for r in at.itertuples()
        if math.isfinite(r.thr_mj_m2) and r.sim_thr_mj_m2 > 0
    ]
    flame = fit_flame_model(heat_records, exclude=exclude, source=source)
    peak_records = [
        PeakRecord(
            r.polymer,
            mechanisms[r.key],
            r.trial,
            math.log(flame.combustion_efficiency(classes[r.key]) * r.sim_phrr_kw_m2
                     / r.phrr_kw_m2),
        )
        for r in trials.itertuples()
        if math.isfinite(r.phrr_kw_m2) and r.phrr_kw_m2 > 0 and r.sim_phrr_kw_m2 > 0
    ]
    gasification = fit_gasification_model(peak_records, exclude=exclude, source=source)
    return flame, gasification


def fit_shipped_models(tests: pd.DataFrame) -> tuple[FlameModel, GasificationModel]:
    """The flame and gasification models fitted to every polymer of ``tests``."""
    tests = cone_fit_tests(tests)
    decomposition = shipped_decomposition_model()
    return fit_cone_models(trial_runs(tests, dict.fromkeys(tests["key"], decomposition)))


def leave_one_polymer_out_models(tests: pd.DataFrame) -> dict[str, GcModels]:
    """For each structure of ``tests`` (canonical SMILES), the three fitted GC models
    refitted without it."""
    tests = cone_fit_tests(tests)
    records = load_records()
    names = tests.groupby("key")["polymer"].agg(frozenset).to_dict()
    decomposition = {
        k: _decomposition_without(records, parse_polymer(k), names[k]) for k in names
    }
    trials = trial_runs(tests, decomposition)
    models = {}
    for key in names:
        flame, gasification = fit_cone_models(trials, exclude=names[key])
        models[key] = GcModels(decomposition[key], flame, gasification)
    return models
