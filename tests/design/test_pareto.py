import numpy as np
import pandas as pd
import pytest

from engine.design.pareto import pareto_mask, plot_axes, write_pareto_plot
from engine.design.targets import parse_target


def _brute(values):
    n = len(values)
    return np.array([
        not any(np.all(values[j] >= values[i]) and np.any(values[j] > values[i])
                for j in range(n)) for i in range(n)])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_front_matches_the_definition(k):
    rng = np.random.default_rng(k)
    values = rng.integers(0, 6, size=(300, k)).astype(float)  # ties on purpose
    assert (pareto_mask(values) == _brute(values)).all()


def test_plot_axes():
    assert plot_axes((parse_target("phrr<=300"), parse_target("tig>=60"))) == (
        "phrr_kw_m2", "tig_s")
    assert plot_axes((parse_target("thr<=50"),)) == ("thr_mj_m2", "phrr_kw_m2")


def test_the_plot_is_a_png(tmp_path):
    rng = np.random.default_rng(0)
    evaluated = pd.DataFrame({"tig_s": rng.uniform(10, 200, 80), "phrr_kw_m2":
                              rng.uniform(50, 900, 80), "thr_mj_m2": 50.0})
    evaluated.loc[3, "tig_s"] = np.nan  # no ignition
    evaluated["pareto"] = False
    evaluated.loc[[1, 2], "pareto"] = True
    path = write_pareto_plot(evaluated, evaluated.head(5),
                             (parse_target("tig>=60"), parse_target("phrr<=300")),
                             tmp_path / "p.png", title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
