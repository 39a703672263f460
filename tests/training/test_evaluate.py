"""`trinity evaluate`: leave-one-polymer-out of physics, single-phase and two-phase, tiny."""

import json
import math

import pandas as pd
import pytest
from tiny_model import TINY

from engine.cli import main
from engine.jobs import Cancelled, CancelToken
from engine.training import default_settings, train_phase1
from engine.training.evaluate import (
    AblationCase,
    EvaluationError,
    evaluate,
    run_ablation,
    synthetic_subset,
)

#: One epoch, the CLI's `--epochs 1 --batch-size 4`, so the CLI can resume the same run.
QUICK = default_settings("phase2", epochs=1, batch_size=4, device="cpu")


@pytest.fixture(scope="module")
def phase1_dir(synthetic_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate") / "p1"
    train_phase1(synthetic_dir, out, settings=default_settings("phase1", epochs=1, batch_size=8,
                                                               device="cpu"),
                 model_overrides=TINY)
    return out


@pytest.fixture(scope="module")
def four_polymers(experimental_csv):
    """The first four polymers of the training tests' CSV (two of them with curves)."""
    lines = experimental_csv.read_text().splitlines()
    path = experimental_csv.parent / "four.csv"
    path.write_text("\n".join(lines[:9]) + "\n")
    return path


@pytest.fixture(scope="module")
def report(phase1_dir, four_polymers, tmp_path_factory):
    """An evaluation cancelled during its second fold, then resumed to the end."""
    out = tmp_path_factory.mktemp("evaluate") / "report"
    token = CancelToken()

    def cancel_at_second_fold(p):
        if p.done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        evaluate(phase1_dir, out, data=four_polymers, settings=QUICK, keep_models=True,
                 progress=cancel_at_second_fold, cancel=token)
    first = out / "folds" / "seed-0" / "fold-000.json"
    assert first.is_file() and not (out / "folds" / "seed-0" / "fold-001.json").exists()
    stamp = first.stat().st_mtime_ns
    messages = []
    results = evaluate(phase1_dir, out, data=four_polymers, settings=QUICK, keep_models=True,
                       progress=lambda p: messages.append(p.message))
    return out, results, stamp, messages


def test_resume_after_cancel_skips_finished_folds(report):
    out, results, stamp, messages = report
    assert (out / "folds" / "seed-0" / "fold-000.json").stat().st_mtime_ns == stamp
    assert len(list((out / "folds" / "seed-0").glob("fold-*.json"))) == 4
    assert messages[-1] == "scoring" and results.folds == 4


def test_every_method_predicts_every_test_on_the_same_folds(report):
    out, results, _, _ = report
    tests = results.tests
    assert len(tests) == 8 and results.methods == ("physics", "single", "two_phase")
    for method in results.methods:
        assert results.scalars[method].shape == (1, 8, 3)
        assert (results.scalars[method] > 0).all()
    for fold in range(4):
        held_out = set(tests.smiles[tests.fold == fold])
        assert len(held_out) == 1
        work = out / "folds" / "seed-0" / f"fold-{fold:03d}"
        trained_on = set(pd.read_csv(work / "train.csv").smiles)
        assert not held_out & trained_on and len(trained_on) == 3
        for method in ("two_phase", "single"):
            provenance = json.loads((work / method / "provenance.json").read_text())
            assert provenance["data"]["path"] == str((work / "train.csv").resolve())
    config = json.loads((out / "folds/seed-0/fold-000/single/training_config.json").read_text())
    assert config["model_overrides"]["hidden_size"] == TINY["hidden_size"]


def test_report_files_and_improvement(report):
    out, results, _, _ = report
    saved = json.loads((out / "evaluation.json").read_text())
    assert set(saved["scores"]) == {"physics", "single", "two_phase"}
    two, single = saved["scores"]["two_phase"], saved["scores"]["single"]
    expected = 1 - (two["all_fluxes"]["tig_s"]["mean_relative_error"]
                    / single["all_fluxes"]["tig_s"]["mean_relative_error"])
    gain = saved["improvement_two_phase_over_single"]["tig_s"]["all_fluxes"]
    assert gain == pytest.approx(expected)
    assert saved["tests_with_curve"] == 4 and two["curve_n"] == 4
    assert math.isfinite(two["curve_l2_mean"])
    assert two["at_50_kw_m2"]["tig_s"]["n"] == 4
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) == 8 * 3
    assert {"tig_s", "tig_s_predicted", "curve_relative_l2", "method", "fold"} <= set(
        predictions.columns
    )
    assert "Two-phase over single-phase" in results.table()


