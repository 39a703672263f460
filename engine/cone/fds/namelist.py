"""A reader for the Fortran namelist records of an FDS input file.

FDS reads only records that start a line with `&NAME` and end at the first `/`
outside quotes; everything else (text between records, text after the `/`) is a
comment. Enough of namelist syntax is covered for real inputs: quoted strings,
logicals, numbers with D or E exponents, `r*value` repeats, indexed keys such as
`A(1)` and `MATL_ID(1,1)`, and records spread over several lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

Value = str | int | float | bool


class NamelistError(ValueError):
    """Text that is not a namelist record, with the line where it went wrong."""


@dataclass(frozen=True)
class Namelist:
    """One record: group name ('MATL'), upper-case keys with their values, and its line.

    Indexed keys keep their index without spaces ('SPEC_ID(1,1)'); every key maps to
    the tuple of values given to it, since XB, INPUT_ID and IJK take several.
    """

    group: str
    fields: Mapping[str, tuple[Value, ...]]
    line: int

    def __contains__(self, key: str) -> bool:
        return key in self.fields

    def get(self, key: str, default: Value | None = None) -> Value | None:
        """The single value of `key`, or `default` when the key is absent."""
        values = self.fields.get(key)
        if values is None:
            return default
        if len(values) != 1:
            raise NamelistError(
                f"line {self.line}: &{self.group} {key} has {len(values)} values, expected one."
            )
        return values[0]

    def number(self, key: str, default: float | None = None) -> float:
        """The single value of `key` as a float; a missing key without default is an error."""
        value = self.get(key)
        if value is None:
            if default is None:
                raise NamelistError(f"line {self.line}: &{self.group} is missing {key}.")
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise NamelistError(
                f"line {self.line}: &{self.group} {key} must be a number, not {value!r}."
            )
        return float(value)


_START = re.compile(r"^[ \t]*&([A-Za-z]\w*)", re.MULTILINE)
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<key>[A-Za-z_]\w*(?:\s*\([^)]*\))?)\s*=
      | '(?P<squote>[^']*)'
      | "(?P<dquote>[^"]*)"
      | (?P<end>/)
      | (?P<comma>,)
      | (?P<bare>[^\s,'"/=]+)
    )""",
    re.VERBOSE,
)
_INTEGER = re.compile(r"[+-]?\d+")
_REPEAT = re.compile(r"(\d+)\*(.+)")
_TRUE = {"T", ".T.", ".TRUE.", "TRUE"}
_FALSE = {"F", ".F.", ".FALSE.", "FALSE"}


def parse_namelists(text: str) -> list[Namelist]:
    """Every record of an FDS input, in file order (repeated groups such as RAMP kept apart)."""
    records = []
    pos = 0
    while (start := _START.search(text, pos)) is not None:
        line = text.count("\n", 0, start.start()) + 1
        fields, pos = _parse_body(text, start.end(), start.group(1).upper(), line)
        records.append(Namelist(start.group(1).upper(), fields, line))
    return records


def _parse_body(
    text: str, pos: int, group: str, line: int
) -> tuple[dict[str, tuple[Value, ...]], int]:
    fields: dict[str, list[Value]] = {}
    key: str | None = None
    while True:
        token = _TOKEN.match(text, pos)
        if token is None or token.end() == pos:
            raise NamelistError(f"line {line}: &{group} is not closed by '/'.")
        pos = token.end()
        kind = token.lastgroup
        if kind == "end":
            return {k: tuple(v) for k, v in fields.items()}, pos
        if kind == "comma":
            continue
        if kind == "key":
            key = re.sub(r"\s+", "", token.group("key")).upper()
            fields[key] = []
            continue
        if key is None:
            raise NamelistError(f"line {line}: &{group} has a value before any key.")
        if kind == "bare":
            fields[key].extend(_bare_values(token.group("bare"), group, line))
        else:
            fields[key].append(token.group(kind))


def _bare_values(raw: str, group: str, line: int) -> list[Value]:
    repeat = _REPEAT.fullmatch(raw)
    if repeat:
        return int(repeat.group(1)) * _bare_values(repeat.group(2), group, line)
    upper = raw.upper()
    if upper in _TRUE:
        return [True]
    if upper in _FALSE:
        return [False]
    if _INTEGER.fullmatch(raw):
        return [int(raw)]
    try:
        return [float(upper.replace("D", "E"))]
    except ValueError:
        raise NamelistError(f"line {line}: &{group} has an unreadable value {raw!r}.") from None
