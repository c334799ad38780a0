"""Server-rendered pages in the NHS.UK design system. Every page reads and writes through the service
layer; a page decides nothing about who may do what."""
from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import cases, home, plan_editor, plans, policies, reports, team  # noqa: E402,F401  (routes register on import)


@bp.app_context_processor
def navigation():
    """The header's links, by what the signed-in person does (their role assignments)."""
    from flask import url_for

    from workflow import access

    from ..app import service
    from .session import current_actor

    actor = current_actor()
    if actor is None:
        return {"nav_items": [], "signed_in_as": None}
    svc = service()
    roles = {a.role for a in access.assignments(svc.session, actor.person_id)}
    items = [{"href": url_for("pages.home"), "text": "Home"}]
    from sqlalchemy import select

    from workflow.models import Person

    if svc.session.scalar(select(Person.id).where(Person.manager_id == actor.person_id).limit(1)) is not None:
        items.append({"href": url_for("pages.team"), "text": "Your team"})
    if "medical_director" in roles:
        items.append({"href": url_for("pages.case_list", queue="mediations"), "text": "Mediations"})
    if roles & {"chief_executive_office", "medical_director"}:
        items.append({"href": url_for("pages.case_list", queue="appeals"), "text": "Appeals register"})
    if roles & {"medical_directorate", "hr"}:
        items.append({"href": url_for("pages.case_list", queue="governance"), "text": "Governance queue"})
    if "associate_medical_director" in roles:
        items.append({"href": url_for("pages.case_list", queue="second-level"), "text": "Second-level sign-off"})
    if roles & {"medical_director", "medical_directorate", "hr", "chief_executive_office",
                 "associate_medical_director"}:
        items.append({"href": url_for("pages.dashboard"), "text": "Dashboard"})
        items.append({"href": url_for("pages.report_index"), "text": "Reports"})
    items.append({"href": url_for("pages.case_list"), "text": "All cases"})
    items.append({"href": url_for("pages.mail"), "text": "My emails"})
    me = svc.session.get(Person, actor.person_id)
    return {"nav_items": items, "signed_in_as": me}
