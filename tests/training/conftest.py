"""Tiny data for training tests: a synthetic set of 8 polymers at two fluxes (a 0–300 s
grid of 31 points) and an experimental CSV of 8 polymers at two fluxes, 2 with curves."""

from pathlib import Path

import numpy as np
import pytest
from training_setup import POLYMERS

from engine.synthetic import SyntheticConfig, generate_synthetic


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "synth"
    config = SyntheticConfig(
        n_polymers=8,
        seed=3,
        heat_fluxes_kw_m2=(35.0, 50.0),
        thicknesses_mm=(4.0,),
        duration_s=300.0,
        curve_interval_s=10.0,
        chunk_size=8,
    )
    generate_synthetic(config, out, workers=1)
    return out


@pytest.fixture(scope="session")
def experimental_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("experimental")
    time_s = np.arange(0, 400, 5.0)
    lines = ["polymer,smiles,heat_flux_kw_m2,thickness_mm,tig_s,phrr_kw_m2,thr_mj_m2,curve_file"]
    for k, (name, smiles) in enumerate(POLYMERS.items()):
        for flux in (35, 50):
            curve = ""
            if k < 2:
                hrr = 300.0 * (1 + k) * np.exp(-(((time_s - 120 + flux) / 40.0) ** 2))
                curve = f"{name}_{flux}.csv"
                rows = "\n".join(f"{t:g},{h:.3f}" for t, h in zip(time_s, hrr, strict=True))
                (folder / curve).write_text("time_s,hrr_kw_m2\n" + rows + "\n")
            tig, phrr, thr = 2000.0 / flux + 5 * k, 200.0 + 60 * k + 4 * flux, 40.0 + 10 * k
            values = f"{tig:.1f},{phrr:.0f},{thr:.0f}"
            lines.append(f"{name},{smiles},{flux},{3 + k % 2},{values},{curve}")
    path = folder / "tests.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
