"""Trinity's chemical language model: SMILES tokenizer, MoLFormer-style encoder, cone heads.

Laid out like a transformers model folder (configuration, modeling, tokenization), so
`save_pretrained`/`from_pretrained` round-trip a model directory; `load_molformer`
reads the public MoLFormer-XL weights from a local folder. Nothing here downloads.
"""

# torch first: where it is missing, this import fails with the name the command line turns
# into "install the ml extra" (engine.extras), before transformers warns on its own.
import torch  # noqa: F401

from .configuration_trinity import SCALAR_TARGETS, SIZES, TrinityConfig
from .loss import LpLoss
from .modeling_trinity import (
    TrinityConeOutput,
    TrinityForConePrediction,
    TrinityModel,
    TrinityPreTrainedModel,
)
from .molformer import MolformerCheckpointError, load_molformer
from .tokenization_trinity import (
    SPECIAL_TOKENS,
    TrinitySmilesTokenizer,
    UnknownTokenError,
    base_vocabulary,
    build_vocabulary,
    split_smiles,
)

__all__ = [
    "SCALAR_TARGETS",
    "SIZES",
    "SPECIAL_TOKENS",
    "LpLoss",
    "MolformerCheckpointError",
    "TrinityConeOutput",
    "TrinityConfig",
    "TrinityForConePrediction",
    "TrinityModel",
    "TrinityPreTrainedModel",
    "TrinitySmilesTokenizer",
    "UnknownTokenError",
    "base_vocabulary",
    "build_vocabulary",
    "load_molformer",
    "split_smiles",
]
