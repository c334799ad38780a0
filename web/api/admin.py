"""Administration (issue 17): care groups and teams, people, accounts, role assignments, the approved appeal
panel list, personal preferences, and governance data (agreed splits, risks). Changes need If-Match with the
ETag where a record is edited; the service decides who may (workflow.access) and audits every change."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from workflow.service import accounts
from workflow.service.admin import organisation, roles, staff
from workflow.service.reports import consistency, risks
from workflow.store.models import AgreedSplit, Person, Risk

from web.api.common import actor, document_errors, etag, expected_version, svc
from web.api.admin_schemas import (AccountChange, AssignmentCreate, AssignmentEdit, AssignmentOut, AssignmentsQuery,
                                   Handover, InviteOut, OrgUnitCreate, OrgUnitEdit, OrgUnitOut, PanelListOut,
                                   PanelMemberAdd, PanelReview, PersonCreate, PersonFields, PersonOut, Preferences,
                                   RiskIn, RiskOut, RoleOut, SplitIn, SplitOut)

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Setting the trust up and keeping it")
ETAG = {"ETag": {"schema": {"type": "string"}, "description": "Send it back in If-Match to change this record"}}
IF_MATCH = {"If-Match": {"in": "header", "required": True, "schema": {"type": "string"},
                         "description": "the ETag of the record you last read"}}
INT = "int(min=1, max=2147483647)"


def _unit(u):
    return u, 200, {"ETag": etag("orgunit", u.id, u.row_version)}


def person_body(p: Person) -> dict:
    group = p.team.ancestor("care_group") if p.team else None
    return {**{k: getattr(p, k) for k in PersonOut().fields if hasattr(p, k)},
            "team_id": p.team_id if p.team and p.team.kind == "team" else None,
            "care_group_id": group.id if group else None}


def _person(p: Person, status: int = 200):
    return person_body(p), status, {"ETag": etag("person", p.id, p.row_version)}


@blp.route("/org-units")
class OrgUnitsCreate(MethodView):
    @blp.arguments(OrgUnitCreate)
    @blp.response(201, OrgUnitOut, headers=ETAG)
    @document_errors(blp, 401, 403, 409, 422)
    def post(self, data):
        """Create a care group (under the trust) or a team (under a care group). The trust's administrator."""
        u = organisation.create_unit(svc(), actor(), data["kind"], data["name"], data.get("parent_id"))
        return u, 201, {"ETag": etag("orgunit", u.id, u.row_version)}


@blp.route(f"/org-units/<{INT}:unit_id>")
class OrgUnitResource(MethodView):
    @blp.response(200, OrgUnitOut, headers=ETAG)
    @document_errors(blp, 401, 404)
    def get(self, unit_id):
        return _unit(organisation.get_unit(svc(), actor(), unit_id))

    @blp.arguments(OrgUnitEdit)
    @blp.response(200, OrgUnitOut, headers=ETAG)
    @blp.doc(parameters=[{"name": "If-Match", **IF_MATCH["If-Match"]}])
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    def patch(self, data, unit_id):
        """Rename a unit, or move a team to another care group."""
        return _unit(organisation.edit_unit(svc(), actor(), unit_id, name=data.get("name"),
                                            parent_id=data.get("parent_id"),
                                            expected_version=expected_version("orgunit", unit_id)))


@blp.route("/people")
class PeopleCreate(MethodView):
    @blp.arguments(PersonCreate)
    @blp.response(201, PersonOut, headers=ETAG)
    @document_errors(blp, 401, 403, 409, 422)
    def post(self, data):
        """Create a staff record (the trust's administrator or HR). A leave date today or before makes a leaver."""
        return _person(staff.create_person(svc(), actor(), data), 201)


@blp.route(f"/people/<{INT}:person_id>")
class PersonEdit(MethodView):
    @blp.arguments(PersonFields)
    @blp.response(200, PersonOut, headers=ETAG)
    @blp.doc(parameters=[{"name": "If-Match", **IF_MATCH["If-Match"]}])
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    def patch(self, data, person_id):
        """Change a staff record; only the fields sent change. A leave date today or before deactivates the
        person: see ``/people/{id}/handover`` for their open cases and the people they manage."""
        return _person(staff.edit_person(svc(), actor(), person_id, data,
                                         expected_version=expected_version("person", person_id)))


