"""Reading the CSV tables people make, row by row: what can be read is kept.

Experimental data and candidate lists come from Excel on Windows (cp1252, ``;`` and
decimal commas), LibreOffice, Origin or a script. A stray comma, one byte in another
encoding or a quote left open must cost the user that one row, not the file, and the
report must name the line their editor shows. pandas' tokenizer cannot do that (one
bad row fails the whole file, and its line numbers drift after quoted multi-line cells
and blank lines), so the file is split into records here and each record is parsed by
Python's `csv` module on its own:

- the **encoding** is stated by the caller, or found from a byte-order mark (UTF-8,
  UTF-16, UTF-32), else UTF-8, else charset-normalizer's best guess (Windows-1252 when
  it reads the same);
- the **delimiter** is sniffed from the header (``,`` ``;`` tab ``|``);
- a **record** is one line, or several while a quoted cell is open (a cell may hold line
  breaks and bare carriage returns, and they are kept); a quote still open after
  `MAX_RECORD_LINES` lines or at the end of the file costs only the line that opened it;
- a row with more cells than the header (other than empty trailing ones) is reported,
  one with fewer has its missing cells empty (spreadsheets drop trailing empty cells);
- **line numbers** count ``\\n`` as editors do (a file with only ``\\r`` endings counts
  those); blank lines are skipped but counted.
"""

from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: A quoted cell may span at most this many lines; longer means a quote was left open.
MAX_RECORD_LINES = 200
#: Larger files are refused: a table of tests is kilobytes, a mistaken file gigabytes.
MAX_FILE_BYTES = 512 * 1024**2
#: The Windows code page of the script of each Mac one: spreadsheets write the former.
_WINDOWS_TWIN = {"mac_cyrillic": "cp1251", "mac_greek": "cp1253", "mac_turkish": "cp1254"}
#: Letters of another script needed before trusting an encoding guess over Windows-1252.
_SCRIPT_EVIDENCE = 8
#: Text shown back to the user from a cell is cut to this many characters.
ECHO_CHARS = 60
_DELIMITERS = ",;\t|"
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TableFileError(ValueError):
    """A file that cannot be read as a table at all; one sentence says why and what to do."""


@dataclass(frozen=True)
class RejectedRow:
    """One row left out: its line in the file (1 = the header) and why."""

    line: int
    reason: str


@dataclass(frozen=True, eq=False)
class CsvTable:
    """The readable rows of a CSV file as text cells, with what could not be read.

    ``frame`` has the header's columns (cells are ``str``, empty where the row had
    none) and a default index; ``lines`` gives each row's first line in the file.
    ``rejected`` lists the rows that could not be split into the header's columns.
    """

    path: Path
    frame: pd.DataFrame
    lines: tuple[int, ...]
    rejected: tuple[RejectedRow, ...] = field(default_factory=tuple)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def described_encoding(self) -> str:
        """'' for UTF-8 (the expected case), else e.g. ' (read as cp1252)'."""
        if self.encoding in ("utf-8", "utf-8-sig", "ascii"):
            return ""
        return f" (read as {self.encoding})"


