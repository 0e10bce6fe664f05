"""A directory listing file read as it comes: UTF-8 (with or without a byte-order mark)
or Windows-1252, comma, semicolon or tab separated, with a header whose columns are
recognized by their usual names (docs/directory.md). Rows are read one at a time, so a
large file is never held in memory as rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ivr.domain.errors import DomainError

_CHUNK = 1 << 20
_DELIMITERS = {",": "virgule / comma", ";": "point-virgule / semicolon", "\t": "tab"}
_HEADERS = {
    "phone": {"telephone", "tel", "no de telephone", "numero de telephone", "phone",
              "phone number", "telephone number", "no tel", "numero tel"},
    "name": {"nom complet", "name", "full name", "abonne", "titulaire", "nom de l abonne",
             "subscriber"},
    "family_name": {"nom de famille", "family name", "last name", "surname"},
    "given_name": {"prenom", "given name", "first name"},
    "address": {"adresse", "address", "adresse civique", "adresse complete", "street address"},
    "civic_number": {"no civique", "numero civique", "civique", "no", "numero", "civic number",
                     "civic", "house number", "number"},
    "street": {"rue", "street", "nom de rue", "street name"},
    "unit": {"app", "appartement", "unite", "unit", "apt", "apartment", "suite"},
    "city": {"ville", "localite", "municipalite", "city", "communaute", "community",
             "town"},
    "kind": {"type", "categorie", "type d inscription", "inscription", "listing type",
             "kind", "category", "genre"},
}  # fmt: skip
_SPACES = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Row:
    line: int
    raw: str
    """The row as read, its fields joined by the file's separator (for the summary)."""
    fields: dict[str, str]
    problem: DomainError | None = None


@dataclass(frozen=True)
class ListingFile:
    encoding: str
    delimiter: str
    columns: tuple[str, ...]
    """The recognized fields, in the file's order."""
    lines: int
    """Lines in the file, header included (for progress)."""
    rows: Iterator[Row]


def open_listing(stream: BinaryIO) -> ListingFile:
    """Detect the encoding and separator, recognize the header; the rows follow lazily.
    A file that cannot be read at all (no header, no phone column) is a DomainError."""
    encoding, lines = _detect_encoding(stream)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    header_line = text.readline()
    delimiter = max(_DELIMITERS, key=header_line.count)
    if not header_line.strip() or header_line.count(delimiter) == 0:
        raise DomainError(
            "La première ligne doit être l'en-tête, des colonnes séparées par des virgules, "
            "des points-virgules ou des tabulations.",
            "The first line must be the header, columns separated by commas, semicolons or tabs.",
        )
    header = next(csv.reader([header_line], delimiter=delimiter))
    fields = _recognize(header)
    columns = tuple(f for f in fields if f)
    return ListingFile(encoding, delimiter, columns, lines, _rows(text, fields, delimiter))


def describe_delimiter(delimiter: str) -> str:
    return _DELIMITERS[delimiter]


def _detect_encoding(stream: BinaryIO) -> tuple[str, int]:
    """UTF-8 if every byte decodes as UTF-8 (a byte-order mark noted), else Windows-1252;
    and the number of lines, in the same pass."""
    first = stream.read(3)
    encoding = "utf-8-sig" if first == codecs.BOM_UTF8 else "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, chunk = 0, first
    while chunk:
        lines += chunk.count(b"\n")
        if encoding != "cp1252":
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                encoding = "cp1252"
        chunk = stream.read(_CHUNK)
    if encoding != "cp1252":
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding = "cp1252"
    return encoding, lines + 1


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain).strip()


def _recognize(header: list[str]) -> list[str]:
    """The field each column means ('' for a column the import does not use)."""
    names = [_plain(h) for h in header]
    fields = []
    for name in names:
        found = next((field for field, known in _HEADERS.items() if name in known), "")
        fields.append(found)
    if "given_name" in fields:  # "Nom" beside "Prénom" is the family name
        fields = [
            "family_name" if f == "" and n == "nom" else f
            for f, n in zip(fields, names, strict=True)
        ]
    else:
        fields = [
            "name" if f == "" and n == "nom" else f for f, n in zip(fields, names, strict=True)
        ]
    has_name = "name" in fields or "family_name" in fields or "given_name" in fields
    has_address = "address" in fields or ("civic_number" in fields and "street" in fields)
    if "phone" not in fields or not has_name or not has_address:
        raise DomainError(
            "L'en-tête doit nommer le téléphone, le nom et l'adresse (ou le numéro civique et "
            f"la rue). Colonnes lues : {', '.join(header)[:300]}.",
            "The header must name the phone, the name and the address (or the civic number "
            f"and the street). Columns read: {', '.join(header)[:300]}.",
        )
    return fields


def _rows(text: io.TextIOWrapper, fields: list[str], delimiter: str) -> Iterator[Row]:
    reader = csv.reader(text, delimiter=delimiter)
    for values in reader:
        line = 1 + reader.line_num  # the header was line 1
        if not any(v.strip() for v in values):
            continue
        raw = delimiter.join(values)[:500]
        if len(values) > len(fields):
            problem = DomainError(
                f"{len(values)} champs au lieu de {len(fields)}.",
                f"{len(values)} fields instead of {len(fields)}.",
            )
            yield Row(line, raw, {}, problem)
            continue
        row = {f: v for f, v in zip(fields, values, strict=False) if f and v.strip()}
        yield Row(line, raw, row)
    text.detach()  # the caller owns the file
