"""Inference speed: the exported ONNX model under onnxruntime against torch eager.

    python benchmarks/bench_inference.py [--members 1,3] [--n 1000] [--threads N]
        [--size small|molformer] [--repeats 50] [--batch-sizes 16,32,128] [--json PATH]

For each ensemble size, members are trained for one epoch on the shipped experimental
tests (the weights do not change the cost, only the shapes do) and exported with
`trinity export`'s function. Both runtimes use the same number of threads and do the
whole job from SMILES to numbers:

- latency: one polymer (polystyrene), median of ``--repeats`` calls after a warm-up;
  onnxruntime through `OnnxPredictor.predict` (RDKit canonicalisation included), torch
  through `ConeEnsemble.predict` (tokenizer and model; no canonicalisation, so torch is
  favoured);
- throughput: ``--n`` hypothetical polymers at mixed fluxes and thicknesses, best of
  three runs. Torch gets them sorted by length and the same batch size, so its batches
  are as little padded as the predictor's own length-sorted batches. The predictor's
  figure is split into validating and tokenising (RDKit, per polymer) and the graph
  alone (the predictor's batching over SMILES already encoded).

Goals (issue 5): onnxruntime at least 2× faster than torch for one polymer, and at least
1 000 polymers/s batched.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
import transformers
from machine import machine_info

from engine.hypothetical import generate_polymers
from engine.onnx_export import export_onnx
from engine.predictor import BATCH_SIZE, OnnxPredictor, PredictorError, default_threads
from engine.training import PHASE2_DEFAULTS, load_ensemble, train_ensemble

RESULTS = Path(__file__).resolve().parent / "results" / "inference.json"
ONE = "*CC(*)c1ccccc1"


def _median_s(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _best_rate(call, n: int, runs: int = 3) -> float:
    call()
    best = min(_timed(call) for _ in range(runs))
    return n / best


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def _tests(predictor: OnnxPredictor, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``n`` hypothetical polymers the model can read, with mixed test conditions."""
    smiles = []
    for polymer in generate_polymers(2 * n, seed=2026, estimate=False):
        try:
            smiles.append(predictor.encode(polymer.smiles)[0])
        except PredictorError:
            continue
        if len(smiles) == n:
            break
    rng = np.random.default_rng(0)
    flux = rng.choice([25.0, 35.0, 50.0, 75.0], size=len(smiles))
    thickness = rng.choice([3.0, 6.0], size=len(smiles))
    return smiles, flux, thickness


def bench(members: int, args, tmp: Path) -> dict:
    folder = tmp / f"ensemble-{members}"
    settings = replace(PHASE2_DEFAULTS, epochs=1, device="cpu")
    train_ensemble("single", list(range(members)), folder, settings=settings, data="shipped",
                   size=args.size)
    onnx_path = export_onnx(folder, tmp / f"ensemble-{members}.onnx")
    ensemble = load_ensemble(folder)
    predictor = OnnxPredictor(onnx_path, threads=args.threads)
    smiles, flux, thickness = _tests(predictor, args.n)
    lengths = np.array([len(predictor.encode(s)[1]) for s in smiles])
    by_length = np.argsort(lengths, kind="stable")
    sorted_smiles = [smiles[i] for i in by_length]

    onnx_one = _median_s(lambda: predictor.predict([ONE], 50.0, 3.0), args.repeats)
    torch_one = _median_s(lambda: ensemble.predict([ONE], [50.0], [3.0]), args.repeats)
    torch_rate = _best_rate(
        lambda: ensemble.predict(sorted_smiles, flux[by_length], thickness[by_length],
                                 batch_size=BATCH_SIZE),
        len(smiles),
    )
    start = time.perf_counter()
    encoded = [predictor.encode(s) for s in smiles]
    encode_s = time.perf_counter() - start
    conditions = flux.astype(np.float32), thickness.astype(np.float32)
    graph_rate = _best_rate(lambda: predictor._learnt(encoded, *conditions), len(smiles))
    onnx_rates = {}
    for batch_size in args.batch_sizes:
        sized = OnnxPredictor(onnx_path, threads=args.threads, batch_size=batch_size)
        onnx_rates[batch_size] = _best_rate(  # each run with new polymers: caches cleared
            lambda p=sized: (p._encoded.cache_clear(), p.predict(smiles, flux, thickness)),
            len(smiles),
        )
    return {
        "members": members,
        "onnx_file_mb": onnx_path.stat().st_size / 1e6,
        "tests": len(smiles),
        "tokens_median": float(np.median(lengths)),
        "tokens_max": int(lengths.max()),
        "latency_one_ms": {"onnxruntime": 1e3 * onnx_one, "torch": 1e3 * torch_one},
        "latency_speedup": torch_one / onnx_one,
        "throughput_per_s": {
            "onnxruntime_by_batch_size": onnx_rates,
            "torch": torch_rate,
            "torch_batch_size": BATCH_SIZE,
            "onnxruntime_graph_only": graph_rate,
        },
        "encode_ms_per_polymer": 1e3 * encode_s / len(smiles),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", default="1,3", help="ensemble sizes, comma separated")
    parser.add_argument("--n", type=int, default=1000, help="polymers for the throughput")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--size", choices=("small", "molformer"), default="small")
    parser.add_argument("--repeats", type=int, default=50, help="calls for the latency median")
    parser.add_argument("--batch-sizes", default=f"16,{BATCH_SIZE},128")
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    torch.set_num_threads(args.threads)
    transformers.utils.logging.disable_progress_bar()

    with tempfile.TemporaryDirectory() as tmp:
        cases = [bench(int(m), args, Path(tmp)) for m in args.members.split(",")]
    record = {
        "machine": machine_info(),
        "threads": args.threads,
        "size": args.size,
        "models": "trained 1 epoch on the shipped tests (cost depends on shape, not weights)",
        "cases": cases,
    }
    m = record["machine"]
    print(f"machine: {m['cores']} cores, {m['cpu']}; {args.threads} thread(s), size {args.size}")
    print("members  one polymer ms (ort / torch)  speed-up  "
          "polymers/s: ort by batch | ort graph only | torch")
    for c in cases:
        one = c["latency_one_ms"]
        rates = " ".join(
            f"{b}:{r:.0f}" for b, r in c["throughput_per_s"]["onnxruntime_by_batch_size"].items()
        )
        print(
            f"{c['members']:7d}  {one['onnxruntime']:10.2f} / {one['torch']:<10.2f}     "
            f"{c['latency_speedup']:6.1f}×   {rates} | "
            f"{c['throughput_per_s']['onnxruntime_graph_only']:.0f} | "
            f"{c['throughput_per_s']['torch']:.0f}"
        )
    print(f"validating and tokenising: {cases[0]['encode_ms_per_polymer']:.2f} ms per polymer")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
