"""Outputs never destroy inputs, and a failed write leaves the old file whole."""

import os

import pandas as pd
import pytest

from engine import outputs
from engine.outputs import OutputError, check_output_folder, check_outputs, write_csv


def test_an_output_that_is_an_input_is_refused(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("x\n")
    link = tmp_path / "link.csv"
    os.link(source, link)  # another name for the same file
    for given in (source, tmp_path / "." / "in.csv", link):
        with pytest.raises(OutputError, match="is the --input file"):
            check_outputs({"--output": given}, {"--input": source})


def test_two_outputs_may_not_share_a_file(tmp_path):
    with pytest.raises(OutputError, match="--output and --curves are the same file"):
        check_outputs({"--output": tmp_path / "o.csv", "--curves": tmp_path / "o.csv"})
    with pytest.raises(OutputError, match="both write to standard output"):
        check_outputs({"--output": "-", "--curves": "-"})
    check_outputs({"--output": "-", "--curves": tmp_path / "c.csv"})


def test_an_output_that_cannot_be_written_is_found_before_any_work(tmp_path):
    with pytest.raises(OutputError, match="does not exist; create it"):
        check_outputs({"--output": tmp_path / "missing" / "o.csv"})
    with pytest.raises(OutputError, match="is a folder; give the name of a file"):
        check_outputs({"--output": tmp_path})


def test_an_output_folder_may_not_hold_the_input(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(OutputError, match="holds the --init"):
        check_output_folder("--out", tmp_path / "model", {"--init": tmp_path / "model"})
    with pytest.raises(OutputError, match="holds the --data"):
        check_output_folder("--out", tmp_path, {"--data": tmp_path / "model" / "x.csv"})
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_output_folder("--out", tmp_path / "file")
    check_output_folder("--out", tmp_path / "new", {"--data": "shipped"})


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    """A full disk mid-write: the old file stays, and no temporary file is left."""
    target = tmp_path / "out.csv"
    target.write_text("old,content\n")

    def full_disk(self, path, **_):
        with open(path, "w") as half:
            half.write("new,con")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_csv(pd.DataFrame({"a": [1]}), target)
    assert target.read_text() == "old,content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_standard_output(capsys):
    write_csv(pd.DataFrame({"a": [1, 2]}), outputs.STDOUT)
    assert capsys.readouterr().out.splitlines() == ["a", "1", "2"]