@blp.route(f"/people/<{INT}:person_id>/handover")
class PersonHandover(MethodView):
    @blp.response(200, Handover)
    @document_errors(blp, 401, 403, 404)
    def get(self, person_id):
        """A leaver's open cases (as practitioner or clinical manager) and the people they manage: to reassign."""
        h = staff.handover(svc(), actor(), person_id)
        return {**h, "person": person_body(h["person"])}


@blp.route(f"/people/<{INT}:person_id>/invitation")
class PersonInvitation(MethodView):
    @blp.response(201, InviteOut)
    @document_errors(blp, 401, 403, 404, 409)
    def post(self, person_id):
        """Email the person a one-time link to set their password (it expires; a new one voids the old)."""
        link = accounts.invite(svc(), actor(), person_id)
        return {"person_id": link.person.id, "email": link.person.email, "expires_at": link.expires_at}, 201


@blp.route(f"/people/<{INT}:person_id>/account")
class PersonAccount(MethodView):
    @blp.arguments(AccountChange)
    @blp.response(200, PersonOut, headers=ETAG)
    @blp.doc(parameters=[{"name": "If-Match", **IF_MATCH["If-Match"]}])
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    def put(self, data, person_id):
        """Disable (sessions end now, no sign-in by any route) or enable a person's account."""
        return _person(accounts.set_sign_in(svc(), actor(), person_id, data["enabled"],
                                            expected_version=expected_version("person", person_id)))


@blp.route("/roles")
class Roles(MethodView):
    @blp.response(200, RoleOut(many=True))
    @document_errors(blp, 401)
    def get(self):
        """The roles that are held by assignment, and what each may be held over."""
        return [{"name": r.name, "title": r.title, "scopes": sorted(r.scopes)} for r in roles.catalogue(svc()).values()]


@blp.route("/role-assignments")
class RoleAssignments(MethodView):
    @blp.arguments(AssignmentsQuery, location="query")
    @blp.response(200, AssignmentOut(many=True))
    @document_errors(blp, 401, 422)
    def get(self, args):
        """Who holds which role, over what, from and to when."""
        return roles.list_assignments(svc(), actor(), role=args.get("role"), person_id=args.get("person"),
                                      current_only=args.get("current", False))

    @blp.arguments(AssignmentCreate)
    @blp.response(201, AssignmentOut, headers=ETAG)
    @document_errors(blp, 401, 403, 409, 422)
    def post(self, data):
        """Assign a role (the trust's administrator; the panel list also the Chief Executive's office)."""
        a = roles.assign(svc(), actor(), data["person_id"], data["role"], org_unit_id=data.get("org_unit_id"),
                         valid_from=data.get("valid_from"), valid_to=data.get("valid_to"))
        return a, 201, {"ETag": etag("assignment", a.id, a.row_version)}


@blp.route(f"/role-assignments/<{INT}:assignment_id>")
class RoleAssignmentResource(MethodView):
    @blp.response(200, AssignmentOut, headers=ETAG)
    @document_errors(blp, 401, 404)
    def get(self, assignment_id):
        from workflow.errors import NotFound
        from workflow.store.models import RoleAssignment

        a = svc().session.get(RoleAssignment, assignment_id)
        if a is None:
            raise NotFound(f"role assignment {assignment_id} was not found")
        return a, 200, {"ETag": etag("assignment", a.id, a.row_version)}

    @blp.arguments(AssignmentEdit)
    @blp.response(200, AssignmentOut, headers=ETAG)
    @blp.doc(parameters=[{"name": "If-Match", **IF_MATCH["If-Match"]}])
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    def patch(self, data, assignment_id):
        """Change the first or last day; a last day ends the assignment (the record stays)."""
        a = roles.change_dates(svc(), actor(), assignment_id, data,
                               expected_version=expected_version("assignment", assignment_id))
        return a, 200, {"ETag": etag("assignment", a.id, a.row_version)}


def _panel(p):
    return {"role": p.role, "members": p.members, "last_reviewed_on": p.last_reviewed_on,
            "review_months": p.review_months, "review_due_on": p.review_due_on, "review_overdue": p.review_overdue}


