"""Strict JSON bodies: read, parsed and checked against the OpenAPI document's schemas
before a handler sees them.

A body that is too large, not ``application/json`` in UTF-8, not JSON, not an object,
or has a duplicate, unknown, missing or mistyped field, or a text with a control
character, gets a 400 naming the field; nothing is stored. (The app-wide input guard
checks only forms, paths and query strings; a JSON string can spell ``\\u0000``, so the
texts are checked here, after decoding.) Only the subset of JSON Schema the document
uses is understood: type, enum, properties, required, additionalProperties, items,
lengths, bounds and the date-time format.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from ivr.domain.errors import shown
from ivr.web.api.errors import ApiError
from ivr.web.api.openapi import DOCUMENT

MAX_BODY_BYTES = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_REF_PREFIX = "#/components/schemas/"

_TYPE_WORDS = {
    "string": ("un texte", "a string"),
    "integer": ("un entier", "an integer"),
    "number": ("un nombre", "a number"),
    "boolean": ("true ou false", "true or false"),
    "array": ("une liste", "an array"),
    "object": ("un objet", "an object"),
    "null": ("null", "null"),
}


def _bad(fr: str, en: str) -> ApiError:
    return ApiError(400, fr, en)


async def read_json(
    request: web.Request, schema_name: str, *, required: bool = True
) -> dict[str, Any]:
    """The body as an object fit for the schema ``schema_name``; no body at all is ``{}``
    when not ``required``."""
    if not request.body_exists and not required:
        return {}
    charset = (request.charset or "utf-8").lower()
    if request.content_type != "application/json" or charset not in {"utf-8", "utf8"}:
        raise _bad(
            "Le corps doit être du JSON en UTF-8 (Content-Type: application/json).",
            "The body must be JSON in UTF-8 (Content-Type: application/json).",
        )
    value = _parse(await _read_bounded(request))
    if not isinstance(value, dict):
        raise _bad("Le corps doit être un objet JSON.", "The body must be a JSON object.")
    check(value, DOCUMENT["components"]["schemas"][schema_name], "")
    return value


async def _read_bounded(request: web.Request) -> bytes:
    """At most MAX_BODY_BYTES, whatever the application's own limit (sized for uploads)
    and whether the length is announced or the body comes in chunks."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - len(body)):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> ApiError:
    kib = MAX_BODY_BYTES // 1024
    return _bad(f"Corps trop grand (maximum {kib} Kio).", f"Body too large (at most {kib} KiB).")


class _Duplicate(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _Duplicate(name)
        result[name] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse(body: bytes) -> Any:
    try:
        return json.loads(
            body.decode("utf-8"), object_pairs_hook=_unique, parse_constant=_no_constant
        )
    except _Duplicate as duplicate:
        name = shown(duplicate.name)
        raise _bad(f"Champ en double : « {name} ».", f"Duplicate field: '{name}'.") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad(
            "Le corps n'est pas du JSON valide en UTF-8.", "The body is not valid JSON in UTF-8."
        ) from None


def check(value: Any, schema: Mapping[str, Any], where: str) -> None:
    """Nothing if ``value`` fits ``schema``, else a 400 naming the field ``where``."""
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].removeprefix(_REF_PREFIX)]
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if not any(_is(value, kind) for kind in kinds):
        fr = " ou ".join(_TYPE_WORDS[k][0] for k in kinds)
        en = " or ".join(_TYPE_WORDS[k][1] for k in kinds)
        raise _bad(f"Le champ « {where} » doit être {fr}.", f"The field '{where}' must be {en}.")
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(schema["enum"])
        raise _bad(
            f"Valeur non permise pour « {where} » (choix : {choices}).",
            f"Value not allowed for '{where}' (choices: {choices}).",
        )
    if isinstance(value, str):
        _check_text(value, schema, where)
    elif isinstance(value, int) and not isinstance(value, bool):
        _check_bounds(value, schema, where)
    elif isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)):
            raise _bad(
                f"Le champ « {where} » a plus de {schema['maxItems']} éléments.",
                f"The field '{where}' has more than {schema['maxItems']} items.",
            )
        for index, item in enumerate(value):
            check(item, schema["items"], f"{where}[{index}]")
    elif isinstance(value, dict):
        _check_object(value, schema, where)


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    return {
        "string": isinstance(value, str),
        "integer": isinstance(value, int),
        "number": isinstance(value, int | float),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
        "null": value is None,
    }.get(kind, False)


def _check_text(value: str, schema: Mapping[str, Any], where: str) -> None:
    if _CONTROL.search(value) or _SURROGATE.search(value):
        raise _bad(
            f"Caractère de contrôle ou invalide dans « {where} ».",
            f"Control or invalid character in '{where}'.",
        )
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength", len(value))
    if not shortest <= len(value) <= longest:
        raise _bad(
            f"Le champ « {where} » doit compter de {shortest} à {longest} caractères.",
            f"The field '{where}' must have {shortest} to {longest} characters.",
        )
    if schema.get("format") == "date-time" and not _is_time(value):
        raise _bad(
            f"Le champ « {where} » doit être une date et heure ISO 8601 avec son fuseau "
            "(ex. 2026-05-01T14:00:00-04:00).",
            f"The field '{where}' must be an ISO 8601 date and time with its offset "
            "(e.g. 2026-05-01T14:00:00-04:00).",
        )


def _is_time(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _check_bounds(value: int, schema: Mapping[str, Any], where: str) -> None:
    low, high = schema.get("minimum", value), schema.get("maximum", value)
    if not low <= value <= high:
        raise _bad(
            f"Le champ « {where} » doit être entre {low} et {high}.",
            f"The field '{where}' must be between {low} and {high}.",
        )


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], where: str) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    prefix = f"{where}." if where else ""
    if schema.get("additionalProperties") is False:
        for name in value:
            if name not in properties:
                field = prefix + shown(name)
                raise _bad(f"Champ inconnu : « {field} ».", f"Unknown field: '{field}'.")
    for name, item in value.items():
        if name in properties:
            check(item, properties[name], prefix + name)
    for name in schema.get("required", []):
        if name not in value:
            raise _bad(
                f"Champ obligatoire manquant : « {prefix}{name} ».",
                f"Missing required field: '{prefix}{name}'.",
            )
