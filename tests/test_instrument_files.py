"""The reader machinery cone and thermal files share: text, layout, metadata, sentinels."""

import numpy as np
import pytest

from engine.instrument_files import normalise_key, number, read_instrument_table


class Bad(ValueError):
    pass


def _read(path):
    return read_instrument_table(path, lambda cells: "time" in [c.lower() for c in cells], Bad)


def test_latin1_decimal_commas_units_row_and_metadata_beside(tmp_path):
    path = tmp_path / "export.csv"
    text = ("Info;;time;HRR;Spare\n;;[s];[kW/m²];no\nHeat flux (kW/m²);50;0;1,5;999998\n"
            "Operator;Ä. Müller;1;2,5;999998\n;;2;3,5;999998\n")
    path.write_bytes(text.encode("latin-1"))
    table = _read(path)
    assert table.encoding == "cp1252" and table.delimiter == ";" and table.decimal_comma
    assert table.columns == ["time", "HRR", "Spare"] and table.units == ["s", "kW/m²", ""]
    assert table.label(1) == "HRR (kW/m²)"
    np.testing.assert_allclose(table.data[:, 1], [1.5, 2.5, 3.5])
    assert np.isnan(table.data[:, 2]).all() and table.sentinel_cells == 3
    assert table.metadata["heat flux (kw/m²)"] == "50"
    assert table.metadata["operator"] == "Ä. Müller"
    assert table.metadata_keys["heat flux (kw/m²)"] == "Heat flux (kW/m²)"


def test_duplicate_keys_first_wins_and_conflicts_are_kept(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text("Ignition [s]: 27\n# Ignition (s): 0\nMass: \nMass: 12\n\ntime,q\n0,1\n1,2\n",
                    encoding="utf-8-sig")
    table = _read(path)
    assert table.metadata["ignition (s)"] == "27" and table.metadata["mass"] == "12"
    assert table.conflicts == [("Ignition [s]", "27", "0")]
    assert table.preamble[0] == "Ignition [s]: 27" and table.header_line == 6


def test_a_block_before_an_at_line_and_tab_separated_data(tmp_path):
    path = tmp_path / "block.txt"
    path.write_text("Material\tPMMA\nThickness (mm)\t6\n@\ntime\tq\n0\t1.5\n1\t2.5\n")
    table = _read(path)
    assert table.delimiter == "\t" and not table.decimal_comma
    assert table.metadata == {"material": "PMMA", "thickness (mm)": "6"}


def test_no_header_is_one_sentence(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(Bad, match="no column header followed by numbers"):
        _read(path)
    with pytest.raises(Bad, match="does not exist"):
        _read(tmp_path / "missing.csv")


def test_keys_and_numbers_as_people_write_them():
    assert normalise_key(" Time to ignition  [s]: ") == "time to ignition (s)"
    assert number("5,74") == 5.74 and number("1 013,2") == 1013.2
    assert number("999998,00") is None and number("Hor") is None and number(None) is None
