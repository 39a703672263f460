"""Damaged model directories: every file a model directory holds, cut short, emptied,
rewritten with the wrong types or removed, ends in one sentence that names the file,
says what is wrong and what to do; never in a traceback, an "unexpected internal
error", or a model that loads with silently wrong settings."""

import json
import re
import shutil
from dataclasses import replace

import pytest
import torch
from safetensors.torch import save_file
from tiny_model import TINY
from training_setup import FAST, GRID

from engine.cli import main
from engine.training import (
    ModelDirError,
    load_ensemble,
    train_ensemble,
    train_phase1,
    train_phase2,
)

RESTORE = "restore it from a copy of the model directory, or train the model again."
SETTINGS = replace(FAST, epochs=1)


def _train(data, out):
    return train_ensemble("single", [0, 1], out, settings=SETTINGS, data=data,
                          model_overrides={**TINY, **GRID})


@pytest.fixture(scope="module")
def ensemble(experimental_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("model-files") / "ensemble"
    _train(experimental_csv, out)
    return out


@pytest.fixture
def copy(ensemble, tmp_path):
    out = tmp_path / "ensemble"
    shutil.copytree(ensemble, out)
    return out


def _edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _set(key, value):
    return lambda data: data.__setitem__(key, value)


def _drop(key):
    return lambda data: data.pop(key)


def _damage(path, how):
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\xff garbage " * 40)
    elif callable(how):
        _edit_json(path, how)
    else:
        path.write_text(how)


CASES = [
    ("model.safetensors", "missing", r"is not a complete model directory \(it has no "
                                     r"model\.safetensors\); restore model\.safetensors"),
    ("model.safetensors", "empty", r"model\.safetensors is damaged \(empty\)"),
    ("model.safetensors", "truncated", r"model\.safetensors is damaged \(not a complete "
                                       r"safetensors file\)"),
    ("model.safetensors", "garbage", r"model\.safetensors is damaged \(not a complete "
                                     r"safetensors file\)"),
    ("config.json", "missing", r"\(it has no config\.json\)"),
    ("config.json", "empty", r"config\.json is damaged \(empty\)"),
    ("config.json", "{not json", r"config\.json is damaged \(not valid JSON\)"),
    ("config.json", "[1, 2]", r"config\.json is damaged \(not a JSON object\)"),
    ("config.json", _set("hidden_size", "big"),
     r"config\.json is damaged \(hidden_size is 'big', not an integer\)"),
    ("config.json", _set("curve_scale_kw_m2", [500]),
     r"config\.json is damaged \(curve_scale_kw_m2 is \[500\], not a number\)"),
    ("config.json", _set("target_log_mean", [1.0, "x", 2.0]),
     r"config\.json is damaged \(target_log_mean is \[1\.0, 'x', 2\.0\], not a list of "
     r"numbers\)"),
    ("config.json", _drop("curve_scale_kw_m2"),
     r"config\.json is damaged \(it has no curve_scale_kw_m2\)"),
    ("config.json", _set("model_type", "bert"),
     r"config\.json is damaged \(model_type is 'bert', not 'trinity-molformer'\)"),
    ("config.json", _set("num_attention_heads", 3),
     r"config\.json is damaged \(hidden_size 32 is not a multiple of num_attention_heads 3\)"),
    ("config.json", _set("curve_points", 40),
     r"model\.safetensors is damaged \(its weights do not fit config\.json: "
     r"curve_head\.3\.weight has shape \(31, 32\), config\.json implies \(40, 32\)\)"),
    ("vocab.json", "missing", r"\(it has no vocab\.json\)"),
    ("vocab.json", "empty", r"vocab\.json is damaged \(empty\)"),
    ("vocab.json", "{x", r"vocab\.json is damaged \(not valid JSON\)"),
    ("vocab.json", "[1]", r"vocab\.json is damaged \(not a JSON object\)"),
    ("vocab.json", _set("C", "six"), r"vocab\.json is damaged \(the id of 'C' is 'six', "
                                     r"not an integer\)"),
    ("vocab.json", _set("C", 0), r"vocab\.json is damaged \('<bos>' and 'C' share the id 0\)"),
    ("vocab.json", _drop("<pad>"), r"vocab\.json is damaged \(it lacks the special token "
                                   r"'<pad>'\)"),
    ("vocab.json", _set("C", 999), r"vocab\.json is damaged \(it has ids up to 999 but the "
                                   r"model embeds only 256 tokens\)"),
    ("tokenizer_config.json", "missing", r"\(it has no tokenizer_config\.json\)"),
    ("tokenizer_config.json", "{x", r"tokenizer_config\.json is damaged \(not valid JSON\)"),
    ("tokenizer_config.json", _set("unk_token", 4),
     r"tokenizer_config\.json is damaged \(unk_token is 4, not a token\)"),
    ("training_config.json", "{x", r"training_config\.json is damaged \(not valid JSON\)"),
    ("training_config.json", "[]", r"training_config\.json is damaged \(not a JSON object\)"),
    ("training_config.json", _set("format_version", "1"),
     r"training_config\.json is damaged \(format_version is '1', not an integer\)"),
    ("training_config.json", _drop("phase"), r"training_config\.json is damaged \(it has no "
                                             r"phase\)"),
    ("training_config.json", _set("settings", {"seed": "0"}),
     r"training_config\.json is damaged \(settings\.seed is '0', not an integer\)"),
]


@pytest.mark.parametrize(("name", "how", "expected"), CASES,
                         ids=[f"{n}-{h if isinstance(h, str) else i}"
                              for i, (n, h, _) in enumerate(CASES)])
def test_a_damaged_file_is_named_with_what_is_wrong_and_what_to_do(copy, name, how, expected):
    path = copy / "seed-0" / name
    _damage(path, how)
    with pytest.raises(ModelDirError, match=expected) as error:
        load_ensemble(copy)
    message = str(error.value)
    assert "\n" not in message and message.endswith(".")
    assert str(copy / "seed-0") in message
    if how != "missing":
        # A config.json whose shape the weights do not fit: the weights file is named.
        named = path.with_name("model.safetensors") if "safetensors is" in expected else path
        assert message.startswith(f"{named} is damaged (") and message.endswith(RESTORE)
    assert "format 1" not in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{x", r"is damaged \(not valid JSON\)"),
        (json.dumps({"members": "seed-0", "seeds": [0]}),
         r"is damaged \(members is 'seed-0', not a list of member folder names\)"),
        (json.dumps({"members": ["../elsewhere"], "seeds": [0]}),
         r"is damaged \(members is \['\.\./elsewhere'\], not a list of member folder names\)"),
        (json.dumps({"members": ["seed-0", "seed-7"], "seeds": [0, 7]}),
         r"lists the member seed-7, but .*seed-7 does not exist"),
    ],
)
def test_a_damaged_ensemble_list_is_named(copy, content, expected):
    path = copy / "ensemble.json"
    path.write_text(content)
    with pytest.raises(ModelDirError, match=expected) as error:
        load_ensemble(copy)
    message = str(error.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert message.endswith(RESTORE)


def test_damaged_metrics_say_to_rebuild_them_and_that_works(copy, experimental_csv):
    metrics = copy / "seed-1" / "metrics.json"
    metrics.write_text('{"complete": tr')
    with pytest.raises(ModelDirError) as error:
        load_ensemble(copy)
    assert str(error.value) == (
        f"{metrics} is damaged (not valid JSON); delete it and rerun the command that "
        "trained the model, which rebuilds it from the checkpoints."
    )
    metrics.unlink()
    _train(experimental_csv, copy)
    assert json.loads(metrics.read_text())["complete"]
    assert len(load_ensemble(copy).members) == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_drop("best_epoch"), "it has no best_epoch"),
        (_set("epochs", [{"epoch": 0}]), "epochs holds something other than epoch records"),
        (_set("unknown_tokens", {"rows_affected": 0}), "it has no unknown_tokens.unknown"),
        (_set("complete", "yes"), "complete is 'yes', not true or false"),
    ],
)
def test_incomplete_metrics_of_a_finished_run_are_named(copy, experimental_csv, change,
                                                        problem):
    _damage(copy / "seed-0" / "metrics.json", change)
    expected = rf"metrics\.json is damaged \({re.escape(problem)}\)"
    with pytest.raises(ModelDirError, match=expected):
        load_ensemble(copy)
    with pytest.raises(ModelDirError, match=expected):  # rerunning the finished training
        _train(experimental_csv, copy)


