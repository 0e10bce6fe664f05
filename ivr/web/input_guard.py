"""Every request's text is checked before any handler (or the CSRF check) reads it.

A query string or form that is not valid UTF-8, holds a NUL or another control
character (tab and line breaks aside: a textarea has them), or a value longer than
``MAX_FIELD_CHARS`` gets a clear 400 at once. So no handler, database query or header
ever meets undecodable bytes, and each handler only has to check what its fields mean.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_to_bytes

from aiohttp import web
from aiohttp.typedefs import Handler

MAX_FIELD_CHARS = 20_000
MAX_FIELDS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class BadInput(ValueError):
    """What is wrong with a request's text, said for the response."""


@web.middleware
async def input_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        _check_path(request.rel_url.raw_path)
        _check_pairs(_decode_pairs(request.rel_url.raw_query_string))
        if request.content_type in FORM_TYPES and request.can_read_body:
            await _check_form(request)
    except BadInput as problem:
        return web.Response(
            status=400,
            text=f"Requête invalide : {problem}.\nBad request: {problem}.\n",
            content_type="text/plain",
        )
    return await handler(request)


def _check_path(raw_path: str) -> None:
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("path not in UTF-8 / chemin hors UTF-8") from None
    if _PATH_CONTROL.search(path):
        raise BadInput("control character in the path / caractère de contrôle")


def _decode_pairs(encoded: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            encoded, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise BadInput("text not in UTF-8 / texte hors UTF-8") from None
    except ValueError:
        raise BadInput(f"more than {MAX_FIELDS} fields / trop de champs") from None


def _check_pairs(pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        for text in (name, value):
            if len(text) > MAX_FIELD_CHARS:
                raise BadInput(f"a field is longer than {MAX_FIELD_CHARS} characters / trop long")
            if _CONTROL.search(text):
                raise BadInput("control character in a field / caractère de contrôle")


async def _check_form(request: web.Request) -> None:
    charset = (request.charset or "utf-8").lower()
    if charset not in {"utf-8", "utf8"}:
        raise BadInput("forms must be sent in UTF-8 / formulaire hors UTF-8")
    if request.content_type == "application/x-www-form-urlencoded":
        body = await request.read()
        try:
            encoded = body.decode("ascii")  # a form is percent-encoded: bytes over 0x7f are not
        except UnicodeDecodeError:
            raise BadInput("text not in UTF-8 / texte hors UTF-8") from None
        _check_pairs(_decode_pairs(encoded))
        return
    try:
        form = await request.post()
    except (UnicodeDecodeError, ValueError):
        raise BadInput("malformed form / formulaire mal formé") from None
    pairs = [(name, value) for name, value in form.items() if isinstance(value, str)]
    if len(form) > MAX_FIELDS:
        raise BadInput(f"more than {MAX_FIELDS} fields / trop de champs")
    _check_pairs(pairs)
