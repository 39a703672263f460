"""Batched 1-D solid-phase solver of the cone test, the reduced form of FDS SOLID_PHASE_ONLY.

Physics (PHYSICS.md §4): transient conduction through a Lagrangian column of cells
whose thickness is the volume of what remains in them (Σ mass/density), so a
non-charring slab burns away and a light char swells; Arrhenius reactions per
component with residue products; radiation absorbed in depth (Beer–Lambert) or at
the surface when opaque; re-radiation and convection at the exposed face; flame flux
after ignition; an insulated back or a ceramic blanket behind the sample.

Numerics: backward Euler in time with the surface T⁴ term and the endothermic
reaction sink linearised about the old state, so one tridiagonal solve per step is
stable for any step and the step is chosen for accuracy (a target temperature
change per step). Each scenario has its own time and step; all advance together as
(cells, batch) arrays, cells-major so that the Thomas sweep reads contiguous rows.
Finished scenarios are compacted out of the working arrays.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.cone.material import Component, Property
from engine.cone.metrics import curve_metrics
from engine.cone.result import STATUS_FAILED, STATUS_OK, ConeResult
from engine.cone.scenario import ConeScenario

SIGMA = 5.670374419e-8
R_GAS = 8.314462618
KELVIN = 273.15
OPAQUE = 1e30
"""Stand-in for an infinite absorption coefficient that keeps 0 × κ finite."""
TWO_FLUX_PATH = 1.0
DX_FLOOR = 1e-9
K_FLOOR = 1e-2
BURNOUT_FRACTION = 1e-3
MIN_STEP_S = 1e-6
BLANKET_CELL_FACTOR = 10.0
"""Blanket cells are this many sample cells thick: it only needs to store heat, not pyrolyse."""


@dataclass(frozen=True)
class SolverSettings:
    """Resolution: the cell size and the largest temperature change allowed per step."""

    cell_size_mm: float = 0.2
    max_temperature_step_k: float = 5.0
    max_time_step_s: float = 1.0
    chunk_size: int = 2000


def simulate(
    scenarios: Sequence[ConeScenario],
    *,
    cell_size_mm: float = 0.2,
    max_temperature_step_k: float = 5.0,
    max_time_step_s: float = 1.0,
    chunk_size: int = 2000,
) -> list[ConeResult]:
    """Simulate many scenarios together; results come back in the input order.

    Chunks bound the memory of the output buffers; within a chunk every scenario
    advances in the same array operations.
    """
    settings = SolverSettings(cell_size_mm, max_temperature_step_k, max_time_step_s, chunk_size)
    if not (cell_size_mm > 0 and max_temperature_step_k > 0 and max_time_step_s > 0):
        raise ValueError("cell_size_mm, max_temperature_step_k and max_time_step_s must be > 0.")
    results: list[ConeResult] = []
    for start in range(0, len(scenarios), max(1, chunk_size)):
        chunk = list(scenarios[start : start + max(1, chunk_size)])
        results.extend(_Batch(chunk, settings).run())
    return results


def simulate_one(scenario: ConeScenario, **settings: float) -> ConeResult:
    return simulate([scenario], **settings)[0]


class _Tables:
    """Piecewise-linear T-dependent properties of K component slots × B scenarios.

    Stored in hinge form v(T) = v0 + Σ_p s_p · clip(T − T_p, 0, w_p), which evaluates
    tables of different lengths for every scenario with the same few array operations
    and holds the end values constant outside the table, as FDS ramps do.
    """

    def __init__(self, props: list[list[Property | None]]):
        n_points = max(len(p) if isinstance(p, tuple) else 1 for row in props for p in row)
        k_slots, batch = len(props[0]), len(props)
        self.base = np.ones((k_slots, batch))
        self.knots = np.zeros((n_points - 1, k_slots, batch))
        self.widths = np.zeros_like(self.knots)
        self.slopes = np.zeros_like(self.knots)
        for b, row in enumerate(props):
            for k, p in enumerate(row):
                if p is None:
                    continue
                table = p if isinstance(p, tuple) else ((0.0, float(p)),)
                self.base[k, b] = table[0][1]
                for j, ((t0, v0), (t1, v1)) in enumerate(itertools.pairwise(table)):
                    self.knots[j, k, b] = t0 + KELVIN
                    self.widths[j, k, b] = t1 - t0
                    self.slopes[j, k, b] = (v1 - v0) / (t1 - t0)
        self.constant = n_points == 1

    def take(self, keep: np.ndarray) -> None:
        self.base = self.base[:, keep]
        self.knots, self.widths, self.slopes = (
            a[:, :, keep] for a in (self.knots, self.widths, self.slopes)
        )

    def __call__(self, temp: np.ndarray) -> np.ndarray:
        """Values at temp (N, B) for every slot: (K, N, B)."""
        value = np.broadcast_to(self.base[:, None, :], (self.base.shape[0], *temp.shape))
        if self.constant:
            return value
        value = value.copy()
        for j in range(self.knots.shape[0]):
            rise = np.clip(temp[None] - self.knots[j][:, None, :], 0.0, self.widths[j][:, None, :])
            value += self.slopes[j][:, None, :] * rise
        return value


class _Batch:
    """Working state of one chunk of scenarios (the solver's only stateful object)."""

    def __init__(self, scenarios: list[ConeScenario], settings: SolverSettings):
        self.scenarios = scenarios
        self.settings = settings
        self._setup_materials()
        self._setup_cells()
        self._setup_outputs()

    # -- set-up -------------------------------------------------------------------

    def _setup_materials(self) -> None:
        scen = self.scenarios
        batch = len(scen)
        blanket = [
            Component(
                "blanket", s.blanket.density, s.blanket.conductivity, s.blanket.specific_heat, 1.0
            )
            if s.backing == "blanket"
            else None
            for s in scen
        ]
        comps = [list(s.material.components) for s in scen]
        self.n_sample_comp = np.array([len(c) for c in comps])
        slots = max(len(c) + (blanket[b] is not None) for b, c in enumerate(comps))
        table: list[list[Component | None]] = []
        for b, c in enumerate(comps):
            row: list[Component | None] = [*c, blanket[b]] if blanket[b] else list(c)
            table.append(row + [None] * (slots - len(row)))
        self.slots = slots
        self.density = _slot_array(table, lambda c: c.density, 1.0)
        self.emissivity = _slot_array(table, lambda c: c.emissivity, 0.0)
        self.kappa = _slot_array(table, lambda c: min(c.absorption_coefficient, OPAQUE), 0.0)
        self.conductivity = _Tables([[c and c.conductivity for c in row] for row in table])
        self.specific_heat = _Tables([[c and c.specific_heat for c in row] for row in table])
        self.is_sample = np.array([[k < n for n in self.n_sample_comp] for k in range(slots)])

        n_reac = max(len(s.material.reactions) for s in scen)
        shape = (n_reac, batch)
        self.A, self.E, self.order, self.dh = (np.zeros(shape) for _ in range(4))
        self.source = np.zeros(shape, dtype=int)
        self.stoich = np.zeros((n_reac, slots, batch))
        self.gas_yield = np.zeros(shape)
        self.is_reactive = np.zeros((slots, batch), dtype=bool)
        for b, s in enumerate(scen):
            for r, reac in enumerate(s.material.reactions):
                self.A[r, b], self.E[r, b] = reac.A, reac.E
                self.order[r, b], self.dh[r, b] = reac.n, reac.heat_of_reaction
                self.source[r, b] = reac.source
                self.stoich[r, reac.source, b] -= 1.0
                if reac.residue is not None:
                    self.stoich[r, reac.residue, b] += reac.residue_yield
                self.gas_yield[r, b] = reac.gas_yield
                self.is_reactive[reac.source, b] = True
        self.same_source = self.source[:, None, :] == self.source[None, :, :]
        self.same_source &= (self.A > 0)[None, :, :]
        self.shared_sources = bool((self.same_source.sum(axis=1) > 1).any())
        self.nth_order = bool((self.order != 1.0).any())
        self.rho0 = np.array([s.material.virgin.density for s in scen])
        self.hoc = np.array([s.material.heat_of_combustion * s.combustion_efficiency for s in scen])

    def _setup_cells(self) -> None:
        scen = self.scenarios
        dx_target = self.settings.cell_size_mm * 1e-3
        n_sample = [max(3, math.ceil(s.thickness_mm * 1e-3 / dx_target - 1e-9)) for s in scen]
        n_blanket = [
            max(5, math.ceil(s.blanket.thickness_mm * 1e-3 / (BLANKET_CELL_FACTOR * dx_target)))
            if s.backing == "blanket"
            else 0
            for s in scen
        ]
        n_cells = max(a + b for a, b in zip(n_sample, n_blanket, strict=True))
        batch = len(scen)
        self.mass = np.zeros((self.slots, n_cells, batch))
        for b, s in enumerate(scen):
            dx = s.thickness_mm * 1e-3 / n_sample[b]
            self.mass[0, : n_sample[b], b] = s.material.virgin.density * dx
            if n_blanket[b]:
                dxb = s.blanket.thickness_mm * 1e-3 / n_blanket[b]
                self.mass[self.n_sample_comp[b], n_sample[b] : n_sample[b] + n_blanket[b], b] = (
                    s.blanket.density * dxb
                )
        self.last_sample_cell = np.array(n_sample) - 1
        self.dx_alive = 1e-6 * dx_target
        self.ambient = np.array([s.ambient_c + KELVIN for s in scen])
        self.temp = np.broadcast_to(self.ambient, (n_cells, batch)).copy()
        self.face_temp = self.ambient.copy()
        self.h = np.array([s.h_w_m2k for s in scen])
        self.q_ext = np.array([s.heat_flux_kw_m2 * 1e3 for s in scen])
        self.q_flame = np.array([s.flame_flux_kw_m2 * 1e3 for s in scen])
        self.by_temperature = np.array([s.ignition == "temperature" for s in scen])
        self.ignition_level = np.array(
            [
                (s.ignition_temperature_c or 0.0) + KELVIN
                if s.ignition == "temperature"
                else s.critical_mass_flux_g_m2s * 1e-3
                for s in scen
            ]
        )
        reactive = (self.mass * self.is_reactive[:, None, :]).sum(axis=(0, 1))
        self.burnout_mass = BURNOUT_FRACTION * reactive
        self.stop_at_burnout = np.array([s.duration_s is None for s in scen]) & (reactive > 0)
        self.end_time = np.array([s.end_time_s for s in scen])
        self.time = np.zeros(batch)
        self.dt = np.full(batch, min(0.05, self.settings.max_time_step_s))
        self.ignited = np.zeros(batch, dtype=bool)
        self.tig = np.full(batch, np.nan)
        self.mlr = np.zeros(batch)
        self.ids = np.arange(batch)

    def _setup_outputs(self) -> None:
        batch = len(self.scenarios)
        self.interval = np.array([s.output_interval_s for s in self.scenarios])
        capacity = int(min(self.end_time.max() / self.interval.min(), 512)) + 2
        self.out = {
            key: np.full((batch, capacity), np.nan)
            for key in ("hrr", "mlr", "surface", "back", "mass", "heat")
        }
        self.n_out = np.zeros(batch, dtype=int)
        self.final_tig = np.full(batch, np.nan)
        self.final_ignited = np.zeros(batch, dtype=bool)
        self.status = [STATUS_OK] * batch
        self.message = [""] * batch
        self.finished = np.zeros(batch, dtype=bool)
        self._record(np.arange(batch), self._cell_props())

    # -- time stepping -------------------------------------------------------------

    def run(self) -> list[ConeResult]:
        while self.ids.size:
            self._step()
        return [self._result(b) for b in range(len(self.scenarios))]

    def _cell_props(self) -> dict[str, np.ndarray]:
        """Thickness, volume fractions and mixed properties of every cell at the current T:
        k and κ mix by volume, heat capacity by mass."""
        volume = self.mass / self.density[:, None, :]
        dx = volume.sum(axis=0)
        frac = volume / np.maximum(dx, 1e-300)
        if self.slots == 1:
            k = np.maximum(frac[0] * self.conductivity(self.temp)[0], K_FLOOR)
            heat_cap = self.mass[0] * self.specific_heat(self.temp)[0]
        else:
            k = np.maximum((frac * self.conductivity(self.temp)).sum(axis=0), K_FLOOR)
            heat_cap = (self.mass * self.specific_heat(self.temp)).sum(axis=0)
        return {"dx": dx, "frac": frac, "k": k, "C": heat_cap, "dxe": np.maximum(dx, DX_FLOOR)}

    def _step(self) -> None:
        p = self._cell_props()
        batch = self.temp.shape[1]
        next_out = self.n_out[self.ids] * self.interval
        dt = np.maximum(np.minimum(self.dt, next_out - self.time), MIN_STEP_S)
        inv_dt = 1.0 / dt

        surface = np.argmax(p["dx"] > self.dx_alive, axis=0)
        surf_frac = p["frac"][:, surface, np.arange(batch)]
        eps = (surf_frac * self.emissivity).sum(axis=0)
        opaque = (surf_frac * self.kappa).sum(axis=0) >= OPAQUE * 1e-3
        t_amb, t_face = self.ambient, self.face_temp
        q_in = self.q_ext + self.q_flame * self.ignited + SIGMA * t_amb**4
        weight = self._in_depth_weights(p, opaque) * eps
        q0, q1, cons, dcons = self._reaction_terms(p, dt)
        q1 = np.maximum(q1, -0.5 * p["C"])

        resist = 0.5 * p["dxe"] / p["k"]
        g = 1.0 / (resist[:-1] + resist[1:])
        # Radiation in depth: cell i absorbs w_i·ε of the incident flux and, by
        # reciprocity, emits w_i·ε·σT_i⁴ out through the face (T⁴ linearised).
        emit = 4.0 * SIGMA * self.temp**3
        diag = (p["C"] + q1) * inv_dt + weight * emit
        rhs = (p["C"] + q1) * inv_dt * self.temp - q0 * inv_dt
        rhs += weight * (q_in + 0.75 * emit * self.temp)
        diag[:-1] += g
        diag[1:] += g
        # Exposed face: convection (and, when opaque, radiation) act on the face
        # temperature half a cell ahead of cell 0; eliminating it leaves a Robin condition.
        g_s = 1.0 / resist[0]
        eps_face = eps * opaque
        h_lin = self.h + 4.0 * eps_face * SIGMA * t_face**3
        src = self.h * t_amb + eps_face * (q_in + 3.0 * SIGMA * t_face**4)
        share = g_s / (h_lin + g_s)
        diag[0] += share * h_lin
        rhs[0] += share * src
        new_temp = _thomas(-g, diag, rhs)

        delta = new_temp - self.temp
        gas = np.zeros(batch)
        for r, (c, dc) in enumerate(zip(cons, dcons, strict=True)):
            src_mass = self._source_mass(r)
            used = np.minimum(np.maximum(c + dc * delta, 0.0), src_mass)
            self.mass += self.stoich[r][:, None, :] * used[None]
            gas += self.gas_yield[r] * used.sum(axis=0)
        np.maximum(self.mass, 0.0, out=self.mass)

        before = (self.time.copy(), self.mlr.copy(), self.face_temp.copy())
        self.temp = new_temp
        self.face_temp = (src + g_s * new_temp[0]) / (h_lin + g_s)
        self.mlr = gas * inv_dt
        self.time = self.time + dt
        self._detect_ignition(dt, *before)
        change = np.maximum(np.abs(delta).max(axis=0), np.abs(self.face_temp - before[2]))
        grow = np.clip(self.settings.max_temperature_step_k / np.maximum(change, 1e-12), 0.5, 2.0)
        # A step cut short to land on an output time says little about the step size
        # the solution allows, so it only ever shrinks the running step.
        shortened = dt < self.dt
        proposal = np.where(shortened & (grow >= 1.0), self.dt, dt * grow)
        self.dt = np.minimum(proposal, self.settings.max_time_step_s)
        self._after_step(next_out, p)

    def _after_step(self, next_out: np.ndarray, p: dict[str, np.ndarray]) -> None:
        bad = ~(np.isfinite(self.temp).all(axis=0) & np.isfinite(self.face_temp))
        bad |= self.dt < MIN_STEP_S
        for row in np.flatnonzero(bad):
            self._fail(row, f"the solution became non-finite at t = {self.time[row]:.2f} s")
        hit = np.flatnonzero((self.time >= next_out - 1e-9) & ~bad & ~self.finished[self.ids])
        if hit.size:
            self._record(hit, p)
            t_done = self.time[hit] >= self.end_time[hit] - 1e-9
            reactive = (self.mass[:, :, hit] * self.is_reactive[:, None, hit]).sum(axis=(0, 1))
            burnt = self.stop_at_burnout[hit] & (reactive <= self.burnout_mass[hit])
            for row in hit[t_done | burnt]:
                self._finish(row)
        done = self.finished[self.ids]
        if done.all() or done.sum() > max(1, self.ids.size // 8):
            self._compact(~done)

    def _source_mass(self, r: int) -> np.ndarray:
        first = self.source[r, 0]
        if (self.source[r] == first).all():
            return self.mass[first]
        return np.take_along_axis(self.mass, self.source[r][None, None, :], axis=0)[0]

    def _in_depth_weights(self, p, opaque: np.ndarray) -> np.ndarray:
        """Fraction of diffuse radiation entering the face that each cell absorbs.

        Beer–Lambert over the optical depth Σ PATH·κ·dx, PATH = 2 being the mean path
        factor of diffuse radiation in the two-flux model FDS uses; what passes the last
        cell is taken by the backing surface, at the temperature of the last cell.
        Zero for an opaque surface, which absorbs and emits at its face.
        """
        kappa = (p["frac"] * self.kappa[:, None, :]).sum(axis=0)
        depth = np.cumsum(np.minimum(TWO_FLUX_PATH * kappa * p["dx"], 700.0), axis=0)
        passed = np.exp(-depth)
        absorbed = np.empty_like(passed)
        absorbed[0] = 1.0 - passed[0]
        absorbed[1:] = passed[:-1] - passed[1:]
        absorbed[-1] += passed[-1]
        return absorbed * ~opaque

    def _reaction_terms(self, p, dt: np.ndarray):
        """Mass each reaction consumes over the step at the old temperature, and its
        derivative with respect to temperature, for the linearised implicit sink.

        Consumption over dt is m(1 − exp(−k dt)) (exact for first order at fixed T), so
        fast reactions cannot take more than is there; parallel reactions of one
        component share it in proportion to their rates.
        """
        inv_rt = 1.0 / (R_GAS * self.temp)
        rates, slopes = [], []
        for r in range(self.A.shape[0]):
            k_r = self.A[r] * np.exp(-self.E[r] * inv_rt)
            if self.nth_order:
                rho = self._source_mass(r) / p["dxe"] / self.rho0
                k_r = k_r * np.power(np.maximum(rho, 1e-12), self.order[r] - 1.0)
            rates.append(k_r)
            slopes.append(k_r * self.E[r] * inv_rt / self.temp)
        q0 = np.zeros_like(self.temp)
        q1 = np.zeros_like(self.temp)
        cons, dcons = [], []
        for r in range(len(rates)):
            src_mass = self._source_mass(r)
            if self.shared_sources:
                same = self.same_source[r]
                k_tot = sum(same[j] * rates[j] for j in range(len(rates)))
                slope_tot = sum(same[j] * slopes[j] for j in range(len(rates)))
                fraction = np.divide(rates[r], k_tot, out=np.zeros_like(k_tot), where=k_tot > 0)
            else:
                k_tot, slope_tot, fraction = rates[r], slopes[r], 1.0
            remain = np.exp(-k_tot * dt)
            c = fraction * src_mass * (1.0 - remain)
            dc = fraction * src_mass * dt * remain * slope_tot
            cons.append(c)
            dcons.append(dc)
            q0 += self.dh[r] * c
            q1 += self.dh[r] * dc
        return q0, q1, cons, dcons

    def _detect_ignition(
        self, dt: np.ndarray, t_old: np.ndarray, mlr_old: np.ndarray, face_old: np.ndarray
    ) -> None:
        """Latch ignition; its time is interpolated linearly inside the step."""
        value = np.where(self.by_temperature, self.face_temp, self.mlr)
        new = ~self.ignited & (value >= self.ignition_level)
        if not new.any():
            return
        before = np.where(self.by_temperature, face_old, mlr_old)
        span = np.where(value > before, value - before, 1.0)
        frac = np.clip((self.ignition_level - before) / span, 0.0, 1.0)
        self.tig = np.where(new, t_old + frac * dt, self.tig)
        self.ignited |= new

    # -- bookkeeping -----------------------------------------------------------------

    def _record(self, rows: np.ndarray, p: dict[str, np.ndarray]) -> None:
        """Store outputs of the given rows at their next output slot; cell properties
        (conductance, heat capacity) are those the step just used."""
        cols = rows
        if rows.size == self.ids.size:
            rows = slice(None)
        ids = self.ids[rows]
        slot = self.n_out[ids]
        if slot.max() >= self.out["hrr"].shape[1]:
            for key, arr in self.out.items():
                self.out[key] = np.concatenate([arr, np.full_like(arr, np.nan)], axis=1)
        last = self.temp.shape[0] - 1
        cell_a = self.last_sample_cell[rows]
        cell_b = np.minimum(cell_a + 1, last)
        r_a = 0.5 * p["dxe"][cell_a, cols] / p["k"][cell_a, cols]
        r_b = 0.5 * p["dxe"][cell_b, cols] / p["k"][cell_b, cols]
        t_a, t_b = self.temp[cell_a, cols], self.temp[cell_b, cols]
        back = t_a + (t_b - t_a) * r_a / (r_a + r_b)
        if self.slots == 1:
            sample_mass = self.mass[0][:, rows].sum(axis=0)
        else:
            sample_mass = (self.mass[:, :, rows] * self.is_sample[:, None, rows]).sum(axis=(0, 1))
        heat = (p["C"][:, rows] * (self.temp[:, rows] - self.ambient[rows])).sum(axis=0)
        values = {
            "hrr": self.hoc[rows] * self.mlr[rows] * self.ignited[rows] * 1e-3,
            "mlr": self.mlr[rows] * 1e3,
            "surface": self.face_temp[rows] - KELVIN,
            "back": back - KELVIN,
            "mass": sample_mass,
            "heat": heat * 1e-3,
        }
        for key, v in values.items():
            self.out[key][ids, slot] = v
        self.n_out[ids] += 1

    def _finish(self, row: int) -> None:
        b = self.ids[row]
        self.finished[b] = True
        self.final_tig[b] = self.tig[row]
        self.final_ignited[b] = self.ignited[row]

    def _fail(self, row: int, why: str) -> None:
        b = self.ids[row]
        self.status[b] = STATUS_FAILED
        self.message[b] = f"{self.scenarios[b].material.name}: {why}."
        self._finish(row)

    def _compact(self, keep: np.ndarray) -> None:
        """Drop finished scenarios from every working array (batch is the last axis)."""
        for name in _WORKING:
            setattr(self, name, getattr(self, name)[..., keep])
        self.conductivity.take(keep)
        self.specific_heat.take(keep)

    def _result(self, b: int) -> ConeResult:
        n = self.n_out[b]
        scenario = self.scenarios[b]
        curves = {key: arr[b, :n].copy() for key, arr in self.out.items()}
        time = np.arange(n) * scenario.output_interval_s
        tig = float(self.final_tig[b])
        mass_loss = float(curves["mass"][0] - curves["mass"][-1]) if n else None
        metrics = curve_metrics(
            time,
            curves["hrr"],
            mass_loss_kg_m2=mass_loss,
            tig_s=tig if self.final_ignited[b] else math.nan,
        )
        return ConeResult(
            scenario=scenario,
            time_s=time,
            hrr_kw_m2=curves["hrr"],
            mlr_g_m2s=curves["mlr"],
            surface_temp_c=curves["surface"],
            back_temp_c=curves["back"],
            mass_kg_m2=curves["mass"],
            stored_heat_kj_m2=curves["heat"],
            metrics=metrics,
            ignited=bool(self.final_ignited[b]),
            tig_s=tig,
            status=self.status[b],
            message=self.message[b],
        )


_WORKING = (
    "density",
    "emissivity",
    "kappa",
    "is_sample",
    "A",
    "E",
    "order",
    "dh",
    "source",
    "stoich",
    "gas_yield",
    "is_reactive",
    "same_source",
    "rho0",
    "hoc",
    "mass",
    "last_sample_cell",
    "ambient",
    "temp",
    "face_temp",
    "h",
    "q_ext",
    "q_flame",
    "by_temperature",
    "ignition_level",
    "burnout_mass",
    "stop_at_burnout",
    "end_time",
    "time",
    "dt",
    "ignited",
    "tig",
    "mlr",
    "ids",
    "interval",
)


def _slot_array(table: list[list[Component | None]], get, fill: float) -> np.ndarray:
    """(K, B) array of one scalar component property; empty slots get `fill`."""
    return np.array([[fill if c is None else get(c) for c in row] for row in table]).T


def _thomas(off: np.ndarray, diag: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve symmetric tridiagonal systems, one per column: off (N−1, B), diag/rhs (N, B).

    No pivoting is needed: the matrix is diagonally dominant (conductances plus
    positive heat capacities and surface losses on the diagonal).
    """
    n = diag.shape[0]
    c = np.empty_like(off)
    d = np.empty_like(rhs)
    denom = diag[0]
    c[0] = off[0] / denom
    d[0] = rhs[0] / denom
    for i in range(1, n):
        denom = diag[i] - off[i - 1] * c[i - 1]
        if i < n - 1:
            c[i] = off[i] / denom
        d[i] = (rhs[i] - off[i - 1] * d[i - 1]) / denom
    x = d
    for i in range(n - 2, -1, -1):
        x[i] -= c[i] * x[i + 1]
    return x