def test_weights_of_another_model_are_named(copy):
    path = copy / "seed-0" / "model.safetensors"
    save_file({"weight": torch.zeros(3)}, path)
    with pytest.raises(ModelDirError, match=r"is damaged \(its weights do not fit config\.json: "
                                            r"it lacks 30 of the model's weights"):
        load_ensemble(copy)


@pytest.mark.parametrize(
    ("name", "how", "expected"),
    [("config.json", "{x", r"config\.json is damaged \(not valid JSON\)"),
     ("vocab.json", "missing", r"\(it has no vocab\.json\)"),
     ("model.safetensors", "truncated", r"model\.safetensors is damaged")],
)
def test_phase2_from_a_damaged_phase1_model_names_the_file(synthetic_dir, experimental_csv,
                                                          tmp_path, name, how, expected):
    phase1 = tmp_path / "phase1"
    train_phase1(synthetic_dir, phase1, settings=SETTINGS, model_overrides=TINY)
    _damage(phase1 / name, how)
    with pytest.raises(ModelDirError, match=expected):
        train_phase2(phase1, experimental_csv, tmp_path / "p2", settings=SETTINGS)


@pytest.mark.parametrize(
    ("name", "how"),
    [("model.safetensors", "truncated"), ("config.json", _set("hidden_size", "big")),
     ("vocab.json", "[1]"), ("ensemble.json", "{x")],
)
def test_export_of_a_damaged_model_exits_2_with_one_sentence(copy, tmp_path, capsys, name, how):
    pytest.importorskip("onnx")
    path = copy / name if name == "ensemble.json" else copy / "seed-0" / name
    _damage(path, how)
    assert main(["export", str(copy), "--out", str(tmp_path / "m.onnx")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "internal error" not in err
    assert not (tmp_path / "m.onnx").exists()
