"""Reading CSV tables row by row: encodings, delimiters, quotes and true line numbers."""

import pandas as pd
import pytest

from engine.csv_tables import TableFileError, read_csv_table


def _write(tmp_path, data: bytes | str, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_line_numbers_are_those_an_editor_shows(tmp_path):
    """pandas counted a quoted multi-line cell and blank lines differently (64 of 111
    wrong in one file); here each row is numbered by the line it starts on."""
    records, expected, line = ["a,b\n"], [], 2
    for k in range(30):
        if k % 3 == 0:
            records.append("\n")  # a blank line
            line += 1
        cell = f'"cell {k}\nsecond\n\nfourth"' if k % 4 == 0 else f"x{k}"
        records.append(f"{cell},{k}\n")
        expected.append(line)
        line += records[-1].count("\n")
    table = read_csv_table(_write(tmp_path, "".join(records)))
    assert list(table.lines) == expected
    assert table.frame["b"].tolist() == [str(k) for k in range(30)]
    assert table.frame["a"][0] == "cell 0\nsecond\n\nfourth"


def test_a_bad_row_costs_only_itself(tmp_path):
    text = ("smiles,flux,thickness\n"
            "*CC*,50,6\n"
            "*CC*,50,6,oops\n"            # an extra cell
            '*CC*,"50,6\n'                 # an open quote
            "*CC*,25,3\n"
            "*CC*,25,3,,\n"                # empty trailing cells are fine
            "*CC*,25\n")                   # a missing cell is empty
    table = read_csv_table(_write(tmp_path, text))
    assert list(table.lines) == [2, 5, 6, 7]
    assert table.frame.values.tolist()[-1] == ["*CC*", "25", ""]
    reasons = {r.line: r.reason for r in table.rejected}
    assert "has 4 cells but the header has 3" in reasons[3]
    assert "never closes" in reasons[4]


@pytest.mark.parametrize(
    ("encoding", "named"),
    [("utf-8", ""), ("utf-8-sig", ""), ("cp1252", " (read as cp1252)"),
     ("utf-16", " (read as utf-16)"), ("utf-16-le", " (read as utf-16-le)")],
)
def test_encodings_are_detected(tmp_path, encoding, named):
    text = "polymer;smiles\nPlexiglas® Ü;*CC(*)(C)C(=O)OC\n"
    table = read_csv_table(_write(tmp_path, text.encode(encoding)))
    assert table.delimiter == ";" and table.frame["polymer"][0] == "Plexiglas® Ü"
    assert table.described_encoding == named


def test_a_stated_encoding_is_used_or_refused(tmp_path):
    path = _write(tmp_path, "a,b\nÜ,1\n".encode("cp1252"))
    assert read_csv_table(path, encoding="latin-1").frame["a"][0] == "Ü"
    with pytest.raises(TableFileError, match="is not utf-8"):
        read_csv_table(path, encoding="utf-8")
    with pytest.raises(TableFileError, match="not an encoding"):
        read_csv_table(path, encoding="klingon")


def test_a_bare_carriage_return_stays_in_its_cell(tmp_path):
    table = read_csv_table(_write(tmp_path, 'a,b\n"x\ry",1\r\nz,2\r\n'))
    assert table.frame["a"].tolist() == ["x\ry", "z"] and list(table.lines) == [2, 3]
    mac = read_csv_table(_write(tmp_path, "a,b\rx,1\ry,2\r", "mac.csv"))
    assert mac.frame["a"].tolist() == ["x", "y"] and list(mac.lines) == [2, 3]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "only blank lines"),
        (b"\x00\x01\x02\x03binary\x00", "not a text file"),
        (b"a,b,a\n1,2,3\n", "two columns named 'a'"),
        (b",,\n1,2\n", "no column names"),
    ],
)
def test_unusable_files_are_one_sentence(tmp_path, data, expected):
    with pytest.raises(TableFileError, match=expected):
        read_csv_table(_write(tmp_path, data))


def test_a_folder_and_a_missing_file_are_told_apart(tmp_path):
    with pytest.raises(TableFileError, match="is a folder, not a file"):
        read_csv_table(tmp_path)
    with pytest.raises(TableFileError, match="does not exist"):
        read_csv_table(tmp_path / "none.csv")


def test_what_pandas_writes_reads_back_the_same(tmp_path):
    frame = pd.DataFrame({"name": ['a "quoted", name', "line\nbreak", "cr\rhere", "ü"],
                          "value": ["1", "2", "3", "4"]})
    from engine.outputs import write_csv

    write_csv(frame, tmp_path / "round.csv")
    again = read_csv_table(tmp_path / "round.csv")
    assert again.frame.values.tolist() == frame.values.tolist()
    assert pd.read_csv(tmp_path / "round.csv", dtype=str)["name"].tolist() == frame["name"].tolist()


def test_text_in_another_script_keeps_its_script(tmp_path):
    text = "polymer,smiles\nПолиэтилен высокой плотности,*CC*\nПолипропилен,*CC(*)C\n"
    table = read_csv_table(_write(tmp_path, text.encode("cp1251")))
    assert table.frame["polymer"].tolist() == ["Полиэтилен высокой плотности", "Полипропилен"]


def test_a_file_cut_short_after_its_byte_order_mark_is_one_sentence(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"\xff\xfes\x00m\x00i")
    with pytest.raises(TableFileError, match="starts like a UTF-16 text file but is not one"):
        read_csv_table(path)
