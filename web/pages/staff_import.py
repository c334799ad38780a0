"""The staff import as a page (issue 17 item 4): upload the HR/ESR extract, read the preview (every row as it
would be written, unknown columns named), then import it. The same service call as the API and the CLI."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from workflow import access, limits
from workflow.errors import WorkflowError
from workflow.service import people

from web.pages import bp
from web.pages.session import signed_in
from web.services import service


@bp.get("/people/import")
@signed_in
def staff_import(actor):
    if not access.may(service().session, actor, "import_staff"):
        abort(403)
    return render_template("pages/staff_import.html", report=None, text=None, deactivate=False)


@bp.post("/people/import")
@signed_in
def staff_import_post(actor):
    svc = service()
    if not access.may(svc.session, actor, "import_staff"):
        abort(403)
    deactivate = request.form.get("deactivate_leavers") == "yes"
    apply = request.form.get("action") == "import"
    if apply:
        text = request.form.get("text", "")
    else:
        upload = request.files.get("file")
        raw = upload.read(limits.STAFF_IMPORT_BYTES + 1) if upload else b""
        if not raw or len(raw) > limits.STAFF_IMPORT_BYTES:
            flash("Choose the staff extract (a CSV file)" if not raw else
                  f"The file is larger than {limits.STAFF_IMPORT_BYTES} bytes: split it", "warning")
            return redirect(url_for("pages.staff_import"))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            flash("The file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again", "warning")
            return redirect(url_for("pages.staff_import"))
    try:
        report = people.import_staff_csv(svc, actor, text, dry_run=not apply, deactivate_leavers=deactivate)
    except WorkflowError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("pages.staff_import"))
    if apply:
        counts = ", ".join(f"{n} {s}" for s, n in report.summary().items())
        flash(f"Staff imported: {counts}.", "success")
    return render_template("pages/staff_import.html", report=report, text=None if apply else text,
                           deactivate=deactivate)
