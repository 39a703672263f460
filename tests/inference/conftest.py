"""Tiny trained models for the ONNX tests: a 3-seed ensemble trained for one epoch on a
small experimental CSV (about a second), and its ONNX exports."""

from pathlib import Path

import pytest
from tiny_model import TINY as SHARED_TINY

from engine.onnx_export import export_onnx
from engine.training import TrainSettings, train_ensemble

#: A 1-layer, 32-wide encoder on a 0–300 s grid of 31 points: exports in a fraction of a second.
TINY = {**SHARED_TINY, "curve_points": 31, "curve_interval_s": 10.0}
FAST = TrainSettings(epochs=2, batch_size=4, learning_rate=3e-3, validation_fraction=0.25)
POLYMERS = {
    "PMMA": "*CC(*)(C)C(=O)OC",
    "PS": "*CC(*)c1ccccc1",
    "PE": "*CC*",
    "POM": "*OC*",
    "PA6": "*CCCCCC(=O)N*",
    "PC": "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1",
}



@pytest.fixture(scope="session")
def ensemble_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    lines = ["polymer,smiles,heat_flux_kw_m2,thickness_mm,tig_s,phrr_kw_m2,thr_mj_m2"]
    for k, (name, smiles) in enumerate(POLYMERS.items()):
        for flux in (35, 50):
            tig, phrr, thr = 2000.0 / flux + 5 * k, 200.0 + 60 * k + 4 * flux, 40.0 + 10 * k
            lines.append(f"{name},{smiles},{flux},{3 + k % 2},{tig:.1f},{phrr:.0f},{thr:.0f}")
    data = folder / "tests.csv"
    data.write_text("\n".join(lines) + "\n")
    out = folder / "ensemble"
    train_ensemble("single", [0, 1, 2], out, settings=FAST, data=data, model_overrides=TINY)
    return out


@pytest.fixture(scope="session")
def ensemble_onnx(ensemble_dir, tmp_path_factory) -> Path:
    return export_onnx(ensemble_dir, tmp_path_factory.mktemp("onnx") / "ensemble.onnx",
                       name="tiny ensemble")


@pytest.fixture(scope="session")
def single_onnx(ensemble_dir, tmp_path_factory) -> Path:
    return export_onnx(ensemble_dir / "seed-1", tmp_path_factory.mktemp("onnx") / "single.onnx")
