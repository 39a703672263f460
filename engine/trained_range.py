"""The test conditions a model learnt from, and the predictions that go beyond them.

A heat flux or thickness inside Trinity's accepted range (`engine.quantities`) may still
lie outside everything a model was trained on: the shipped model's phase 1 saw 25–75
kW/m² and 3–6 mm only. Such a prediction is made, but flagged as extrapolation, so a
27 mm answer is not read with the confidence of a 6 mm one.

The span is read from the model's own records (the ``provenance`` of each member in the
ONNX metadata): the synthetic data set's grid (its manifest) and the experimental
tests' conditions. Models exported before those records carried the conditions fall
back on the manifest, the recipe, or the shipped table they name.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

CONDITIONS = ("heat_flux_kw_m2", "thickness_mm")
_LABELS = {"heat_flux_kw_m2": ("heat flux", "kW/m²"), "thickness_mm": ("thickness", "mm")}


@dataclass(frozen=True)
class TrainedRange:
    """Lowest and highest heat flux (kW/m²) and thickness (mm) in a model's training data."""

    heat_flux_kw_m2: tuple[float, float]
    thickness_mm: tuple[float, float]

    def describe(self) -> str:
        return "; ".join(
            f"{_LABELS[name][0]} {low:g}–{high:g} {_LABELS[name][1]}"
            for name in CONDITIONS
            for low, high in [getattr(self, name)]
        )

    def beyond(self, heat_flux_kw_m2: float, thickness_mm: float) -> str:
        """'' when both conditions lie inside; else one sentence saying which do not."""
        parts = []
        for name, value in zip(CONDITIONS, (heat_flux_kw_m2, thickness_mm), strict=True):
            low, high = getattr(self, name)
            label, unit = _LABELS[name]
            if value < low * (1 - 1e-6) or value > high * (1 + 1e-6):
                parts.append(f"{label} {value:g} {unit} is outside the {low:g}–{high:g} {unit}")
        if not parts:
            return ""
        return f"Extrapolation: {' and '.join(parts)} the model was trained on."

    def flags(self, heat_flux_kw_m2: Iterable[float], thickness_mm: Iterable[float]
              ) -> tuple[str, ...]:
        return tuple(self.beyond(float(f), float(t))
                     for f, t in zip(heat_flux_kw_m2, thickness_mm, strict=True))


def conditions_of(flux: Iterable[float], thickness: Iterable[float]) -> dict:
    """The record a training data set keeps of its conditions (its provenance)."""
    flux, thickness = np.asarray(list(flux), float), np.asarray(list(thickness), float)
    return {
        "heat_flux_kw_m2": [float(flux.min()), float(flux.max())],
        "thickness_mm": [float(thickness.min()), float(thickness.max())],
    }


def trained_range(provenance: dict, recipe: dict | None = None) -> TrainedRange | None:
    """The span of every data set named in the members' ``provenance`` (and the phase-1
    models they started from); None when no record says what the model saw."""
    spans = list(_spans(provenance.values()))
    if recipe and isinstance(recipe.get("recipe"), dict):
        synthetic = recipe["recipe"].get("synthetic")
        if isinstance(synthetic, dict):
            spans.extend(_from_config(synthetic))
    found = {}
    for name in CONDITIONS:
        values = [v for key, span in spans if key == name for v in span]
        if not values:
            return None
        found[name] = (min(values), max(values))
    return TrainedRange(**found)


def _spans(records: Iterable[object]) -> Iterator[tuple[str, tuple[float, float]]]:
    for record in records:
        if not isinstance(record, dict):
            continue
        data = record.get("data")
        if isinstance(data, dict):
            yield from _data_spans(data)
        init = record.get("init_model")
        if isinstance(init, dict):
            yield from _spans([init.get("provenance")])


def _data_spans(data: dict) -> Iterator[tuple[str, tuple[float, float]]]:
    conditions = data.get("conditions")
    if isinstance(conditions, dict):
        for name in CONDITIONS:
            span = _pair(conditions.get(name))
            if span:
                yield name, span
        return
    manifest = data.get("manifest")
    if isinstance(manifest, dict) and isinstance(manifest.get("config"), dict):
        yield from _from_config(manifest["config"])
    elif data.get("kind") == "shipped":
        # Read directly: engine.datasets would load the solver (numba) into the window.
        import pandas as pd

        from engine.resources import resource_path

        tests = pd.read_csv(resource_path("data", "cone", "tests.csv"))
        tests = tests[tests["include"] == "yes"]
        for name in CONDITIONS:
            yield name, (float(tests[name].min()), float(tests[name].max()))


def _from_config(config: dict) -> Iterator[tuple[str, tuple[float, float]]]:
    keys = (("heat_flux_kw_m2", "heat_fluxes_kw_m2"), ("thickness_mm", "thicknesses_mm"))
    for name, key in keys:
        values = config.get(key)
        if isinstance(values, list) and values and all(_finite(v) for v in values):
            yield name, (float(min(values)), float(max(values)))


def _pair(value: object) -> tuple[float, float] | None:
    if isinstance(value, list) and len(value) == 2 and all(_finite(v) for v in value):
        return float(value[0]), float(value[1])
    return None


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
