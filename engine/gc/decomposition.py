"""Decomposition temperature (TGA peak, 10 K/min, N2) from the chemistry of the backbone.

A polymer decomposes where its weakest backbone bonds break; what is around them
decides how fast. The estimate is a short linear model in a few structure descriptors,
each a fraction of the backbone atoms and each with the sign its physics sets:

- ``backbone_aromatic`` (+): atoms of aromatic rings in the chain; rings break only by
  their links and cross-link into char (PEEK, PEI, PC).
- ``unzipping`` (−): a backbone carbon whose radical is so stabilised that the chain
  depolymerises: a quaternary carbon with carbon side groups between two CH2 (PMMA,
  poly(α-methylstyrene), polyisobutylene), or an acetal carbon between two backbone
  oxygens (POM).
- ``substituted_carbon`` (−): other backbone sp3 carbons with at most one hydrogen
  (PP, PS, PC's isopropylidene): tertiary and quaternary C–C bonds are weaker.
- ``benzylic`` (−): backbone sp3 carbons carrying an aromatic ring (PS): the benzylic
  radical weakens the next C–C bond further.
- ``aliphatic_ester_ether`` (−): a backbone bond from an sp3 carbon to oxygen (the
  alkyl side of aliphatic esters, ethers): esters break by six-centre β-H elimination
  well below C–C scission (PET, PBT). The acetal of POM counts as unzipping instead.
- ``aliphatic_amide`` (−): a backbone bond from an sp3 carbon to nitrogen (the alkyl
  side of amides, urethanes, amines; PA66): weaker than C–C, but amides outlast
  esters, so it has a coefficient of its own.
- ``hx_elimination`` (−): Cl, Br or I on an sp3 carbon next to an sp3 C–H: HX leaves
  first, at about 300 °C (PVC).

The descriptors are computed on the repeat unit inside its chain (head joined to
tail), so a unit cut at another place gives the same numbers. Backbone atoms are those
on the shortest path from head to tail plus every atom of a ring on that path.
The coefficients and the intercept (the peak of an all-CH2 backbone) are fitted by this
project (`fit_decomposition_model`) and shipped in ``resources/gc/decomposition.csv``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from engine.gc.atoms import AtomTable, atom_table
from engine.gc.estimators import TGA_HEATING_RATE_K_S, kinetics_from_peak, peak_temperature
from engine.gc.measured_decomposition import MCC_PEAK, TGA_PEAK, DecompositionRecord
from engine.polymer import Polymer, RepeatUnit, cached_per_unit, parse_polymer
from engine.resources import resource_path

#: Descriptor names in model order, with the sign physics gives each coefficient.
DESCRIPTOR_SIGNS: dict[str, int] = {
    "backbone_aromatic": +1,
    "unzipping": -1,
    "substituted_carbon": -1,
    "benzylic": -1,
    "aliphatic_ester_ether": -1,
    "aliphatic_amide": -1,
    "hx_elimination": -1,
}
DESCRIPTORS = tuple(DESCRIPTOR_SIGNS)

#: Ridge strengths tried; the one with the smallest leave-one-polymer-out error is kept.
RIDGE_GRID = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)

_HALOGENS = frozenset({"Cl", "Br", "I"})


class DecompositionDataError(ValueError):
    """Too few usable records to fit the decomposition model; the message says why."""


# --- descriptors ---------------------------------------------------------------------


@dataclass(frozen=True)
class BackboneCounts:
    """Per repeat unit: backbone atoms and the atoms or bonds behind each descriptor."""

    backbone_atoms: int
    counts: dict[str, int]


def _backbone_atoms(table: AtomTable) -> set[int]:
    """Heavy atoms on the head-to-tail path of the unit and in rings that path crosses."""
    backbone = set(table.path)
    rings = [set(r) for r in table.rings]
    grown = True
    while grown:  # fused rings on the path (phthalimide) belong to it whole
        grown = False
        for ring in rings:
            if ring & backbone and not ring <= backbone and len(ring & backbone) >= 2:
                backbone |= ring
                grown = True
    return backbone


def _sp3_carbons(table: AtomTable) -> list[bool]:
    """Aliphatic carbons with four neighbours, hydrogens counted (a ``*`` is a bond)."""
    return [
        z == 6 and not aromatic and len(neighbours) + hydrogens == 4
        for z, aromatic, neighbours, hydrogens in zip(
            table.numbers, table.aromatic, table.neighbours, table.hydrogens, strict=True
        )
    ]


@cached_per_unit(8192)
def backbone_counts(unit: RepeatUnit) -> BackboneCounts:
    """Descriptor counts of one unit; cached by canonical SMILES (estimates run often).

    Each atom is seen with its neighbours inside the chain (`AtomTable.chain_neighbours`:
    across the join too), as on the unit closed head to tail into a ring.
    """
    table = atom_table(unit)
    backbone = _backbone_atoms(table)
    sp3 = _sp3_carbons(table)
    symbols, hydrogens = table.symbols, table.hydrogens
    counts = dict.fromkeys(DESCRIPTORS, 0)
    chain = table.chain_neighbours()
    for i, number in enumerate(table.numbers):
        if number == 0:
            continue
        neighbours = chain[i]
        if (
            sp3[i]
            and any(symbols[n] in _HALOGENS for n in neighbours)
            and any(sp3[n] and hydrogens[n] > 0 for n in neighbours)
        ):
            counts["hx_elimination"] += 1
        if i not in backbone:
            continue
        if table.aromatic[i]:
            counts["backbone_aromatic"] += 1
        if not sp3[i]:
            continue
        along = [n for n in neighbours if n in backbone]
        side = [n for n in neighbours if n not in backbone]
        # PMMA, PαMS, PIB: carbon side groups; not PVDF's CF2, whose C–F bonds hold
        quaternary_vinyl = (
            hydrogens[i] == 0
            and all(sp3[n] and hydrogens[n] == 2 for n in along)
            and all(symbols[n] == "C" for n in side)
        )
        acetal = len(along) == 2 and all(symbols[n] == "O" for n in along)
        if quaternary_vinyl or acetal:
            counts["unzipping"] += 1
        elif sum(symbols[n] not in ("H", "F") for n in neighbours) >= 3:
            # fluorine strengthens C–C (PTFE); any other third substituent weakens it
            counts["substituted_carbon"] += 1
        if any(table.aromatic[n] for n in side):
            counts["benzylic"] += 1
        if not acetal and any(symbols[n] == "O" for n in along):
            counts["aliphatic_ester_ether"] += 1
        if any(symbols[n] == "N" for n in along):
            counts["aliphatic_amide"] += 1
    return BackboneCounts(len(backbone), counts)


def descriptors(polymer: Polymer) -> dict[str, float]:
    """Descriptor values of a polymer (mole-fraction averages over its units).

    ``backbone_aromatic`` is a fraction of the backbone atoms: aromatic rings raise the
    peak the more of the chain they make. The others say whether a unit has the weak
    link at all (1 or 0): a chain starts to break at its weakest bond, and a second
    such bond in the unit makes little difference to where.
    """
    per_unit = [
        (x, backbone_counts(u)) for u, x in zip(polymer.units, polymer.mole_fractions, strict=True)
    ]
    atoms = sum(x * c.backbone_atoms for x, c in per_unit)
    out = {"backbone_aromatic": sum(x * c.counts["backbone_aromatic"] for x, c in per_unit) / atoms}
    for name in DESCRIPTORS[1:]:
        out[name] = sum(x * min(c.counts[name], 1) for x, c in per_unit)
    return out


# --- the model -----------------------------------------------------------------------


@dataclass(frozen=True)
class DecompositionModel:
    """TGA peak (K, 10 K/min, N2) = intercept + Σ coefficient × descriptor.

    ``loo_error_k``: mean absolute leave-one-polymer-out error of the fit that made it
    (NaN when not computed); ``polymers``: how many polymers it was fitted to;
    ``ridge``: the ridge strength the fit chose.
    """

    intercept_k: float
    names: tuple[str, ...]
    coefficients: tuple[float, ...]
    source: str
    loo_error_k: float = math.nan
    polymers: int = 0
    ridge: float = math.nan

    def descriptors(self, polymer: Polymer) -> dict[str, float]:
        values = descriptors(polymer)
        return {name: values[name] for name in self.names}

    def peak_k(self, polymer: Polymer) -> float:
        d = self.descriptors(polymer)
        return self.intercept_k + sum(
            c * d[n] for n, c in zip(self.names, self.coefficients, strict=True)
        )

    def method(self) -> str:
        """One line for ``MaterialProperties.methods``: descriptors and the LOO error."""
        loo = (
            f"leave-one-polymer-out mean error {self.loo_error_k:.0f} K "
            f"over {self.polymers} polymers"
            if math.isfinite(self.loo_error_k)
            else "leave-one-polymer-out error not computed"
        )
        return (
            "linear in backbone descriptors (" + ", ".join(self.names) + f"); {loo}; {self.source}"
        )


def tga_equivalent_k(record: DecompositionRecord) -> float:
    """A peak record as a TGA peak at 10 K/min.

    A peak at another heating rate (TGA at 3 or 30 K/min, MCC at 30–60 K/min) is moved
    with the kinetics the estimator itself would give the polymer: the 10 K/min peak
    T whose step (E = ψ·R·T, A from the peak condition) peaks at the record's
    temperature at the record's rate. The map is nearly a shift, so a fixed-point
    iteration converges in a few steps.
    """
    rate_k_s = record.heating_rate_k_min / 60.0
    if abs(rate_k_s - TGA_HEATING_RATE_K_S) < 1e-9:
        return record.value
    t10 = record.value
    for _ in range(100):
        step = record.value - peak_temperature(kinetics_from_peak(t10), rate_k_s)
        t10 += step
        if abs(step) < 1e-9:
            break
    return t10


@dataclass(frozen=True)
class PolymerTarget:
    """One polymer of a fit: its canonical SMILES, names, mean 10 K/min peak and records."""

    smiles: str
    names: tuple[str, ...]
    peak_k: float
    records: tuple[DecompositionRecord, ...]

    @property
    def label(self) -> str:
        return "/".join(self.names)


def polymer_targets(records: Iterable[DecompositionRecord]) -> list[PolymerTarget]:
    """Neat-polymer peak records grouped by structure (canonical SMILES), in first-seen order.

    Each polymer counts once in a fit, whatever its number of records: the target is
    the mean of its records' 10 K/min equivalents.
    """
    groups: dict[str, list[DecompositionRecord]] = {}
    for r in records:
        if r.neat and r.quantity in (TGA_PEAK, MCC_PEAK):
            groups.setdefault(parse_polymer(r.smiles).smiles, []).append(r)
    out = []
    for smiles, rs in groups.items():
        names = tuple(dict.fromkeys(r.polymer for r in rs))
        peak = float(np.mean([tga_equivalent_k(r) for r in rs]))
        out.append(PolymerTarget(smiles, names, peak, tuple(rs)))
    return out


def _design(targets: list[PolymerTarget], names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([[descriptors(parse_polymer(t.smiles))[n] for n in names] for t in targets])
    return x.reshape(len(targets), len(names)), np.array([t.peak_k for t in targets])


def _solve(
    x: np.ndarray, y: np.ndarray, ridge: float, signs: np.ndarray
) -> tuple[float, np.ndarray]:
    """Least squares with the signs imposed and a ridge on the coefficients (not the intercept).

    The ridge is relative: λ·n_polymers per coefficient, descriptors being fractions of
    the backbone (0–1), so one λ means the same for any number of polymers. A descriptor
    no polymer of the fit set has gets no coefficient: nothing determines it.
    """
    from scipy.optimize import lsq_linear  # import cost kept off the estimate path

    seen = np.flatnonzero(np.abs(x).sum(axis=0) > 0)
    n, p = len(y), len(seen)
    a = np.hstack([np.ones((n, 1)), x[:, seen]])
    b = y.astype(float)
    if ridge > 0 and p:
        a = np.vstack([a, np.hstack([np.zeros((p, 1)), math.sqrt(ridge * n) * np.eye(p)])])
        b = np.concatenate([b, np.zeros(p)])
    low = np.concatenate([[-np.inf], np.where(signs[seen] > 0, 0.0, -np.inf)])
    high = np.concatenate([[np.inf], np.where(signs[seen] < 0, 0.0, np.inf)])
    solution = lsq_linear(a, b, bounds=(low, high), method="bvls").x
    coef = np.zeros(x.shape[1])
    coef[seen] = solution[1:]
    return float(solution[0]), coef


def _loo_errors(x: np.ndarray, y: np.ndarray, ridge: float, signs: np.ndarray) -> np.ndarray:
    errors = np.empty(len(y))
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        b0, c = _solve(x[keep], y[keep], ridge, signs)
        errors[i] = b0 + x[i] @ c - y[i]
    return errors


def fit_decomposition_model(
    records: Iterable[DecompositionRecord],
    exclude: frozenset[str] = frozenset(),
    *,
    names: tuple[str, ...] = DESCRIPTORS,
    ridge_grid: tuple[float, ...] = RIDGE_GRID,
    source: str = "fitted by this project",
) -> DecompositionModel:
    """Fit the model to the neat-polymer peak records, leaving out the polymers named.

    ``exclude`` holds polymer names; a polymer is left out whole (every record of its
    structure) when any of its records carries one of them, so leave-one-polymer-out
    never keeps a second record of the same polymer under another name (HDPE, LDPE).
    The ridge strength is the one of ``ridge_grid`` with the smallest
    leave-one-polymer-out error on the polymers kept.
    """
    targets = [
        t for t in polymer_targets(records) if not any(r.polymer in exclude for r in t.records)
    ]
    if len(targets) < len(names) + 2:
        raise DecompositionDataError(
            f"{len(targets)} polymers with a measured decomposition peak are too few to fit "
            f"{len(names)} descriptors and an intercept; add TGA or MCC records."
        )
    x, y = _design(targets, names)
    signs = np.array([DESCRIPTOR_SIGNS[n] for n in names])
    best = min(ridge_grid, key=lambda r: float(np.mean(np.abs(_loo_errors(x, y, r, signs)))))
    intercept, coef = _solve(x, y, best, signs)
    return DecompositionModel(
        intercept_k=intercept,
        names=names,
        coefficients=tuple(float(c) for c in coef),
        source=source,
        polymers=len(targets),
        ridge=best,
    )


@dataclass(frozen=True)
class LooRow:
    """A polymer's measured peak and the peak of a model fitted without it."""

    polymer: str
    smiles: str
    measured_k: float
    predicted_k: float

    @property
    def error_k(self) -> float:
        return self.predicted_k - self.measured_k


