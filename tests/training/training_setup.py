"""Fast settings and polymers shared by the training tests (the tiny model: tiny_model)."""

from engine.training import TrainSettings

#: The synthetic set's grid, for runs (the baseline) that do not read it from the data.
GRID = {"curve_points": 31, "curve_interval_s": 10.0}
FAST = TrainSettings(
    epochs=3, batch_size=4, learning_rate=3e-3, validation_fraction=0.25, patience=5
)

POLYMERS = {
    "PMMA": "*CC(*)(C)C(=O)OC",
    "PS": "*CC(*)c1ccccc1",
    "PE": "*CC*",
    "PP": "*CC(*)C",
    "POM": "*OC*",
    "PA6": "*CCCCCC(=O)N*",
    "PC": "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1",
    "PBrS": "*CC(*)c1ccc(Br)cc1",
}
