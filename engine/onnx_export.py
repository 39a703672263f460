"""Export a trained model directory (or ensemble) to one self-contained ONNX file.

Every member's encoder, conditioning and heads go into one graph that returns the
ensemble's mean and population standard deviation, exactly what
`engine.training.ConeEnsemble.predict` computes, so the desktop predictor needs
onnxruntime and numpy but not torch. The vocabulary, time grid, units and the members'
training records go into the file's metadata (see `engine.onnx_format`).

The TorchScript exporter is used: the model's forward has no Python branch on tensor
values, so tracing captures it whole with dynamic batch and sequence axes, and it
exports in well under a second where the torch.export-based exporter takes tens of
seconds for the same graph. A trace is checked against torch before the file is written.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from torch import nn

from engine import __version__
from engine.jobs import CancelToken, ProgressCallback, ProgressReporter
from engine.model import SCALAR_TARGETS
from engine.onnx_format import (
    CANONICALISATION,
    CURVE,
    DEFAULT_OPSET,
    INPUTS,
    KEY_PREFIX,
    ONNX_FORMAT_VERSION,
    OUTPUTS,
    SCALARS,
    STD,
    UNITS,
)
from engine.smiles_tokens import SMILES_TOKEN
from engine.training.ensemble import ConeEnsemble, load_ensemble
from engine.training.model_dir import METRICS, PROVENANCE, read_json

#: How far the exported graph may stray from torch on the check batch before export fails.
CHECK_RTOL = 1e-3


class ExportError(ValueError):
    """A model that cannot be exported, or an export that does not match torch."""


class EnsembleGraph(nn.Module):
    """All members on the same inputs, reduced to mean and population std per output."""

    def __init__(self, ensemble: ConeEnsemble):
        super().__init__()
        self.members = nn.ModuleList(m.model for m in ensemble.members)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        heat_flux_kw_m2: torch.Tensor,
        thickness_mm: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        outputs = [
            m(input_ids, attention_mask, heat_flux_kw_m2, thickness_mm) for m in self.members
        ]
        scalars = torch.stack([o.scalars for o in outputs])
        curves = torch.stack([o.curve_kw_m2 for o in outputs])
        named = {}
        for name in SCALARS:
            k = SCALAR_TARGETS.index(name)
            named[name], named[name + STD] = _mean_std(scalars[..., k])
        named[CURVE], named[CURVE + STD] = _mean_std(curves)
        return tuple(named[name] for name in OUTPUTS)


def _mean_std(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and population std over the first (member) axis, as numpy's defaults."""
    mean = values.mean(dim=0)
    return mean, (values - mean).square().mean(dim=0).sqrt()


