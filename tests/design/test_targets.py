import math

import numpy as np
import pytest

from engine.design.targets import (
    MARGIN_CAP,
    Target,
    TargetError,
    check_targets,
    margins,
    parse_target,
    scores,
)


def test_parse_forms_and_aliases():
    assert parse_target("tig_s>=60") == Target("tig_s", ">=", 60.0)
    assert parse_target(" phrr <= 300 ") == Target("phrr_kw_m2", "<=", 300.0)
    assert parse_target("THR≤80") == Target("thr_mj_m2", "<=", 80.0)


@pytest.mark.parametrize("text, says", [
    ("tig_s=60", "NAME>=VALUE"), ("mass>=3", "choose from"), ("tig>=-5", "positive"),
    ("tig>=1e999", "positive"),
])
def test_bad_targets_say_what_is_wrong(text, says):
    with pytest.raises(TargetError, match=says):
        parse_target(text)


def test_check_targets_wants_one_and_no_repeats():
    with pytest.raises(TargetError, match="at least one"):
        check_targets(())
    with pytest.raises(TargetError, match="twice"):
        check_targets((parse_target("tig>=60"), parse_target("tig>=90")))


def test_margin_is_a_signed_log_ratio_and_no_ignition_meets_everything():
    later = Target("tig_s", ">=", 60.0)
    less = Target("phrr_kw_m2", "<=", 300.0)
    assert later.margin(np.array([120.0]))[0] == pytest.approx(math.log(2))
    assert less.margin(np.array([600.0]))[0] == pytest.approx(-math.log(2))
    # no ignition: t_ig NaN and pHRR 0 are the best there is, within the cap
    assert later.margin(np.array([np.nan]))[0] == MARGIN_CAP
    assert less.margin(np.array([0.0]))[0] == MARGIN_CAP
    assert later.margin(np.array([0.0]))[0] == -MARGIN_CAP


def test_a_shortfall_weighs_more_than_a_surplus():
    targets = (Target("tig_s", ">=", 60.0), Target("phrr_kw_m2", "<=", 300.0))
    values = {"tig_s": np.array([120.0, 240.0]), "phrr_kw_m2": np.array([300.0, 600.0])}
    s = scores(margins(targets, values))
    # the second doubles its surplus on t_ig but misses pHRR by as much: worse
    assert s[0] > s[1]
