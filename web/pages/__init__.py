"""Server-rendered pages in the NHS.UK design system. Every page reads and writes through the service
layer; a page decides nothing about who may do what."""
from flask import Blueprint

bp = Blueprint("pages", __name__)

from web.pages import admin, cases, cover, home, plan_editor, plans, policies, reports, rounds, staff_import, team  # noqa: E402,F401  (routes register on import)


@bp.app_context_processor
def navigation():
    """The header's links, by what the signed-in person does (their role assignments)."""
    from flask import url_for

    from workflow import access

    from web.services import service
    from web.pages.session import current_actor

    actor = current_actor()
    if actor is None:
        return {"nav_items": [], "signed_in_as": None}
    svc = service()
    may = access.held_capabilities(svc.session, actor).__contains__
    items = [{"href": url_for("pages.home"), "text": "Home"}]
    if may("manage_team"):
        items.append({"href": url_for("pages.team"), "text": "Your team"})
    if may("manage_team") or may("arrange_cover"):
        items.append({"href": url_for("pages.cover_page"), "text": "Cover"})
    for capability, queue, text in (("queue_mediations", "mediations", "Mediations"),
                                    ("queue_appeals", "appeals", "Appeals register"),
                                    ("queue_governance", "governance", "Governance queue"),
                                    ("queue_second_level", "second-level", "Second-level sign-off")):
        if may(capability):
            items.append({"href": url_for("pages.case_list", queue=queue), "text": text})
    if may("import_staff"):
        items.append({"href": url_for("pages.staff_import"), "text": "Import staff"})
    if may("run_round"):
        items.append({"href": url_for("pages.round_list"), "text": "Annual round"})
    if may("read_reports"):
        items.append({"href": url_for("pages.dashboard"), "text": "Dashboard"})
        items.append({"href": url_for("pages.report_index"), "text": "Reports"})
    if any(may(c) for c in admin.ADMIN_CAPABILITIES):
        items.append({"href": url_for("pages.admin_index"), "text": "Administration"})
    items.append({"href": url_for("pages.case_list"), "text": "All cases"})
    items.append({"href": url_for("pages.mail"), "text": "My emails"})
    from workflow.store.models import Person

    me = svc.session.get(Person, actor.person_id)
    return {"nav_items": items, "signed_in_as": me}
