"""A kinetic fit in words and numbers for people (the command line and the window)."""

from __future__ import annotations

from engine.cone.material import tga_peak_temperature_c
from engine.gc.properties import MaterialProperties
from engine.thermal.kinetics import KineticFit


def step_rows(fit: KineticFit) -> list[tuple[str, ...]]:
    """One row per step, display units: A (1/s), E (kJ/mol), n, mass fraction, residue
    yield, peak (°C). A to 3 significant figures, E to 0.1 kJ/mol, peak to 1 °C."""
    rows = []
    for i, s in enumerate(fit.steps, 1):
        residue = "–" if s.residue_yield is None else f"{s.residue_yield:.2f}"
        rows.append(
            (
                str(i),
                f"{s.A_1_s:.3g}",
                f"{s.E_j_mol / 1e3:.1f}",
                f"{s.n:.2f}",
                f"{s.mass_fraction:.2f}",
                residue,
                f"{s.peak_c:.0f}",
            )
        )
    return rows


STEP_HEADER = ("step", "A (1/s)", "E (kJ/mol)", "n", "mass fraction", "residue yield", "peak (°C)")


def describe(fit: KineticFit) -> list[str]:
    """The steps as a table and the fit quality curve by curve."""
    lines = [
        f"{len(fit.steps)} {fit.scheme} step{'s' if len(fit.steps) > 1 else ''} "
        f"(peaks at {fit.reference_heating_rate_k_min:.3g} K/min):"
    ]
    table = [STEP_HEADER, *step_rows(fit)]
    widths = [max(len(row[i]) for row in table) for i in range(len(STEP_HEADER))]
    for row in table:
        lines.append("  " + "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    if fit.scheme == "consecutive":
        lines.append(
            "  (mass fraction: what enters the step; residue yield: what it leaves of that)"
        )
    if fit.residue is not None:
        lines.append(f"  residue {max(fit.residue, 0.0):.3f} of the initial mass")
    lines.append(f"Fit: rms {fit.rms:.4f}, R² at least {fit.r2:.4f}")
    lines += [f"  note: {w}" for w in fit.warnings]
    for c in fit.curves:
        residue = ""
        if c.residue_measured is not None and c.residue_fitted is not None:
            residue = f"; residue {c.residue_measured:.3f} measured, {c.residue_fitted:.3f} fitted"
        lines.append(
            f"  {c.name} ({c.technique}, {c.heating_rate_k_min:.3g} K/min): rms {c.rms:.4f}, "
            f"R² {c.r2:.4f}; peak {c.peak_measured_c:.0f} °C measured, "
            f"{c.peak_fitted_c:.0f} °C fitted{residue}"
        )
    return lines


BESIDE_GC_HEADER = ("Source", *STEP_HEADER[1:])


def beside_gc_rows(fit: KineticFit, props: MaterialProperties) -> list[tuple[str, ...]]:
    """The GC estimate's steps, then the measured ones, in the columns of `STEP_HEADER`
    (the first naming the source), every peak at the fit's reference heating rate so the
    two can be compared. A GC step's mass fraction is not estimated ('–'); its residue
    yield is its char yield."""
    rate = fit.reference_heating_rate_k_min
    rows = []
    for i, r in enumerate(props.reactions, 1):
        a, e, n = r.pre_exponential_1_s, r.activation_energy_j_mol, r.order
        rows.append(
            (
                f"GC estimate, step {i}" if len(props.reactions) > 1 else "GC estimate",
                f"{a:.3g}",
                f"{e / 1e3:.1f}",
                f"{n:.2f}",
                "–",
                f"{r.char_yield:.2f}",
                f"{tga_peak_temperature_c(a, e, n, rate):.0f}",
            )
        )
    for row in step_rows(fit):
        rows.append((f"Measured, step {row[0]}", *row[1:]))
    return rows