def shorten(text: object, limit: int = ECHO_CHARS) -> str:
    """``text`` cut to ``limit`` characters with its full length, for messages."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text):,} characters)"


def read_csv_table(path: str | Path, *, encoding: str | None = None) -> CsvTable:
    """Every readable row of ``path``; raises `TableFileError` only for an unusable file
    (missing, a folder, empty, not text, no header)."""
    path = Path(path)
    data = read_file_bytes(path)
    text, used = decode_text(data, path, encoding)
    lines = _split_lines(text)
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        raise TableFileError(f"{path.name} holds only blank lines; give a header row.")
    delimiter = _sniff(lines[header_at])
    dialect = _dialect(delimiter)
    header = _parse(lines[header_at], dialect)
    if header is None:
        raise TableFileError(
            f"The header (line {header_at + 1}) of {path.name} cannot be split into "
            "columns; check its quotes."
        )
    columns = _columns(header, path, header_at + 1)
    rows, starts, rejected = [], [], []
    i = header_at + 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        record, end = _record(lines, i, dialect)
        if record is None:
            rejected.append(RejectedRow(i + 1, _quote_problem(lines[i], glued=False)))
            i += 1
            continue
        extra = record[len(columns):]
        if any(cell.strip() for cell in extra):
            if end - i > 1:  # a quote glued lines together wrongly: lose only the first
                rejected.append(RejectedRow(i + 1, _quote_problem(lines[i], glued=True)))
                i += 1
                continue
            rejected.append(RejectedRow(
                i + 1,
                f"has {len(record)} cells but the header has {len(columns)}; a "
                f"{_delimiter_name(delimiter)} inside a value must be quoted.",
            ))
            i = end
            continue
        cells = record[: len(columns)]
        rows.append(cells + [""] * (len(columns) - len(cells)))
        starts.append(i + 1)
        i = end
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return CsvTable(path, frame, tuple(starts), tuple(rejected), used, delimiter)


def read_file_bytes(path: Path, *, what: str = "CSV file",
                    empty: str = "give a header and one row per test",
                    limit_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, or `TableFileError` with one sentence: a folder, a missing
    or empty file, one larger than ``limit_bytes`` (a mistaken file, not ``what``)."""
    if path.is_dir():
        raise TableFileError(f"{path} is a folder, not a file; give the {what} inside it.")
    if not path.exists():
        raise TableFileError(f"The file {path} does not exist.")
    size = path.stat().st_size
    if size == 0:
        raise TableFileError(f"{path.name} is empty; {empty}.")
    if size > limit_bytes:
        raise TableFileError(
            f"{path.name} is {size / 1024**2:.0f} MB, more than a {what} could be "
            f"({limit_bytes // 1024**2} MB at most); is it the right file?"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise TableFileError(f"{path} cannot be read ({error.strerror or error}).") from None


def decode_text(data: bytes, path: Path, stated: str | None) -> tuple[str, str]:
    if stated:
        try:
            return data.decode(stated), codecs.lookup(stated).name
        except LookupError:
            raise TableFileError(f"{stated!r} is not an encoding Python knows.") from None
        except UnicodeDecodeError as error:
            raise TableFileError(
                f"{path.name} is not {stated} (byte {error.start} cannot be decoded); "
                "leave the encoding out to have it detected."
            ) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                raise TableFileError(
                    f"{path.name} starts like a {name.upper()} text file but is not one "
                    "(cut short or not text); save it again as CSV (UTF-8)."
                ) from None
    if b"\x00" in data[:4096]:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise TableFileError(
            f"{path.name} is not a text file (it holds zero bytes); export the table as CSV."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data).best()
    if guess is None or not _other_script(str(guess)):
        # A few accented bytes cannot tell one Latin code page from another (charset-
        # normalizer then guesses freely); Excel on a Western Windows writes
        # Windows-1252, by far the most common.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    if guess is None:
        raise TableFileError(
            f"{path.name} is not text in any encoding Trinity recognises; export the table "
            "as CSV (UTF-8)."
        )
    windows = _WINDOWS_TWIN.get(guess.encoding)
    if windows:  # charset-normalizer cannot tell a Mac code page from Windows' twin
        try:
            return data.decode(windows), windows
        except UnicodeDecodeError:
            pass
    return str(guess), guess.encoding


def _other_script(text: str) -> bool:
    """Whether the guess reads enough letters beyond ASCII, most of them not Latin
    (Cyrillic, Greek, CJK …), to be worth more than the Windows-1252 default: from a few
    accented bytes charset-normalizer may as well guess Arabic."""
    letters = [c for c in text if ord(c) > 127 and c.isalpha()]
    latin = sum(unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return len(letters) >= _SCRIPT_EVIDENCE and latin < len(letters) / 2


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 without a mark: every other byte of ASCII text is zero."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    name = "utf-16-le" if odd > 0.3 * len(sample) / 2 and even == 0 else (
        "utf-16-be" if even > 0.3 * len(sample) / 2 and odd == 0 else None)
    if name is None:
        return None
    try:
        return data.decode(name), name
    except UnicodeDecodeError:
        return None


def _split_lines(text: str) -> list[str]:
    """Lines with their endings; ``\\n`` ends a line, ``\\r`` only in a file without
    ``\\n`` (classic Mac), so a bare CR inside a quoted cell stays in its cell."""
    if "\n" not in text and "\r" in text:
        return text.replace("\r", "\r\n").splitlines(keepends=True)
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _sniff(header: str) -> str:
    try:
        return csv.Sniffer().sniff(header, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: header.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _dialect(delimiter: str) -> type[csv.Dialect]:
    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    Dialect.strict = True
    return Dialect


def _parse(text: str, dialect) -> list[str] | None:
    """One record's cells, or None when its quotes do not parse."""
    try:
        records = list(csv.reader([text], dialect))
    except csv.Error:
        return None
    return records[0] if len(records) == 1 else None


def _record(lines: list[str], start: int, dialect) -> tuple[list[str] | None, int]:
    """The record that begins at ``lines[start]``, and the index after its last line."""
    text, end = lines[start], start + 1
    while text.count(dialect.quotechar) % 2 and end < len(lines) and end - start < MAX_RECORD_LINES:
        text += lines[end]
        end += 1
    if text.count(dialect.quotechar) % 2:
        return None, end
    return _parse(text, dialect), end


def _quote_problem(line: str, *, glued: bool) -> str:
    what = "opens a quote (\") that never closes" if not glued else "has unbalanced quotes (\")"
    return f"{what}; fix the quotes of this row: {shorten(line.rstrip())!r}."


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}[delimiter]


def _columns(header: list[str], path: Path, line: int) -> list[str]:
    names = [cell.strip() for cell in header]
    while names and not names[-1]:
        names.pop()  # trailing delimiters
    if not any(names):
        raise TableFileError(f"The header (line {line}) of {path.name} has no column names.")
    seen: dict[str, int] = {}
    for k, name in enumerate(names):
        key = name.lower()
        if not name:
            names[k] = f"column {k + 1}"
        elif key in seen:
            raise TableFileError(
                f"{path.name} has two columns named {name!r} (columns {seen[key] + 1} and "
                f"{k + 1}); rename one."
            )
        seen[key] = k
    return names
