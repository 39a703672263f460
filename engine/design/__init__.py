"""Design: search the hypothetical polymer space for candidates that meet fire targets.

`targets` says what a scientist asks for (t_ig ≥ 60 s, pHRR ≤ 300 kW/m²) and how far a
prediction is from it; `constraints` what a candidate may and may not be (substructures,
elements, similarity to a starting polymer, molar mass); `space` draws and mutates
recipes of the generator's families; `search` screens or searches guided by the best
found so far, resumably; `candidates` describes the best with everything a scientist
checks before making one; `pareto` finds and draws the trade-off between targets.
"""

from engine.design.constraints import ConstraintError, Constraints
from engine.design.search import DesignConfig, DesignResult, run_design
from engine.design.targets import Target, TargetError, parse_target

__all__ = [
    "ConstraintError", "Constraints", "DesignConfig", "DesignResult", "Target", "TargetError",
    "parse_target", "run_design",
]
