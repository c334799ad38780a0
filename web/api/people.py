"""Organisation units and people, and the staff import."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from workflow.service import people

from .common import actor, document_errors, svc
from .schemas import (CsvUpload, ImportReportSchema, OrgUnitSchema, PeopleQuery, PersonSchema)

blp = Blueprint("people", __name__, url_prefix="/api/v1", description="Organisation units and people")


@blp.route("/org-units")
class OrgUnits(MethodView):
    @blp.response(200, OrgUnitSchema(many=True))
    @document_errors(blp, 401)
    def get(self):
        """The trust, its care groups and teams."""
        return people.list_org_units(svc(), actor())


@blp.route("/people")
class People(MethodView):
    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, PersonSchema(many=True))
    @document_errors(blp, 401, 422)
    def get(self, args):
        """The staff directory."""
        return people.list_people(svc(), actor(), team_id=args.get("team"), active=args.get("active"))


@blp.route("/people/<int(min=1, max=2147483647):person_id>")
class PersonResource(MethodView):
    @blp.response(200, PersonSchema)
    @document_errors(blp, 401, 404)
    def get(self, person_id):
        return people.get_person(svc(), actor(), person_id)


@blp.route("/people/import")
class StaffImport(MethodView):
    @blp.arguments(CsvUpload, location="files")
    @blp.response(200, ImportReportSchema)
    @document_errors(blp, 401, 403, 413, 422)
    def post(self, files):
        """Import an HR/ESR staff extract (CSV: id, name, email, role, staff group, contract, care group,
        team, manager). A re-import updates by id; each row says what was done or why it was refused."""
        raw = files["file"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            from workflow.errors import InvalidPayload

            raise InvalidPayload("the file is not UTF-8 text", fields={"file": ["not UTF-8"]}) from None
        report = people.import_staff_csv(svc(), actor(), text)
        return {"summary": report.summary(),
                "rows": [{"row": r.row, "staff_number": r.staff_number, "status": r.status, "messages": r.messages}
                         for r in report.rows]}