def leave_one_polymer_out(records: Iterable[DecompositionRecord], **fit_options) -> list[LooRow]:
    """Each polymer's peak predicted by a model fitted (ridge chosen too) without it."""
    records = list(records)
    rows = []
    for target in polymer_targets(records):
        left_out = frozenset(r.polymer for r in target.records)
        model = fit_decomposition_model(records, left_out, **fit_options)
        predicted = model.peak_k(parse_polymer(target.smiles))
        rows.append(LooRow(target.label, target.smiles, target.peak_k, predicted))
    return rows


# --- the shipped model ---------------------------------------------------------------

_TABLE = "decomposition.csv"
_INTERCEPT = "intercept"
_LOO = "loo_mean_abs_error"
_POLYMERS = "polymers_fitted"


def write_model(model: DecompositionModel, path, date: str, fitted_to: str) -> None:
    """Write a model as ``decomposition.csv``: one row per number, each with its source."""
    how = (
        f"fitted by this project to {fitted_to}; signs imposed, ridge {model.ridge:g} chosen "
        f"by leave-one-polymer-out error (engine/gc/fit.py, {date})"
    )
    with open(path, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["name", "value", "unit", "source"])
        w.writerow([_INTERCEPT, f"{model.intercept_k:.1f}", "K", how])
        for name, c in zip(model.names, model.coefficients, strict=True):
            unit = "K per backbone fraction" if name == "backbone_aromatic" else "K if present"
            w.writerow([name, f"{c:.1f}", unit, how])
        w.writerow(
            [
                _LOO,
                f"{model.loo_error_k:.1f}",
                "K",
                "mean absolute error of each polymer's peak predicted by a fit (ridge "
                f"included) made without it; engine/gc/fit.py ({date})",
            ]
        )
        w.writerow([_POLYMERS, str(model.polymers), "-", f"the polymers of the fit above ({date})"])