def export_onnx(
    model_dir: str | Path,
    out_path: str | Path,
    *,
    name: str | None = None,
    opset: int = DEFAULT_OPSET,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Write ``model_dir`` (a model directory or an ensemble folder) as one ONNX file.

    ``name`` defaults to the folder's name. The file is written through a temporary
    file and a rename, so a cancelled or failed export never leaves half a model.
    """
    model_dir, out_path = Path(model_dir), Path(out_path)
    try:
        import onnx  # noqa: F401  (needed by torch's exporter; fail before any work)
    except ImportError:
        raise ExportError(
            "Exporting needs the onnx package; install it with Trinity's ml extra "
            "(pip install 'trinity-fire[ml]')."
        ) from None
    report = ProgressReporter(4, progress)
    report(0, f"loading {model_dir}")
    ensemble = load_ensemble(model_dir)
    tokens = _tokenizer_metadata(ensemble, model_dir)
    _check(cancel)
    report(1, f"tracing {len(ensemble.members)} member(s)")
    graph = EnsembleGraph(ensemble).eval()
    model = _trace(graph, _example_inputs(tokens, (6, 2)), opset)
    _check(cancel)
    report(2, "checking the exported graph against torch")
    _verify(model.SerializeToString(), graph, _example_inputs(tokens, (1, 9, 4)))
    metadata = _metadata(ensemble, model_dir, name or model_dir.resolve().name, opset, tokens)
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = KEY_PREFIX + key, json.dumps(value, default=str)
    model.doc_string = (
        f"Trinity cone-calorimeter model {metadata['name']!r}, {metadata['members']} member(s): "
        "SMILES tokens and test condition -> ensemble mean and std of t_ig, pHRR, THR and "
        "the HRR curve."
    )
    _check(cancel)
    report(3, f"writing {out_path}")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    tmp.write_bytes(model.SerializeToString())
    os.replace(tmp, out_path)
    report(4, f"exported {out_path}")
    return out_path


def _check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_cancelled()


def _tokenizer_metadata(ensemble: ConeEnsemble, model_dir: Path) -> dict:
    """The one vocabulary all members share, with the ids the predictor needs."""
    tokenizers = [m.tokenizer for m in ensemble.members]
    first = tokenizers[0]
    specials = ("bos_token", "eos_token", "pad_token", "unk_token")
    for other in tokenizers[1:]:
        if other.get_vocab() != first.get_vocab() or any(
            getattr(other, s) != getattr(first, s) for s in specials
        ):
            raise ExportError(
                f"The members of {model_dir} use different vocabularies, so one token "
                "sequence cannot feed them all; export them one by one."
            )
    return {
        "vocabulary": first.get_vocab(),
        "bos_id": first.bos_token_id,
        "eos_id": first.eos_token_id,
        "pad_id": first.pad_token_id,
        "unk_id": first.unk_token_id,
        # As the torch reference: an unknown token is refused, never read as <unk>.
        "unknown_tokens": "error",
        "pattern": SMILES_TOKEN.pattern,
        "canonicalisation": CANONICALISATION,
    }


def _example_inputs(tokens: dict, lengths: tuple[int, ...]) -> tuple[torch.Tensor, ...]:
    """A right-padded batch of ``<bos> … <eos>`` sequences of ``lengths`` vocabulary tokens."""
    specials = {tokens[k] for k in ("bos_id", "eos_id", "pad_id", "unk_id")}
    ordinary = [i for i in sorted(tokens["vocabulary"].values()) if i not in specials]
    width = max(lengths) + 2
    rows = []
    for n in lengths:
        body = [ordinary[k % len(ordinary)] for k in range(n)]
        row = [tokens["bos_id"], *body, tokens["eos_id"]]
        rows.append(row + [tokens["pad_id"]] * (width - len(row)))
    ids = torch.tensor(rows, dtype=torch.int64)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        mask[row, : n + 2] = 1
    conditions = np.linspace(0.0, 1.0, len(lengths))
    return (
        ids,
        mask,
        torch.tensor(25.0 + 50.0 * conditions, dtype=torch.float32),
        torch.tensor(2.0 + 8.0 * conditions, dtype=torch.float32),
    )


def _trace(graph: EnsembleGraph, example: tuple[torch.Tensor, ...], opset: int):
    import onnx

    dynamic = {name: {0: "batch", 1: "sequence"} for name in INPUTS[:2]}
    dynamic |= {name: {0: "batch"} for name in INPUTS[2:]}
    dynamic |= {name: {0: "batch"} for name in OUTPUTS}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The exporter's deprecation notice and the tracer's notes on shape checks (such
        # as embedding's padding index) are nothing a user can act on; `_verify` runs the
        # graph on other shapes than the trace's, which is what those notes warn about.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        torch.onnx.export(
            graph,
            example,
            buffer,
            dynamo=False,
            input_names=list(INPUTS),
            output_names=list(OUTPUTS),
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=True,
        )
    model = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(model)
    return model


def _verify(serialised: bytes, graph: EnsembleGraph, example: tuple[torch.Tensor, ...]) -> None:
    """Fail the export if onnxruntime and torch disagree on a batch shaped unlike the trace's."""
    import onnxruntime as ort

    with torch.no_grad():
        expected = [t.numpy() for t in graph(*example)]
    session = ort.InferenceSession(serialised, providers=["CPUExecutionProvider"])
    feed = {name: tensor.numpy() for name, tensor in zip(INPUTS, example, strict=True)}
    by_name = dict(zip(OUTPUTS, expected, strict=True))
    for name, got, want in zip(OUTPUTS, session.run(list(OUTPUTS), feed), expected, strict=True):
        # A spread is a difference of near-equal member outputs: its rounding error
        # scales with the outputs themselves, not with the (possibly tiny) spread.
        reference = by_name.get(name.removesuffix("_std"), want)
        scale = float(np.abs(reference).max()) or 1.0
        if not np.allclose(got, want, rtol=CHECK_RTOL, atol=CHECK_RTOL * scale):
            worst = float(np.abs(got - want).max())
            raise ExportError(
                f"The exported graph gives {name} up to {worst:.3g} away from torch; "
                "this is a bug in the export, please report it."
            )


def _metadata(
    ensemble: ConeEnsemble, model_dir: Path, name: str, opset: int, tokens: dict
) -> dict:
    """Everything a predictor and a person need to know about the exported model."""
    root = model_dir.resolve()
    members = {}
    for member in ensemble.members:
        folder = member.folder.resolve()
        label = folder.name if folder == root else str(folder.relative_to(root))
        members[label] = member
    return {
        "format_version": ONNX_FORMAT_VERSION,
        "name": name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "trinity_version": __version__,
        "torch_version": torch.__version__,
        "opset": opset,
        "members": len(members),
        "inputs": list(INPUTS),
        "outputs": list(OUTPUTS),
        "units": UNITS,
        "time_grid_s": [float(t) for t in ensemble.time_grid_s],
        "tokenizer": tokens,
        "training": {label: m.training_config for label, m in members.items()},
        "metrics": {label: _record(m.folder / METRICS) for label, m in members.items()},
        "provenance": {label: _record(m.folder / PROVENANCE) for label, m in members.items()},
        # Beside an ensemble built by `trinity recipe`: how it was made, and how well the
        # method did on held-out polymers (leave-one-polymer-out).
        "recipe": _record(model_dir / "recipe.json"),
        "evaluation": _evaluation_summary(_record(model_dir / "evaluation.json")),
    }


def _evaluation_summary(report: dict | None) -> dict | None:
    """The scores of a leave-one-polymer-out report, without its per-fold detail."""
    if report is None:
        return None
    keep = ("tests", "polymers", "seeds", "scores", "improvement_two_phase_over_single",
            "paper_improvement")
    return {key: report[key] for key in keep if key in report}


def _record(path: Path) -> dict | None:
    return read_json(path) if path.is_file() else None
