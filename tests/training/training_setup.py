"""A tiny model and fast settings shared by the training tests."""

from engine.training import TrainSettings

#: A 1-layer, 32-wide encoder: trains in milliseconds, exercises every code path.
TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "head_hidden_size": 32,
    "num_random_features": 8,
}
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
