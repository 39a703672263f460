"""The trade-off between targets: which candidates no other beats on every target, and a
plot of it.

Objectives are the targets' margins (`engine.design.targets.Target.margin`), all to be
maximised: a candidate is on the front when no other is at least as good on every
target and better on one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.design.targets import TARGETS, Target
from engine.outputs import write_atomic

#: Points drawn grey behind the front; beyond this a random sample of them is drawn.
MAX_PLOTTED = 40_000


def pareto_mask(objectives: np.ndarray) -> np.ndarray:
    """True for the rows of ``objectives`` (points × objectives, to maximise) that no
    other row dominates. Two objectives: a sort and a running maximum; more: the
    points are taken best-sum first and each one kept removes what it dominates."""
    values = np.asarray(objectives, float)
    n = len(values)
    keep = np.zeros(n, bool)
    if n == 0:
        return keep
    if values.shape[1] == 1:
        return values[:, 0] == values[:, 0].max()
    if values.shape[1] == 2:
        order = np.lexsort((-values[:, 1], -values[:, 0]))  # x descending, then y
        best_y = -np.inf
        for i in order:
            if values[i, 1] > best_y:
                keep[i] = True
                best_y = values[i, 1]
        # equal points: keep every copy of a point that is kept
        front = {tuple(v) for v in values[keep]}
        return np.fromiter((tuple(v) in front for v in values), bool, count=n)
    remaining = np.arange(n)
    while remaining.size:
        best = remaining[np.argmax(values[remaining].sum(axis=1))]
        keep[best] = True
        dominated = (np.all(values[remaining] <= values[best], axis=1)
                     & np.any(values[remaining] < values[best], axis=1))
        same = np.all(values[remaining] == values[best], axis=1)
        keep[remaining[same]] = True
        remaining = remaining[~(dominated | same)]
    return keep


def front(evaluated: pd.DataFrame, targets: tuple[Target, ...]) -> np.ndarray:
    """The Pareto mask of a table of predicted polymers, by the targets' margins."""
    from engine.design.targets import margins

    if not len(evaluated):
        return np.zeros(0, bool)
    values = {name: evaluated[name].to_numpy(float) for name in TARGETS}
    return pareto_mask(margins(targets, values))


def plot_axes(targets: tuple[Target, ...]) -> tuple[str, str]:
    """The two predicted scalars a Pareto plot shows: the first two targets, or the one
    target and the scalar that trades against it most often."""
    names = list(dict.fromkeys(t.name for t in targets))
    if len(names) == 1:
        names.append({"tig_s": "phrr_kw_m2", "phrr_kw_m2": "tig_s",
                      "thr_mj_m2": "phrr_kw_m2"}[names[0]])
    return names[0], names[1]


def _label(name: str) -> str:
    meaning, unit = TARGETS[name]
    return f"{meaning} ({unit})"


def write_pareto_plot(evaluated: pd.DataFrame, candidates: pd.DataFrame,
                      targets: tuple[Target, ...], path: str | Path, *, title: str,
                      seed: int = 0) -> Path:
    """A PNG: every polymer predicted (grey), the Pareto front (red), the targets'
    thresholds (dashed, the region meeting them shaded) and the ranked candidates (the
    first five numbered). A sample not expected to ignite is drawn at the top of the
    t_ig axis, as a triangle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_name, y_name = plot_axes(targets)
    fig, ax = plt.subplots(figsize=(7.5, 5.5), dpi=120)
    shown = evaluated
    if len(shown) > MAX_PLOTTED:
        shown = shown.sample(MAX_PLOTTED, random_state=seed)
    everything = pd.concat([evaluated[[x_name, y_name]], candidates[[x_name, y_name]]])
    ceiling = {name: np.nanmax(everything[name].to_numpy(float)) * 1.08
               if np.isfinite(everything[name].to_numpy(float)).any() else 1.0
               for name in (x_name, y_name)}

    def xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, y = frame[x_name].to_numpy(float), frame[y_name].to_numpy(float)
        unlit = np.isnan(x) | np.isnan(y)
        return (np.where(np.isnan(x), ceiling[x_name], x),
                np.where(np.isnan(y), ceiling[y_name], y), unlit)

    x, y, unlit = xy(shown)
    ax.scatter(x[~unlit], y[~unlit], s=6, c="0.7", lw=0,
               label=f"predicted ({len(evaluated):,} polymers)")
    if unlit.any():
        ax.scatter(x[unlit], y[unlit], s=14, c="0.7", marker="^", lw=0,
                   label="no ignition expected")
    front = evaluated[evaluated["pareto"]] if "pareto" in evaluated else evaluated.iloc[:0]
    fx, fy, _ = xy(front.sort_values(x_name))
    ax.plot(fx, fy, "o-", c="#c0392b", ms=4, lw=1, label=f"Pareto front ({len(front)})")
    cx, cy, _ = xy(candidates)
    ax.scatter(cx, cy, s=28, facecolors="none", edgecolors="#1f4e9c", lw=1.2,
               label=f"ranked candidates ({len(candidates)})")
    for rank, (px, py) in enumerate(zip(cx[:5], cy[:5], strict=True), start=1):
        ax.annotate(str(rank), (px, py), textcoords="offset points", xytext=(4, 4),
                    fontsize=8, color="#1f4e9c")
    box = {x_name: [0.0, ceiling[x_name] * 2], y_name: [0.0, ceiling[y_name] * 2]}
    for target in targets:
        if target.name not in box:
            continue
        (ax.axvline if target.name == x_name else ax.axhline)(
            target.value, ls="--", c="#27ae60", lw=1)
        box[target.name][0 if target.maximise else 1] = target.value
    (x0, x1), (y0, y1) = box[x_name], box[y_name]
    ax.fill_between([x0, x1], y0, y1, color="#27ae60", alpha=0.08, lw=0,
                    label="meets the targets shown")
    ax.set_xlim(0, ceiling[x_name] * 1.02)
    ax.set_ylim(0, ceiling[y_name] * 1.02)
    ax.set_xlabel(_label(x_name))
    ax.set_ylabel(_label(y_name))
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return Path(path)
