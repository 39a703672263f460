"""The contract of a Trinity ONNX file, shared by the exporter and the torch-free predictor.

One file holds a whole ensemble: the graph takes token ids, their mask and the test
condition and returns the members' mean and population standard deviation of each
output, in units. Everything else inference needs (vocabulary, time grid, units, what
the model was trained on) travels in the model's ``metadata_props`` under
``trinity.*`` keys, each value JSON text. `ONNX_FORMAT_VERSION` changes whenever the
inputs, outputs, metadata or tokenisation change meaning, so an old predictor refuses
a new file (and the reverse) instead of reading it wrongly.
"""

from __future__ import annotations

ONNX_FORMAT_VERSION = 1
#: Opset 17 has LayerNormalization as one operator; onnxruntime reads it from 1.14 on.
DEFAULT_OPSET = 17
#: Prefix of every metadata key Trinity writes.
KEY_PREFIX = "trinity."
#: The key that marks an ONNX file as Trinity's and says which format it follows.
FORMAT_KEY = KEY_PREFIX + "format_version"

INPUTS = ("input_ids", "attention_mask", "heat_flux_kw_m2", "thickness_mm")
#: Scalar outputs, in the order of the model's scalar targets.
SCALARS = ("tig_s", "phrr_kw_m2", "thr_mj_m2")
CURVE = "hrr_kw_m2"
#: Suffix of the spread (population std over members) of an output.
STD = "_std"
OUTPUTS = tuple(name + suffix for name in (*SCALARS, CURVE) for suffix in ("", STD))
UNITS = {
    "tig_s": "s",
    "phrr_kw_m2": "kW/m2",
    "thr_mj_m2": "MJ/m2",
    "hrr_kw_m2": "kW/m2",
    "time_s": "s",
    "heat_flux_kw_m2": "kW/m2",
    "thickness_mm": "mm",
}
#: Optional metadata: which method predicts each target and the held-out errors its
#: intervals come from (`engine.physics_informed.Calibration`); a file without it gives
#: the ensemble's spread, which is not an interval calibrated on held-out polymers.
CALIBRATION = "calibration"
#: Suffixes of an interval's bounds.
LOW, HIGH = "_low", "_high"
#: SMILES are reduced to their smallest repeat unit, without stereo, canonical
#: (engine.identity.model_smiles) before tokenising, in training as in prediction.
CANONICALISATION = "engine.identity.model_smiles"