@blp.route("/panel-list")
class PanelList(MethodView):
    @blp.response(200, PanelListOut)
    @document_errors(blp, 401, 404)
    def get(self):
        """The approved appeal panel list (002 7.8.10), its last review, and whether a review is overdue."""
        return _panel(roles.panel_list(svc(), actor()))


@blp.route("/panel-list/members")
class PanelMembers(MethodView):
    @blp.arguments(PanelMemberAdd)
    @blp.response(201, AssignmentOut, headers=ETAG)
    @document_errors(blp, 401, 403, 404, 409, 422)
    def post(self, data):
        """Add a person to the list; to take someone off, set the last day of their role assignment."""
        s = svc()
        p = roles.panel_list(s, actor())
        a = roles.assign(s, actor(), data["person_id"], p.role, valid_from=data.get("valid_from"),
                         valid_to=data.get("valid_to"))
        return a, 201, {"ETag": etag("assignment", a.id, a.row_version)}


@blp.route("/panel-list/reviews")
class PanelReviews(MethodView):
    @blp.arguments(PanelReview)
    @blp.response(201, PanelListOut)
    @document_errors(blp, 401, 403, 404, 422)
    def post(self, data):
        """Record a review of the list (002 7.8.12 "regularly reviewed")."""
        return _panel(roles.record_review(svc(), actor(), data["reviewed_on"], data.get("note"))), 201


@blp.route("/me/preferences")
class MyPreferences(MethodView):
    @blp.response(200, Preferences)
    @document_errors(blp, 401)
    def get(self):
        p = svc().session.get(Person, actor().person_id)
        return {"daily_digest": bool(p.wants_digest)}

    @blp.arguments(Preferences)
    @blp.response(200, Preferences)
    @document_errors(blp, 401, 422)
    def put(self, data):
        """Your own preferences: one daily digest of your job planning emails instead of one email per step."""
        return {"daily_digest": staff.set_digest(svc(), actor(), data["daily_digest"]).wants_digest}


@blp.route("/agreed-splits")
class AgreedSplits(MethodView):
    @blp.response(200, SplitOut(many=True))
    @document_errors(blp, 401, 403)
    def get(self):
        """The DCC / SPA / other splits agreed per role and band (004 consistency panel)."""
        s = svc()
        consistency._require_trust_wide(s, actor(), "reading the agreed splits")
        return list(s.session.scalars(select(AgreedSplit).order_by(AgreedSplit.job_title, AgreedSplit.band)))

    @blp.arguments(SplitIn)
    @blp.response(200, SplitOut)
    @document_errors(blp, 401, 403, 409, 422)
    def put(self, data):
        """Agree the split for a role and band (replacing any agreed before); the consistency report reads it."""
        return consistency.set_agreed_split(svc(), actor(), data["job_title"], data.get("band"), dcc=data["dcc"],
                                            spa=data["spa"], other=data["other"], tolerance=data["tolerance"])


@blp.route("/risks")
class Risks(MethodView):
    @blp.response(200, RiskOut(many=True))
    @document_errors(blp, 401, 403)
    def get(self):
        """Risks in the caller's report scope, highest score first (002 7.10)."""
        s = svc()
        ids = [r["id"] for r in risks.risk_register(s, actor()).rows]
        found = {r.id: r for r in s.session.scalars(select(Risk).where(Risk.id.in_(ids)))} if ids else {}
        return [found[i] for i in ids]

    @blp.arguments(RiskIn)
    @blp.response(201, RiskOut)
    @document_errors(blp, 401, 403, 404, 422)
    def post(self, data):
        """Raise a risk for a care group with its owner; 12 or more is escalated to the Medical Directorate."""
        return risks.raise_risk(svc(), actor(), data["care_group_id"], title=data["title"],
                                description=data["description"], likelihood=data["likelihood"],
                                impact=data["impact"], job_plan_id=data.get("job_plan_id"),
                                owner_id=data.get("owner_id")), 201


@blp.route(f"/risks/<{INT}:risk_id>/close")
class RiskClose(MethodView):
    @blp.response(200, RiskOut)
    @document_errors(blp, 401, 403, 404)
    def post(self, risk_id):
        return risks.close_risk(svc(), actor(), risk_id)
