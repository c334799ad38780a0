"""The caller's own browser sessions: which are open, and "sign out everywhere" (issue 13 item 5)."""
from __future__ import annotations

from flask import session
from flask.views import MethodView
from flask_smorest import Blueprint, Page

from workflow.service import sessions

from web.api.common import actor, document_errors, svc
from web.api.schemas import SessionsEndedSchema, SignInSessionSchema

blp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Your browser sessions")


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.response(200, SignInSessionSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401)
    def get(self):
        """Your browser sessions still open; ``current`` marks the one making this call, if any."""
        from web.auth import SESSION_KEY, session_limits

        key = session.get(SESSION_KEY)
        return [{"id": r.id, "started_at": r.started_at, "last_seen_at": r.last_seen_at,
                 "current": sessions.is_key_of(r, key)}
                for r in sessions.open_for_person(svc(), actor().person_id, session_limits())]

    @blp.response(200, SessionsEndedSchema)
    @document_errors(blp, 401)
    def delete(self):
        """Sign out everywhere: end every browser session you have, the calling one included. API tokens
        stay valid (revoke them with ``jobplan token revoke``)."""
        return {"ended": sessions.end_all_for_person(svc(), actor().person_id)}
