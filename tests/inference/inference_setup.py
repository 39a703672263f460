"""Shared constants of the ONNX tests (a module of its own: `conftest` names collide)."""

#: SMILES of different lengths, including ones written non-canonically.
QUERIES = ["*CC*", "*Oc1ccc(C(C)(C)c2ccc(OC(*)=O)cc2)cc1", "C(*)C(*)c1ccccc1", "*OC*",
           "*C[C@@H](*)C"]
