"""Staff import from an HR/ESR extract: re-import updates and never duplicates; each row says what was
done or why it was refused."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.e2e.conftest import multipart
from workflow.store.models import OrgUnit, Person

HEADER = "id,name,email,role,staff group,contract,care group,team,manager\n"
GOOD = (HEADER +
        "E100,Dr Ada Lane,ada.lane@example.org,Clinical Director,Consultant,10 PA,Surgery,General Surgery,\n"
        "E101,Dr Bo Chen,bo.chen@example.org,Consultant Surgeon,Consultant,10 PAs,Surgery,General Surgery,E100\n"
        "E102,Cara Diaz,cara.diaz@example.org,Physiotherapist,Allied Health Professionals,37.5 hours,Surgery,Therapies,E100\n")


def upload(client, headers, text, name="esr.csv"):
    return client.post("/api/v1/people/import", headers=headers, **multipart(text.encode(), name, "text/csv"))


def test_good_rows_are_created_with_teams_and_managers(client, auth, trust, svc):
    r = upload(client, auth(trust.hr), GOOD)
    assert r.status_code == 200
    body = r.get_json()
    assert body["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    bo = svc.session.scalar(select(Person).where(Person.staff_number == "E101"))
    assert bo.manager.staff_number == "E100" and bo.contracted_pas == 10 and bo.staff_group == "consultant"
    assert bo.team.name == "General Surgery" and bo.team.parent.name == "Surgery" and bo.team.parent.kind == "care_group"
    cara = svc.session.scalar(select(Person).where(Person.staff_number == "E102"))
    assert cara.contracted_hours == 37.5 and cara.staff_group == "allied_health_professionals"


def test_re_import_updates_and_never_duplicates(client, auth, trust, svc):
    h = auth(trust.hr)
    upload(client, h, GOOD)
    before = svc.session.scalar(select(func.count(Person.id)))
    changed = GOOD.replace("Dr Bo Chen,bo.chen@example.org,Consultant Surgeon", "Dr Bo Chen,bo.chen@example.org,Lead Surgeon")
    body = upload(client, h, changed).get_json()
    assert body["summary"] == {"created": 0, "updated": 1, "unchanged": 2, "refused": 0}
    row = next(r for r in body["rows"] if r["staff_number"] == "E101")
    assert row["status"] == "updated" and row["messages"] == ["changed: job_title"]
    svc.session.expire_all()
    assert svc.session.scalar(select(func.count(Person.id))) == before
    assert svc.session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.name == "General Surgery")) == 1


def test_duplicate_and_malformed_rows_are_refused_with_reasons(client, auth, trust, svc):
    text = (HEADER +
            "E200,Dr Dee Fox,dee.fox@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,\n"
            "E200,Dr Dee Fox again,dee2@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,\n"  # same id
            "E201,Dr Eve Gray,dee.fox@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,\n"  # same email
            "E202,Dr No Mail,not-an-email,Consultant,Consultant,10 PA,Surgery,Ortho,\n"
            ",Nameless,nameless@example.org,,,,,,\n"
            "E203,Dr Odd Contract,odd@example.org,Consultant,Consultant,ten,Surgery,Ortho,\n"
            "E204,Dr Lost Boss,lost@example.org,Consultant,Consultant,10 PA,Surgery,Ortho,E999\n"
            "E205,Dr Orphan Team,orphan@example.org,Consultant,Consultant,10 PA,,Ortho,\n"
            f"E206,Dr Taken,{trust.doctor.email},Consultant,Consultant,10 PA,Surgery,Ortho,\n")
    body = upload(client, auth(trust.hr), text).get_json()
    by_row = {r["row"]: r for r in body["rows"]}
    assert by_row[2]["status"] == "created"
    assert by_row[3]["status"] == "refused" and "repeats row 2" in by_row[3]["messages"][0]
    assert by_row[4]["status"] == "refused" and "email" in by_row[4]["messages"][0]
    assert by_row[5]["status"] == "refused" and by_row[5]["messages"][0].startswith("email")
    assert by_row[6]["status"] == "refused" and by_row[6]["messages"][0].startswith("id")
    assert by_row[7]["status"] == "refused" and "contract" in by_row[7]["messages"][0]
    assert by_row[8]["status"] == "refused" and "manager E999" in by_row[8]["messages"][0]
    assert by_row[9]["status"] == "refused" and "care group" in by_row[9]["messages"][0]
    assert by_row[10]["status"] == "refused" and "belongs to another person" in by_row[10]["messages"][0]
    assert body["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "refused": 8}
    assert svc.session.scalar(select(func.count(Person.id)).where(Person.staff_number.like("E2%"))) == 1


def test_a_file_without_the_key_columns_is_refused_whole(client, auth, trust):
    r = upload(client, auth(trust.hr), "name,email\nA,a@example.org\n")
    assert r.status_code == 422 and "id" in r.get_json()["detail"]
    r = client.post("/api/v1/people/import", headers=auth(trust.hr), **multipart(b"\xff\xfe\x00bad", "x.csv", "text/csv"))
    assert r.status_code == 422


def test_only_hr_or_the_medical_directorate_may_import_002_5_6_5_7(client, auth, trust):
    assert upload(client, auth(trust.directorate), GOOD).status_code == 200
    for person in (trust.doctor, trust.manager, trust.amd, trust.md, trust.ceo):
        assert upload(client, auth(person), GOOD).status_code == 403
    assert upload(client, auth(trust.hr, roles=["practitioner"]), GOOD).status_code == 403  # the token's roles bind


def test_a_person_entered_by_hand_is_matched_by_email_and_given_the_staff_number(client, auth, trust, svc):
    text = HEADER + f"E300,{trust.colleague.name},{trust.colleague.email},Consultant,Consultant,10 PA,,,\n"
    trust.colleague.staff_number = None
    svc.session.commit()
    row = upload(client, auth(trust.hr), text).get_json()["rows"][0]
    assert row["status"] == "updated" and row["messages"][0].startswith("changed: staff_number")
    svc.session.expire_all()
    assert svc.session.get(Person, trust.colleague.id).staff_number == "E300"


def test_a_file_that_is_not_csv_is_refused_not_crashed(client, auth, trust):
    too_long = '"' + "A" * 200_000 + '"'  # past the csv module's field limit
    r = upload(client, auth(trust.hr), HEADER + f"E1,{too_long},a@example.org,,,,,,\n")
    assert r.status_code == 422 and r.mimetype == "application/problem+json"


# ---- issue 17 item 4: a preview first, dates, unknown columns, leavers by an explicit option ----------------

DATED = ("id,name,email,role,staff group,contract,care group,team,manager,start date,leave date,shoe size\n"
         "E200,Dr Eve Stone,eve.stone@example.org,Consultant,Consultant,10 PA,Surgery,General Surgery,,01/04/2027,,44\n"
         "E201,Dr Fay Ruiz,fay.ruiz@example.org,Consultant,Consultant,10 PA,Surgery,General Surgery,E200,,2027-01-31,39\n")


def test_import_dry_run_previews_every_row_and_writes_nothing_issue_17_item_4(client, auth, trust, svc):
    from workflow.store.models import Event

    h = auth(trust.hr)
    before = (svc.session.scalar(select(func.count(Person.id))), svc.session.scalar(select(func.count(Event.id))))
    r = client.post("/api/v1/people/import?dry_run=true", headers=h,
                    **multipart(DATED.encode(), "esr.csv", "text/csv"))
    body = r.get_json()
    assert r.status_code == 200 and body["dry_run"] is True
    assert body["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "refused": 0}
    assert body["unknown_columns"] == ["shoe size"]  # reported, not silently ignored
    svc.session.rollback()
    after = (svc.session.scalar(select(func.count(Person.id))), svc.session.scalar(select(func.count(Event.id))))
    assert after == before


def test_import_start_and_leave_dates_and_leavers_only_by_the_explicit_option_issue_17_item_4(client, auth, trust,
                                                                                              svc):
    from datetime import date

    from workflow.store.models import Event

    h = auth(trust.hr)
    body = client.post("/api/v1/people/import", headers=h, **multipart(DATED.encode(), "esr.csv", "text/csv")).get_json()
    eve = svc.session.scalar(select(Person).where(Person.staff_number == "E200"))
    fay = svc.session.scalar(select(Person).where(Person.staff_number == "E201"))
    assert eve.start_date == date(2027, 4, 1)
    assert fay.active is True and body["leavers"] == ["E201"]  # reported, not deactivated without the option
    assert "still active" in next(r for r in body["rows"] if r["staff_number"] == "E201")["messages"][-1]
    body = client.post("/api/v1/people/import?deactivate_leavers=true", headers=h,
                       **multipart(DATED.encode(), "esr.csv", "text/csv")).get_json()
    svc.session.expire_all()
    assert svc.session.get(Person, fay.id).active is False and svc.session.get(Person, eve.id).active is True
    assert body["summary"]["updated"] == 1
    again = client.post("/api/v1/people/import?deactivate_leavers=true", headers=h,
                        **multipart(DATED.encode(), "esr.csv", "text/csv")).get_json()
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 2, "refused": 0}  # idempotent
    audit = svc.session.scalars(select(Event).where(Event.kind == "staff_import").order_by(Event.id)).all()
    assert audit[-1].payload["leavers"] == ["E201"] and audit[-1].payload["unknown_columns"] == ["shoe size"]
    changed = svc.session.scalars(select(Event).where(Event.kind == "person_changed",
                                                      Event.subject == f"person:{fay.id}")).all()
    assert any(e.payload["changed"].get("active") == [True, False] for e in changed)


def test_import_refuses_a_bad_date_on_its_row_only(client, auth, trust, svc):
    text = DATED.replace("01/04/2027", "31/02/2027")
    body = client.post("/api/v1/people/import", headers=auth(trust.hr),
                       **multipart(text.encode(), "esr.csv", "text/csv")).get_json()
    row = next(r for r in body["rows"] if r["staff_number"] == "E200")
    assert row["status"] == "refused" and "start date" in row["messages"][0]


def test_import_cli_previews_then_applies_the_same_import_issue_17_item_4(app, trust, svc, tmp_path):
    from web.cli import main

    path = tmp_path / "esr.csv"
    path.write_text(DATED)
    run = app.test_cli_runner().invoke
    preview = run(main, ["people", "import", str(path), "--as", trust.hr.email])
    assert preview.exit_code == 0 and "preview only, nothing written (2 created" in preview.output
    assert "unknown columns, not read: shoe size" in preview.output
    assert svc.session.scalar(select(Person).where(Person.staff_number == "E200")) is None
    applied = run(main, ["people", "import", str(path), "--as", trust.hr.email, "--apply"])
    assert applied.exit_code == 0 and "imported: 2 created" in applied.output
    refused = run(main, ["people", "import", str(path), "--as", trust.doctor.email, "--apply"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output and "HR" in refused.output
