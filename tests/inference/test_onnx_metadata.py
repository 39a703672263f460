"""ONNX model files whose Trinity metadata was edited: every field the predictor, the
model card and the window read is checked, and each defect is one sentence that names
the file, the field and what to do; never an "unexpected internal error"."""

import json
import re

import onnx
import pytest

from engine.cli import main
from engine.predictor import OnnxPredictor, PredictorError, read_model_info

AGAIN = "export it again with `trinity export MODEL_DIR --out MODEL.onnx`."
DELETE = object()

RECIPE = {
    "recipe": {"synthetic": {"n_polymers": 20, "seed": 0}, "phase1": {"epochs": 1},
               "data": "shipped", "seeds": [0, 1, 2]},
    "git": {"commit": "0123456789abcdef"},
}
SCORES = {"tig_s": {"median_relative_error": 0.2, "mean_relative_error": 0.3}}
EVALUATION = {"tests": 8, "polymers": 4, "seeds": [0],
              "scores": {"physics": {"all_fluxes": SCORES}, "single": {"all_fluxes": SCORES}}}


def _metadata(path) -> dict:
    model = onnx.load(str(path))
    return {entry.key.removeprefix("trinity."): json.loads(entry.value)
            for entry in model.metadata_props if entry.key.startswith("trinity.")}


def _edited(source, target, changes: dict):
    """A copy of ``source`` with metadata values replaced (JSON-encoded, or raw text given
    as bytes) or removed (`DELETE`)."""
    model = onnx.load(str(source))
    kept = []
    for entry in model.metadata_props:
        key = entry.key.removeprefix("trinity.")
        if key in changes:
            value = changes[key]
            if value is DELETE:
                continue
            entry.value = value.decode() if isinstance(value, bytes) else json.dumps(value)
        kept.append((entry.key, entry.value))
    del model.metadata_props[:]
    for key, value in kept:
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(target))
    return target


def _tokenizer(ensemble_onnx, **changes):
    tokenizer = _metadata(ensemble_onnx)["tokenizer"]
    for key, value in changes.items():
        if value is DELETE:
            del tokenizer[key]
        else:
            tokenizer[key] = value
    return tokenizer


def _member(ensemble_onnx, field, **changes):
    records = _metadata(ensemble_onnx)[field]
    first = sorted(records)[0]
    records[first] = {**records[first], **changes}
    return records


