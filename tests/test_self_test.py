"""`trinity self-test`: real checks, every failure reported in one line, the run goes on."""

from engine.cli import main
from engine.self_test import CHECKS, SelfTestFailure, run_self_test


def test_model_and_cone_checks_pass_on_this_installation():
    lines = []
    results = run_self_test(echo=lines.append, only=["model", "cone"])
    assert [r.name for r in results] == ["model", "cone"] and all(r.ok for r in results)
    assert "PMMA pHRR" in results[0].detail and "interval" in results[0].detail
    assert lines[-1] == "self-test passed" and lines[0].startswith("ok   model")


def test_a_failing_check_is_one_line_and_the_others_still_run():
    def broken(_):
        raise SelfTestFailure("The thing is broken.")

    def crashing(_):
        return {}["missing key"]

    def missing(_):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    lines = []
    results = run_self_test({"broken": broken, "crashing": crashing, "missing": missing},
                            echo=lines.append, only=["broken", "crashing", "missing", "cone"],
                            strict=True)
    assert [r.ok for r in results] == [False, False, False, True]
    assert results[0].detail == "The thing is broken."
    assert results[1].detail.startswith("KeyError: 'missing key' (test_self_test.py, line ")
    assert "pip install 'trinity-fire[ml]'" in results[2].detail
    assert lines[-1] == "self-test failed: broken, crashing, missing"
    assert all("\n" not in line for line in lines)


def test_a_missing_extra_is_a_skip_unless_strict():
    def missing(_):
        raise ModuleNotFoundError("No module named 'torch'", name="torch")

    lines = []
    result, = run_self_test({"missing": missing}, echo=lines.append, only=["missing"])
    assert result.ok and result.skipped and "trinity-fire[ml]" in result.detail
    assert lines[0].startswith("skip missing")
    assert lines[-1] == "self-test passed (skipped: missing)"


def test_the_command_runs_the_checks_it_is_given(capsys):
    assert main(["self-test", "--check", "cone"]) == 0
    out = capsys.readouterr().out
    assert "ok   cone" in out and "model" not in out and out.endswith("self-test passed\n")


def test_training_check_runs_generation_phase1_and_phase2():
    result, = run_self_test(echo=lambda _: None, only=["training"])
    assert result.ok, result.detail
    assert set(CHECKS) == {"model", "cone", "synthetic", "training"}
