"""Organisation units and people, and the staff import."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint, Page

from workflow import limits
from workflow.service import people
from workflow.service.team import start_interim_plan, start_sign_off, team_of

from web.api.cases import ETAG_HEADER, case_detail
from web.api.common import actor, document_errors, etag, svc
from web.api.schemas import (CaseDetailSchema, CsvUpload, ImportQuery, ImportReportSchema, OrgUnitSchema, PeopleQuery, PersonSchema,
                      TeamMemberSchema)

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="Organisation units and people")


@blp.route("/org-units")
class OrgUnits(MethodView):
    @blp.response(200, OrgUnitSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401)
    def get(self):
        """The trust, its care groups and teams."""
        return people.list_org_units(svc(), actor())


@blp.route("/people")
class People(MethodView):
    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, PersonSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 422)
    def get(self, args):
        """The staff directory, by team, by whether active, by part of the name."""
        return people.list_people(svc(), actor(), team_id=args.get("team"), active=args.get("active"),
                                  name=args.get("name"))


@blp.route("/people/<int(min=1, max=2147483647):person_id>")
class PersonResource(MethodView):
    @blp.response(200, PersonSchema, headers={"ETag": {"schema": {"type": "string"},
                                                       "description": "Send it back in If-Match to change the person"}})
    @document_errors(blp, 401, 404)
    def get(self, person_id):
        p = people.get_person(svc(), actor(), person_id)
        return p, 200, {"ETag": etag("person", p.id, p.row_version)}


@blp.route("/people/import")
class StaffImport(MethodView):
    @blp.arguments(ImportQuery, location="query")
    @blp.arguments(CsvUpload, location="files")
    @blp.response(200, ImportReportSchema)
    @document_errors(blp, 401, 403, 413, 415, 422)
    def post(self, query, files):
        """Import an HR/ESR staff extract (CSV: id, name, email, role, staff group, contract, care group,
        team, manager). A re-import updates by id; each row says what was done or why it was refused."""
        raw = files["file"].read(limits.STAFF_IMPORT_BYTES + 1)
        if len(raw) > limits.STAFF_IMPORT_BYTES:
            from workflow.service.documents import DocumentTooLarge

            raise DocumentTooLarge(f"the file is larger than {limits.STAFF_IMPORT_BYTES} bytes; split it",
                                   fields={"file": ["too large"]})
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            from workflow.errors import InvalidPayload

            raise InvalidPayload("the file is not UTF-8 text", fields={"file": ["not UTF-8"]}) from None
        report = people.import_staff_csv(svc(), actor(), text, dry_run=query["dry_run"],
                                         deactivate_leavers=query["deactivate_leavers"])
        return {"summary": report.summary(), "dry_run": report.dry_run, "unknown_columns": report.unknown_columns,
                "leavers": report.leavers,
                "rows": [{"row": r.row, "staff_number": r.staff_number, "status": r.status, "messages": r.messages}
                         for r in report.rows]}


@blp.route("/team")
class Team(MethodView):
    @blp.response(200, TeamMemberSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401)
    def get(self):
        """The people the caller manages (their clinical manager, 002 5.4): the plan in force, the sign-off under
        way, the next review, and whether a new starter's interim plan may be started (7.4.3)."""
        return [{"person": m.person, "plan_in_force_id": m.in_force.id if m.in_force else None,
                 "agreed_version": m.in_force.agreed_version if m.in_force else None,
                 "open_sign_off_id": m.open_sign_off.id if m.open_sign_off else None, "open_state": m.open_state,
                 "review_due": m.review_due, "new_starter_case_id": m.new_starter.id if m.new_starter else None,
                 "can_start_interim": m.can_start_interim} for m in team_of(svc(), actor())]


@blp.route("/people/<int(min=1, max=2147483647):person_id>/sign-off")
class StartSignOff(MethodView):
    @blp.response(201, CaseDetailSchema, headers=ETAG_HEADER)
    @document_errors(blp, 401, 403, 404, 409)
    def post(self, person_id):
        """Start this year's sign-off (002 7.5, 7.7): a new plan copied from the one in force (or an empty draft)
        and its case, in one transaction. 409 while a sign-off is already under way."""
        return _started(start_sign_off, person_id)


@blp.route("/people/<int(min=1, max=2147483647):person_id>/interim-plan")
class StartInterimPlan(MethodView):
    @blp.response(201, CaseDetailSchema, headers=ETAG_HEADER)
    @document_errors(blp, 401, 403, 404, 409)
    def post(self, person_id):
        """Start a new starter's interim plan (002 7.4.3): an empty interim plan and the case whose one-month
        clock runs from their start date. 409 without a start date, with an agreed plan, or a second time."""
        return _started(start_interim_plan, person_id)


def _started(starter, person_id: int):
    s = svc()
    case = starter(s, actor(), person_id)
    body, _, headers = case_detail(s, actor(), case.id)
    return body, 201, headers
