"""`trinity design` with the shipped model: a tiny search, its files, resuming, bad input."""

import json

import pandas as pd
import pytest

from engine.cli import main
from engine.design.candidates import CANDIDATE_COLUMNS

TINY = ["design", "--target", "tig_s>=60", "--target", "phrr<=400",
        "--families", "polyether,polycarbonate", "--budget", "24", "--batch-size", "12",
        "--n", "6", "--flux", "35", "--thickness", "4"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("design")
    assert main([*TINY, "--out", str(out)]) == 0
    return out


def test_writes_ranked_candidates_a_front_and_a_plot(tiny):
    found = pd.read_csv(tiny / "candidates.csv")
    assert list(found.columns) == [c for c in CANDIDATE_COLUMNS if c != "similarity_to_start"]
    assert list(found["rank"]) == list(range(1, len(found) + 1)) and len(found) == 6
    assert set(found["family"]) <= {"polyether", "polycarbonate"}
    assert (found["tig_s_low"] <= found["tig_s"]).all()
    assert (found["phrr_kw_m2"] <= found["phrr_kw_m2_high"]).all()
    # meeting every target comes first
    assert found["meets_targets"].is_monotonic_decreasing
    assert (tiny / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    settings = json.loads((tiny / "design.json").read_text())
    assert settings["summary"]["predicted"] == 24
    assert settings["search"]["targets"] == ["tig_s>=60", "phrr_kw_m2<=400"]


def test_rerunning_resumes_from_the_saved_batches(tiny, capsys):
    assert main([*TINY, "--out", str(tiny)]) == 0
    assert "2 batch(es) resumed" in capsys.readouterr().out


@pytest.mark.parametrize("extra, says", [
    (["--target", "tig>>60"], "NAME>=VALUE"),
    (["--mass-range", "400"], "LOW:HIGH"),
    (["--require", "c1cc"], "not a SMARTS"),
    (["--families", "polyketones"], "Unknown polymer famil"),
])
def test_bad_input_is_one_sentence(tmp_path, capsys, extra, says):
    assert main([*TINY, *extra, "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]


def test_a_space_used_up_by_the_constraints_is_said(tmp_path, capsys):
    # the polyether family holds 13 repeat units, all ethers: the budget of 40 cannot be met
    args = ["design", "--target", "tig>=60", "--families", "polyether", "--budget", "40",
            "--n", "3", "--out", str(tmp_path / "d"), "--require", "[#6]O[#6]"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ran out of polymers after 13 of 40" in out
