"""Accepted ranges, strict number parsing and display resolution of physical inputs."""

import math

import pandas as pd
import pytest

from engine.quantities import (
    HEAT_FLUX,
    THICKNESS,
    QuantityError,
    number_argument,
    parse_number,
    parse_numbers,
    resolution,
    round_frame,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("50", 50.0), (" 3.5 ", 3.5), ("12,5", 12.5), ("0,500", 0.5), ("1e3", 1000.0),
     ("-2", -2.0), (".5", 0.5), ("5.", 5.0)],
)
def test_numbers_as_people_write_them(text, value):
    assert parse_number(text, "x") == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1_000", "'1_000', not a number"),        # Python's float takes it
        ("١٠٠", "not a number"),                   # Arabic-Indic digits, float takes them too
        ("inf", "'inf', not a number"),
        ("nan", "'nan', not a number"),
        ("1e999", "too large"),
        ("2,500", "decimal comma or a thousands separator"),
        ("1,000.5", "not a number"),
        ("", "is empty"),
        ("fifty", "'fifty', not a number"),
    ],
)
def test_what_float_would_take_but_a_lab_does_not_mean(text, expected):
    with pytest.raises(QuantityError, match=expected):
        parse_number(text, "flux", "kW/m²")


def test_a_long_cell_is_not_echoed_in_full():
    with pytest.raises(QuantityError) as error:
        parse_number("9x" * 2_500_000, "flux")
    assert len(str(error.value)) < 120


@pytest.mark.parametrize(
    ("limit", "value", "expected"),
    [
        (HEAT_FLUX, 5000.0, "heat flux 5000 kW/m² is outside the accepted range, more than 0 "
                            "and at most 200 kW/m²: a cone heater"),
        (HEAT_FLUX, 0.0, "more than 0 and at most 200 kW/m²."),
        (THICKNESS, 1e5, "thickness 100000 mm is outside"),
        (THICKNESS, math.inf, "is inf; give a finite number in mm"),
    ],
)
def test_values_outside_physics_are_one_sentence(limit, value, expected):
    with pytest.raises(QuantityError, match=expected) as error:
        limit.check(value)
    assert str(error.value).count(". ") == 0 and str(error.value).endswith(".")


def test_inside_the_range_is_accepted():
    assert HEAT_FLUX.check(200) == 200.0 and THICKNESS.check(0.05) == 0.05


def test_lists_and_command_line_arguments():
    assert parse_numbers("25, 50,75", "--flux") == (25.0, 50.0, 75.0)
    with pytest.raises(QuantityError, match="empty item"):
        parse_numbers("25,,50", "--flux")
    flux = number_argument(HEAT_FLUX)
    assert flux("35") == 35.0
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="outside"):
        flux("1000")


def test_resolution_follows_the_column_name():
    assert resolution("tig_s") == 0 and resolution("tig_s_std") == 0
    assert resolution("simulated_time_s") == 1 and resolution("colour") is None
    frame = pd.DataFrame({"phrr_kw_m2": [1234.5678], "thr_mj_m2": [98.7654], "note": ["x"]})
    rounded = round_frame(frame)
    assert rounded.iloc[0].tolist() == [1235.0, 98.8, "x"]
