"""Cases: list with filters, detail with what the caller may do now, start, fire a trigger; deadlines."""
from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_smorest import Page

from workflow.rules.payload import FORMATS
from workflow.service import cases as case_queries
from workflow.service.participants import case_participants, linked_cases

from web.api.common import IF_MATCH, ListBlueprint, actor, document_errors, etag, expected_version, keyset_page, svc
from web.api.schemas import (CaseCreateSchema, CaseDetailSchema, CaseSchema, CasesQuery, DeadlineSchema, DeadlinesQuery,
                      FireResultSchema, FireSchema, ParticipantSchema)

blp = ListBlueprint("cases", __name__, url_prefix="/api/v1", description="Cases and their deadlines")
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "Send it back in If-Match to change the case"}}


def _field(f):
    return {"name": f.name, "type": f.type, "required": f.required, "label": f.label, "choices": list(f.choices),
            "clause": f.clause, "format": FORMATS.get(f.type)}


def case_detail(s, who, case_id):
    case = s.get_case(who, case_id)
    state = s.policy_of(case).workflow(case.workflow).state(case.state)
    triggers = [{"trigger": t.trigger, "title": t.title, "dest": t.dest, "roles": list(t.roles), "clause": t.clause,
                 "reason_required": t.reason_required, "payload": [_field(f) for f in t.payload],
                 "unavailable": t.unavailable}
                for t in s.available_triggers(who, case_id)]
    body = {c: getattr(case, c) for c in CaseSchema().fields}
    body.update(state_title=state.title, next_step=state.next_step, data=case.data or {},
                my_roles=sorted(s.roles_on(who, case)), triggers=triggers,
                deadlines=case_queries.case_deadlines(s, who, case_id))
    parent, children = linked_cases(s, who, case)
    body.update(parent_id=parent, child_ids=children,
                links={"self": f"/api/v1/cases/{case.id}", "participants": f"/api/v1/cases/{case.id}/participants",
                       "parent": f"/api/v1/cases/{parent}" if parent else None,
                       "children": [f"/api/v1/cases/{c}" for c in children]})
    return body, 200, {"ETag": etag("case", case.id, case.version)}


@blp.route("/cases")
class Cases(MethodView):
    @blp.arguments(CasesQuery, location="query")
    @blp.response(200, CaseSchema(many=True))
    @blp.paginate(page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 422)
    def get(self, args, pagination_parameters):
        """Cases the caller may see, filtered by state, policy, workflow, the caller's role, person, overdue;
        earliest open deadline first (cases with none last), then by id, as the case list page shows them.
        100 a page by default (``page_size`` up to 1,000). ``cursor``: the ``next_cursor`` of the page before
        (X-Pagination; the ``Link`` header's ``rel="next"`` is the next page's address), a keyset page as fast
        deep in the list as at its start; or ``page`` by number. X-Pagination counts up to 1,000 (``total``),
        beyond that it says ``more_than: 1000``."""
        found = case_queries.find_cases(svc(), actor(), state=args.get("state"), policy_id=args.get("policy"),
                                        workflow=args.get("workflow"), role=args.get("role"),
                                        person_id=args.get("person"), overdue=args.get("overdue"),
                                        open_only=args.get("open", False))
        p = pagination_parameters
        return keyset_page(p, found.page(page_size=p.page_size, page=p.page, cursor=args.get("cursor"),
                                         after_id=args.get("after")))

    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseDetailSchema, headers=ETAG_HEADER)
    @document_errors(blp, 401, 403, 404, 422)
    def post(self, data):
        """Start a case (a sign-off is started by the clinical manager or the Medical Directorate). The case's
        clinical manager is the practitioner's manager on the trust's record; a request cannot name one."""
        s = svc()
        case = case_queries.start_case(s, actor(), data["workflow"], data["subject_id"], policy_id=data["policy_id"],
                                       job_plan_id=data["job_plan_id"])
        body, _, headers = case_detail(s, actor(), case.id)
        return body, 201, headers


@blp.route("/cases/<int(min=1, max=2147483647):case_id>")
class CaseResource(MethodView):
    @blp.response(200, CaseDetailSchema, headers=ETAG_HEADER)
    @document_errors(blp, 401, 404)
    def get(self, case_id):
        """The case, what the caller may do on it now (and what each step needs), and its deadlines."""
        return case_detail(svc(), actor(), case_id)


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/triggers/<string(maxlength=60):trigger>")
class FireTrigger(MethodView):
    @blp.arguments(FireSchema)
    @blp.response(200, FireResultSchema, headers=ETAG_HEADER)
    @document_errors(blp, 401, 403, 404, 409, 422, 428)
    @blp.doc(parameters=[IF_MATCH])
    def post(self, data, case_id, trigger):
        """Fire a trigger with its payload (and a reason where the step needs one). Needs If-Match."""
        s = svc()
        s.get_case(actor(), case_id)  # 404 before 428 for a case the caller may not see
        result = s.fire(actor(), case_id, trigger, data["payload"], expected_version=expected_version("case", case_id),
                        reason=data["reason"])
        return asdict(result), 200, {"ETag": etag("case", result.case_id, result.version)}


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/participants")
class CaseParticipants(MethodView):
    @blp.response(200, ParticipantSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 404)
    def get(self, case_id):
        """Who holds which seat on the case: practitioner, clinical manager, and everyone named on it (mediator,
        panel chair and members, nominee), with each one's status (an objected-to member is marked)."""
        return [asdict(seat) for seat in case_participants(svc(), actor(), case_id)]


@blp.route("/cases/<int(min=1, max=2147483647):case_id>/deadlines")
class CaseDeadlines(MethodView):
    @blp.response(200, DeadlineSchema(many=True))
    @blp.paginate(Page, page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 404)
    def get(self, case_id):
        return case_queries.case_deadlines(svc(), actor(), case_id)


@blp.route("/deadlines")
class Deadlines(MethodView):
    @blp.arguments(DeadlinesQuery, location="query")
    @blp.response(200, DeadlineSchema(many=True))
    @blp.paginate(page_size=100, max_page_size=1000)
    @document_errors(blp, 401, 422)
    def get(self, args, pagination_parameters):
        """Deadlines of the cases the caller may see, soonest first (then by id); 100 a page by default. Pages
        as the case list does: ``cursor`` (the ``next_cursor`` of the page before, or follow the ``Link`` header)
        or ``page``; X-Pagination counts up to 1,000, beyond that ``more_than: 1000``."""
        p = pagination_parameters
        return keyset_page(p, case_queries.deadline_page(svc(), actor(), page_size=p.page_size, page=p.page,
                                                         cursor=args.get("cursor"), status=args.get("status"),
                                                         overdue=args.get("overdue")))
