"""Every refusal of the JSON API has one shape, in French and in English:
``{"error": {"code": ..., "message_fr": ..., "message_en": ...}}``.

So a client handles errors in one place, and never meets an HTML page or a bare status
line, even for a path or a method the API does not have.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from ivr.domain.errors import DomainError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable",
}


class ApiError(Exception):
    """A refusal with its status and both messages."""

    def __init__(self, status: int, fr: str, en: str) -> None:
        super().__init__(en)
        self.status = status
        self.fr = fr
        self.en = en

    @classmethod
    def from_domain(cls, status: int, error: DomainError) -> ApiError:
        return cls(status, error.fr, error.en)


def error_response(status: int, fr: str, en: str) -> web.Response:
    response = web.json_response(
        {"error": {"code": CODES[status], "message_fr": fr, "message_en": en}}, status=status
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.fr, error.en)
    except web.HTTPNotFound:
        return error_response(404, "Adresse inconnue de l'API.", "No such API path.")
    except web.HTTPMethodNotAllowed as refused:
        response = error_response(
            405, "Méthode non permise à cette adresse.", "Method not allowed on this path."
        )
        response.headers["Allow"] = refused.headers["Allow"]
        return response