CASES = {
    "format as text": (lambda o: {"format_version": "1"},
                       r"format_version is '1', not an integer"),
    "format as bool": (lambda o: {"format_version": True},
                       r"format_version is True, not an integer"),
    "format as JSON garbage": (lambda o: {"format_version": b"{1"},
                               r"trinity\.format_version is not valid JSON"),
    "name as number": (lambda o: {"name": 5}, r"name is 5, not a name"),
    "no name": (lambda o: {"name": DELETE}, r"it has no name"),
    "members zero": (lambda o: {"members": 0}, r"members is 0, not a positive integer"),
    "members as text": (lambda o: {"members": "3"}, r"members is '3', not a positive integer"),
    "members not the records": (lambda o: {"members": 2},
                                r"training describes 3 member\(s\), but members is 2"),
    "opset as text": (lambda o: {"opset": "17"}, r"opset is '17', not a positive integer"),
    "empty grid": (lambda o: {"time_grid_s": []},
                   r"time_grid_s is \[\], not a non-empty list of increasing finite times"),
    "grid with text": (lambda o: {"time_grid_s": ["0", "10"]},
                       r"time_grid_s is \['0', '10'\], not a non-empty list"),
    "grid not increasing": (lambda o: {"time_grid_s": [0.0, 20.0, 10.0] + [30.0] * 28},
                            r"time_grid_s is \[0\.0, 20\.0, 10\.0, 30\.0.*, not a non-empty list "
                            r"of increasing finite times"),
    "grid of another length": (lambda o: {"time_grid_s": [10.0 * k for k in range(30)]},
                               r"time_grid_s has 30 points but the model's HRR curve has 31"),
    "grid as object": (lambda o: {"time_grid_s": {"0": 1}}, r"time_grid_s is \{'0': 1\}"),
    "units as list": (lambda o: {"units": ["s"]}, r"units is \['s'\], not a JSON object"),
    "no tokenizer": (lambda o: {"tokenizer": DELETE}, r"it has no tokenizer"),
    "tokenizer as text": (lambda o: {"tokenizer": "regex"},
                          r"tokenizer is 'regex', not a JSON object"),
    "no vocabulary": (lambda o: {"tokenizer": _tokenizer(o, vocabulary=DELETE)},
                      r"tokenizer has no vocabulary"),
    "empty vocabulary": (lambda o: {"tokenizer": _tokenizer(o, vocabulary={})},
                         r"tokenizer\.vocabulary is \{\}, not a non-empty JSON object of token "
                         r"ids"),
    "vocabulary with text ids": (
        lambda o: {"tokenizer": _tokenizer(o, vocabulary={"<bos>": "0", "C": 1})},
        r"tokenizer\.vocabulary gives '<bos>' the id '0', not a non-negative integer"),
    "bos id as text": (lambda o: {"tokenizer": _tokenizer(o, bos_id="0")},
                       r"tokenizer\.bos_id is '0', not an integer"),
    "pad id outside": (lambda o: {"tokenizer": _tokenizer(o, pad_id=9999)},
                       r"tokenizer\.pad_id is 9999, which is no id of its vocabulary"),
    "no unk id": (lambda o: {"tokenizer": _tokenizer(o, unk_id=DELETE)},
                  r"tokenizer has no unk_id"),
    "unknown tokens": (lambda o: {"tokenizer": _tokenizer(o, unknown_tokens="maybe")},
                       r"tokenizer\.unknown_tokens is 'maybe', not 'error' or 'unk'"),
    "training as list": (lambda o: {"training": []}, r"training is \[\], not a JSON object"),
    "metrics as text": (lambda o: {"metrics": "good"}, r"metrics is 'good', not a JSON object"),
    "provenance as number": (lambda o: {"provenance": 1},
                             r"provenance is 1, not a JSON object"),
    "member training as text": (lambda o: {"training": _member_text(o, "training")},
                                r"training\['seed-0'\] is 'x', not a JSON object"),
    "best epoch as text": (lambda o: {"metrics": _member(o, "metrics", best_epoch="2")},
                           r"metrics\['seed-0'\]\.best_epoch is '2', not an integer"),
    "validation loss as text": (lambda o: {"metrics": _member(o, "metrics", best_val_loss="low")},
                                r"metrics\['seed-0'\]\.best_val_loss is 'low', not a number"),
    "epochs as number": (lambda o: {"metrics": _member(o, "metrics", epochs=3)},
                         r"metrics\['seed-0'\]\.epochs is 3, not a list"),
    "data as text": (lambda o: {"provenance": _member(o, "provenance", data="csv")},
                     r"provenance\['seed-0'\]\.data is 'csv', not a JSON object"),
    "recipe as text": (lambda o: {"recipe": "fast"}, r"recipe is 'fast', not a JSON object"),
    "recipe without synthetic": (
        lambda o: {"recipe": {**RECIPE, "recipe": {**RECIPE["recipe"], "synthetic": DELETE}}},
        r"recipe\.recipe has no synthetic"),
    "recipe epochs as text": (
        lambda o: {"recipe": {**RECIPE, "recipe": {**RECIPE["recipe"], "phase1": {"epochs": "1"}}}},
        r"recipe\.recipe\.phase1\.epochs is '1', not an integer"),
    "recipe git as text": (lambda o: {"recipe": {**RECIPE, "git": "abc"}},
                           r"recipe\.git is 'abc', not a JSON object"),
    "evaluation as list": (lambda o: {"evaluation": [1]},
                           r"evaluation is \[1\], not a JSON object"),
    "evaluation polymers as text": (lambda o: {"evaluation": {**EVALUATION, "polymers": "4"}},
                                    r"evaluation\.polymers is '4', not an integer"),
    "evaluation score as text": (
        lambda o: {"evaluation": {**EVALUATION, "scores": {"single": {"all_fluxes": {
            "tig_s": {"median_relative_error": "low", "mean_relative_error": 0.3}}}}}},
        r"evaluation\.scores\['single'\]\.all_fluxes\['tig_s'\]\.median_relative_error is "
        r"'low', not a number"),
}