def test_other_settings_in_the_same_report_folder_are_refused(report, phase1_dir, four_polymers):
    out = report[0]
    other = default_settings("phase2", epochs=2, batch_size=4, device="cpu")
    with pytest.raises(EvaluationError, match="other data, models or settings"):
        evaluate(phase1_dir, out, data=four_polymers, settings=other)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("folds/seed-0/fold-001.json", "", r"is damaged \(empty\); delete it and rerun the same "
                                          r"command to compute that fold again\."),
        ("folds/seed-0/fold-002.json", '{"seconds": 1}', r"is damaged \(not the predictions of a "
                                                       r"fold\); delete it"),
        ("physics.json", '{"seconds": 1, "scalars": [[1, 2, 3]], "curves": []}',
         r"is damaged \(not one prediction per test\); delete it and rerun the same command to "
         r"compute the physics predictions again\."),
    ],
)
def test_a_damaged_report_file_is_named_and_deleting_it_recomputes_it(
    report, phase1_dir, four_polymers, tmp_path, name, content, expected
):
    import shutil

    from engine.training import ModelDirError

    out = tmp_path / "report"
    shutil.copytree(report[0], out)
    (out / name).write_text(content)
    with pytest.raises(ModelDirError, match=expected) as error:
        evaluate(phase1_dir, out, data=four_polymers, settings=QUICK, keep_models=True)
    assert str(error.value).startswith(str(out / name))
    (out / name).unlink()
    assert evaluate(phase1_dir, out, data=four_polymers, settings=QUICK).folds == 4


def test_cli_prints_the_table_of_a_finished_evaluation(report, phase1_dir, four_polymers,
                                                       capsys):
    out = report[0]
    argv = ["evaluate", "--phase1", str(phase1_dir), "--data", str(four_polymers), "--out",
            str(out), "--epochs", "1", "--batch-size", "4", "--device", "cpu"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "two-phase" in printed and "physics only" in printed and "evaluation.json" in printed


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--phase1", "{tmp}/missing"], "does not exist"),
        (["--phase1", "{tmp}"], "not a Trinity model directory"),
        (["--phase1", "{p1}", "--data", "{tmp}/empty.csv"], "is empty"),
        (["--phase1", "{p1}", "--data", "{one}"], "at least two"),
        (["--phase1", "{p1}", "--seeds", "0,x"], "--seeds"),
    ],
)
def test_cli_bad_input_is_one_sentence_and_exit_2(argv, expected, phase1_dir, experimental_csv,
                                                  tmp_path, capsys):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "stray.txt").write_text("not a model")
    one = experimental_csv.parent / "one.csv"
    one.write_text("\n".join(experimental_csv.read_text().splitlines()[:3]) + "\n")
    values = {"tmp": tmp_path, "p1": phase1_dir, "one": one}
    argv = [a.format(**values) for a in argv]
    assert main(["evaluate", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err and "Traceback" not in err


def test_tiny_ablation_without_the_curve_loss(synthetic_dir, four_polymers, tmp_path):
    subset = synthetic_subset(synthetic_dir, 4, tmp_path / "s4")
    bigger = synthetic_subset(synthetic_dir, 6, tmp_path / "s6")
    ids4 = set(pd.read_parquet(next(subset.glob("part-*.parquet"))).polymer_id)
    ids6 = set(pd.read_parquet(next(bigger.glob("part-*.parquet"))).polymer_id)
    assert len(ids4) == 4 and ids4 < ids6
    case = AblationCase(synthetic_polymers=4, curve_loss_weight=0.0)
    results = run_ablation(
        synthetic_dir, tmp_path / "ablation", [case], data=four_polymers,
        phase1_settings=default_settings("phase1", epochs=1, batch_size=8, device="cpu"),
        settings=QUICK, model_overrides=TINY,
    )
    assert results[case].folds == 4
    member = tmp_path / "ablation" / f"phase1-{case.name}" / "seed-0"
    assert json.loads((member / "config.json").read_text())["curve_loss_weight"] == 0.0
    with pytest.raises(EvaluationError, match="fewer than"):
        synthetic_subset(synthetic_dir, 99, tmp_path / "s99")


def test_leave_one_lab_out_scores_both_learnt_methods_per_lab_and_resumes(phase1_dir,
                                                                          tmp_path, capsys):
    """Every lab that tested PMMA in the shipped data is held out in turn (one epoch)."""
    from engine.training.evaluate import evaluate_lab_out

    out = tmp_path / "labs"
    result = evaluate_lab_out(phase1_dir, out, polymer="PMMA", settings=QUICK)
    assert len(result["labs"]) >= 10 and result["polymer"] == "PMMA"
    assert sum(row["tests"] for row in result["labs"].values()) >= 80
    assert set(result["median_over_labs"]) >= {"two_phase_phrr_kw_m2", "single_phrr_kw_m2"}
    assert result["median_over_labs"]["two_phase_phrr_kw_m2"] > 0
    stamp = (out / "lab_out.json").stat().st_mtime_ns
    argv = ["evaluate", "--phase1", str(phase1_dir), "--lab-out", "PMMA", "--out", str(out),
            "--epochs", "1", "--batch-size", "4", "--device", "cpu"]
    assert main(argv) == 0  # every lab on disk: nothing is trained again
    assert "Leave one lab out on PMMA" in capsys.readouterr().out
    assert (out / "lab_out.json").stat().st_mtime_ns >= stamp
    with pytest.raises(EvaluationError, match="Fewer than two laboratories"):
        evaluate_lab_out(phase1_dir, tmp_path / "none", polymer="PBT", settings=QUICK)
