"""Who is signed in, as the service layer's Actor."""
from __future__ import annotations

from functools import wraps

from flask import redirect, request, url_for

from workflow.actors import Actor


def current_actor() -> Actor | None:
    from flask_login import current_user

    if current_user is None or not current_user.is_authenticated:
        return None
    return Actor.person(current_user.person_id, current_user.name)


def signed_in(view):
    """Pages need a signed-in person; the login page brings them back here afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        actor = current_actor()
        if actor is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(actor, *args, **kwargs)

    return wrapper
