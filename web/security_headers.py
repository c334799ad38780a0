"""The security headers every answer carries, set in one after_request hook (issue 13 item 7).

Flask-Talisman was considered: its last release (1.1.0) is from 2023 and it does not set Cache-Control;
one hook of our own is shorter than configuring it around that. The Content-Security-Policy allows no
inline script: the pages load script from this site only, and the one inline line the NHS.UK page
template writes (marking the page as JavaScript-enabled) carries a per-request nonce, which the design
system's template supports (``cspNonce``)."""
from __future__ import annotations

import secrets

from flask import Flask, has_request_context, request

# mermaid writes a <style> element and style attributes into the SVG it draws, and takes no nonce; so the
# diagram page alone may use inline style (never inline script). Every other page has style from files.
INLINE_STYLE_ENDPOINTS = frozenset({"pages.diagram"})

# Files that carry nothing personal and may be cached: the design system, vendored scripts, our own
# static files and the API explorer's assets. Everything else is a page or an API answer: no-store.
CACHEABLE_ENDPOINTS = frozenset({"static", "assets.nhsuk_assets", "assets.favicon", "assets.stylesheet", "api_docs_assets.swagger_assets"})


HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=()")


def csp_nonce() -> str:
    """This request's nonce for the design system's inline line; made on first use. Kept in the WSGI
    environ, which belongs to one request (``g`` can outlive it when an app context is already pushed)."""
    return request.environ.setdefault("jobplan.csp_nonce", secrets.token_urlsafe(18))


def content_security_policy(nonce: str, inline_style: bool = False) -> str:
    style = "'self' 'unsafe-inline'" if inline_style else "'self'"
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src {style}",
        "img-src 'self' data:",
        "font-src 'self'",  # the design system's Arial fallback: no font comes from another host
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def set_security_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(
        csp_nonce(), inline_style=request.endpoint in INLINE_STYLE_ENDPOINTS)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:  # behind a proxy, as JOBPLAN_TRUSTED_PROXIES lets X-Forwarded-Proto say
        headers["Strict-Transport-Security"] = HSTS
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.context_processor(lambda: {"cspNonce": csp_nonce()} if has_request_context() else {})
