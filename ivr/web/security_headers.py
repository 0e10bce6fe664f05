"""Security headers on every response (pages, errors, static files, JSON).

The pages use no inline script or style and load nothing from elsewhere, so the
Content-Security-Policy can be strict: everything from this origin only, no
framing, forms posting only here.
"""

from __future__ import annotations

from aiohttp import web

from ivr.web.keys import SETTINGS

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
STATIC_PREFIX = "/static/"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # same-origin: our own Referer reaches us (the CSRF check may use it), nobody else's.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
SERVER = "Information ITUM"  # replaces aiohttp's version banner


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    tiles = request.config_dict[SETTINGS].map_tiles_url
    if tiles and response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY:
        # The map's tiles come from the tile server the settings name, and only them.
        origin = "/".join(tiles.split("/", 3)[:3])
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "img-src 'self'", f"img-src 'self' {origin}"
        )
    response.headers["Server"] = SERVER
    if not request.path.startswith(STATIC_PREFIX):
        # Pages may show personal data: never store them in a cache.
        response.headers.setdefault("Cache-Control", "no-store")
    if request.secure or request.config_dict[SETTINGS].web_https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