def read_model(rows: Iterable[Mapping[str, str]], where: str) -> DecompositionModel:
    """A model from the rows of ``decomposition.csv``; every row must carry a source."""
    values: dict[str, float] = {}
    for line, row in enumerate(rows, start=2):
        if not (row.get("source") or "").strip():
            raise ValueError(f"{where}, line {line}: every row needs a source.")
        values[row["name"]] = float(row["value"])
    names = tuple(n for n in values if n not in (_INTERCEPT, _LOO, _POLYMERS))
    unknown = [n for n in names if n not in DESCRIPTOR_SIGNS]
    if unknown or _INTERCEPT not in values:
        raise ValueError(f"{where}: unknown descriptor(s) {unknown} or no intercept row.")
    return DecompositionModel(
        intercept_k=values[_INTERCEPT],
        names=names,
        coefficients=tuple(values[n] for n in names),
        source=f"fitted by this project, resources/gc/{_TABLE}",
        loo_error_k=values.get(_LOO, math.nan),
        polymers=int(values.get(_POLYMERS, 0)),
    )


@cache
def shipped_decomposition_model() -> DecompositionModel:
    """The model whose coefficients ship in ``resources/gc/decomposition.csv``."""
    path = resource_path("gc", _TABLE)
    with open(path, newline="", encoding="utf-8") as handle:
        return read_model(list(csv.DictReader(handle)), str(path))
