"""The HTTP API under /api/v1 (flask-smorest): OpenAPI at /api/v1/openapi.json, Swagger UI at
/api/v1/docs served from the swagger-ui-bundle package (nothing from a CDN)."""
from __future__ import annotations

import http

from flask import Blueprint, abort, send_from_directory
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from workflow import limits
from workflow.errors import WorkflowError

from web.api import admin, audit, cases, cover, documents, people, plans, policies, reassign, reports, rounds, sessions, teams
from web.extensions import db
from web.guards import IdConverter
from web.api.auth import authenticate_api_request
from web.api.content_types import refuse_wrong_content_type
from web.problems import (PROBLEM_JSON, ProblemSchema, from_http_exception, from_workflow_error, page_for_workflow_error,
                       problem, wants_problem)

API_VERSION = "1"


class ProblemApi(Api):
    """flask-smorest's Api whose errors are RFC 9457 problem documents, documented as such."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException):
        if not wants_problem():
            return error  # pages keep Flask's own error pages
        return from_http_exception(error)


def init_api(app) -> ProblemApi:
    import swagger_ui_bundle

    app.config.setdefault("API_TITLE", "Job planning")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", "/api/v1/docs/assets/")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Job planning: sign-off, mediation and appeal, driven by policy files. "
                                "Errors are RFC 9457 problem documents. Changes need If-Match with the ETag. "
                                f"Input limits: no NUL character anywhere (400); a JSON body at most "
                                f"{limits.JSON_BODY_BYTES} bytes (413), {limits.JSON_DEPTH} levels deep, whole "
                                f"numbers at most {limits.INTEGER_DIGITS} digits (400); any request at most "
                                f"{limits.REQUEST_BYTES} bytes (413)."},
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token (jobplan token create)"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"}}},
    })

    api = ProblemApi(app)
    from workflow.content.schema import JobPlanContentSchema

    from web.api.schemas import plan_content2properties

    api.ma_plugin.converter.add_attribute_function(plan_content2properties)
    api.spec.components.schema("JobPlanContent", schema=JobPlanContentSchema)
    api.register_converter(IdConverter, integerconverter2paramschema)
    for module in (people, admin, plans, cases, audit, cover, documents, policies, reassign, reports, rounds, sessions, teams):
        api.register_blueprint(module.blp)

    assets = Blueprint("api_docs_assets", __name__)

    @assets.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=3600)

    app.register_blueprint(assets)
    app.before_request(authenticate_api_request)
    app.before_request(refuse_wrong_content_type)

    @app.errorhandler(WorkflowError)
    def _workflow_error(exc):
        if wants_problem():
            return from_workflow_error(exc)
        return page_for_workflow_error(exc)

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc):
        """A write that breaks a constraint (two requests racing for the same unique value) is a conflict
        the caller can retry, never a 500; the transaction has already been rolled back."""
        if wants_problem():
            return problem(409, "Conflict", "the change conflicts with data saved meanwhile; reload and try again",
                           code="conflict")
        raise exc

    @app.errorhandler(DataError)
    def _data_error(exc):
        """A value the database cannot hold (a number beyond its column's range) is the caller's error. The
        edge should have refused it with a field named; this is the net under it, logged to be fixed."""
        db.session.rollback()
        app.logger.warning("value refused by the database: %s", exc.orig)
        detail = "a value in the request is out of range for what it names; check the numbers sent"
        if wants_problem():
            return problem(422, "Unprocessable Content", detail, code="value_out_of_range")
        abort(400, detail)

    return api