def _member_text(ensemble_onnx, field):
    records = _metadata(ensemble_onnx)[field]
    records[sorted(records)[0]] = "x"
    return records


def _drop_deleted(value):
    """`DELETE` inside nested changes means: leave that key out."""
    if isinstance(value, dict):
        return {k: _drop_deleted(v) for k, v in value.items() if v is not DELETE}
    return value


@pytest.fixture(scope="module", params=sorted(CASES))
def damaged(request, ensemble_onnx, tmp_path_factory):
    changes, expected = CASES[request.param]
    changes = {k: v if v is DELETE else _drop_deleted(v)
               for k, v in changes(ensemble_onnx).items()}
    path = _edited(ensemble_onnx, tmp_path_factory.mktemp("damaged") / "model.onnx", changes)
    return path, expected


def test_edited_metadata_is_named_with_what_to_do(damaged):
    path, expected = damaged
    for read in (OnnxPredictor, read_model_info):
        with pytest.raises(PredictorError) as error:
            read(path)
        message = str(error.value)
        assert message.startswith(f"{path} has damaged Trinity metadata ("), message
        assert re.search(expected, message), message
        assert message.endswith(AGAIN) and "\n" not in message
        assert "reads format 1" not in message


def test_the_commands_exit_2_with_one_line(damaged, tmp_path, capsys, monkeypatch):
    from engine import predictor as predictor_module

    monkeypatch.setattr(predictor_module, "default_model_path", lambda: tmp_path / "none.onnx")
    path, expected = damaged
    (tmp_path / "in.csv").write_text("smiles,heat_flux_kw_m2,thickness_mm\n*CC*,50,3\n")
    commands = [
        ["predict", "--model", str(path), "--input", str(tmp_path / "in.csv"), "--output",
         str(tmp_path / "out.csv")],
        ["models", str(path)],
    ]
    for argv in commands:
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "internal error" not in err, err
        assert re.search(expected, err), err
    assert not (tmp_path / "out.csv").exists()


def test_complete_recipe_and_evaluation_are_accepted(ensemble_onnx, tmp_path, capsys,
                                                     monkeypatch):
    from engine import predictor as predictor_module

    monkeypatch.setattr(predictor_module, "default_model_path", lambda: tmp_path / "none.onnx")
    path = _edited(ensemble_onnx, tmp_path / "model.onnx",
                   {"recipe": RECIPE, "evaluation": EVALUATION})
    info = read_model_info(path)
    assert info.recipe == RECIPE and info.evaluation == EVALUATION
    assert main(["models", str(path)]) == 0
    assert "recipe: 20 synthetic polymers" in capsys.readouterr().out


def test_a_directory_is_said_to_be_a_directory(ensemble_dir, capsys):
    for read in (OnnxPredictor, read_model_info):
        with pytest.raises(PredictorError) as error:
            read(ensemble_dir)
        message = str(error.value)
        assert message.startswith(f"{ensemble_dir} is a folder, not a model file")
        assert "does not exist" not in message and "trinity export" in message
    assert main(["models", str(ensemble_dir)]) == 2
    assert "is a folder, not a model file" in capsys.readouterr().err
