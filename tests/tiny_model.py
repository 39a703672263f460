"""A 1-layer, 32-wide encoder: trains in moments on a CPU and exercises every code path.

Shared by the training, inference and GUI tests (``tests/`` is on the import path)."""

TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "head_hidden_size": 32,
    "num_random_features": 8,
}
