"""Who is calling the API: an API token (``Authorization: Bearer ...``) or a signed-in browser session.
A session may only change things with the CSRF token in ``X-CSRFToken``; a token never needs one."""
from __future__ import annotations

from flask import abort, g, request
from flask_login import current_user

from workflow.actors import Actor
from workflow.service import signin

OPEN_PATHS = ("/api/v1/openapi.json", "/api/v1/docs")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def authenticate_api_request():
    """before_request: set ``g.actor`` for every API call, or answer 401."""
    if not request.path.startswith("/api/v1") or request.path.startswith(OPEN_PATHS):
        return None
    from web.services import service
    from web.extensions import csrf

    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        actor = signin.actor_for_token(service(), secret.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            abort(401, "the API token is unknown, revoked or malformed")
        g.actor = actor
        return None
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.actor = Actor.person(current_user.person_id, current_user.name)
        return None
    abort(401, "sign in, or send an API token as 'Authorization: Bearer <token>'")


def actor() -> Actor:
    return g.actor
