"""Organisation units and people, and the staff import from an HR/ESR extract.

The extract's columns: id, name, email, role, staff group, contract, care group, team, manager. ``id`` is
the staff (assignment) number and the key: a re-import updates the person with that number, never makes a
second one. Each row is reported as created, updated, unchanged or refused (with why); refused rows
change nothing, the others are written together in one transaction."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from workflow import access, limits
from workflow.actors import Actor
from workflow.errors import InvalidPayload, NotFound
from workflow.store.models import OrgUnit, Person
from workflow.service import trust_log
from workflow.store.uow import operation

REQUIRED_COLUMNS = ("id", "name", "email")
MAX_ROWS = limits.STAFF_IMPORT_ROWS


def list_org_units(svc, actor: Actor) -> list[OrgUnit]:
    return list(svc.session.scalars(select(OrgUnit).order_by(OrgUnit.id)))


def list_people(svc, actor: Actor, *, team_id=None, active=None, name: str | None = None,
                limit: int | None = None) -> list[Person]:
    """The staff directory: every signed-in person may read it (to name a mediator or a panel member).
    ``name``: people whose name contains it, whatever the case (a trust has thousands: search, do not scroll)."""
    q = select(Person).order_by(Person.name, Person.id)
    if team_id:
        q = q.where(Person.team_id == team_id)
    if active is not None:
        q = q.where(Person.active == active)
    if name and name.strip():
        q = q.where(Person.name.icontains(name.strip(), autoescape=True))
    if limit:
        q = q.limit(limit)
    return list(svc.session.scalars(q))


def get_person(svc, actor: Actor, person_id: int) -> Person:
    p = svc.session.get(Person, person_id)
    if p is None:
        raise NotFound(f"person {person_id} was not found")
    return p


class StaffRow(Schema):
    """One row of the extract, after the header is normalised (lower case, single spaces)."""

    class Meta:
        unknown = EXCLUDE

    staff_number = fields.String(data_key="id", required=True, validate=validate.Regexp(r"^[A-Za-z0-9\-]{1,40}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    job_title = fields.String(data_key="role", load_default=None, validate=validate.Length(max=200))
    staff_group = fields.String(data_key="staff group", load_default=None, validate=validate.Length(max=200))
    contract = fields.String(load_default=None, validate=validate.Length(max=200))
    care_group = fields.String(data_key="care group", load_default=None, validate=validate.Length(max=200))
    team = fields.String(load_default=None, validate=validate.Length(max=200))
    manager = fields.String(load_default=None, validate=validate.Length(max=200))
    start_date = fields.String(data_key="start date", load_default=None, validate=validate.Length(max=20))
    leave_date = fields.String(data_key="leave date", load_default=None, validate=validate.Length(max=20))


KNOWN_COLUMNS = ("id", "name", "email", "role", "staff group", "contract", "care group", "team", "manager",
                 "start date", "leave date")


def parse_date(text: str | None, column: str):
    """``2027-04-01`` or ESR's ``01/04/2027`` (day first) → a date; anything else is refused."""
    from datetime import date, datetime

    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            value = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not date(1950, 1, 1) <= value <= date(2100, 12, 31):
            break
        return value
    raise ValueError(f"{column} {text!r} is not a date like 2027-04-01 or 01/04/2027")


_CONTRACT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(pas?|programmed activities|h|hrs|hours)\s*$", re.I)


def parse_contract(text: str | None) -> tuple[float | None, float | None]:
    """``10 PA`` → (10, None); ``37.5 hours`` → (None, 37.5). Anything else is refused."""
    if not text or not text.strip():
        return None, None
    m = _CONTRACT.match(text)
    if not m:
        raise ValueError(f"contract {text!r} is not like '10 PA' or '37.5 hours'")
    amount = float(m.group(1))
    if amount <= 0 or amount > 100:
        raise ValueError(f"contract {text!r} is out of range")
    return (amount, None) if m.group(2).lower().startswith(("pa", "prog")) else (None, amount)


def _staff_group(text: str | None) -> str | None:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_") or None if text else None


@dataclass
class RowResult:
    row: int  # line number in the file (the header is line 1)
    staff_number: str | None
    status: str  # created | updated | unchanged | refused
    messages: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult]
    unknown_columns: list[str] = field(default_factory=list)  # reported, never silently ignored
    dry_run: bool = False
    leavers: list[str] = field(default_factory=list)  # staff numbers whose leave date has passed

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def summary(self) -> dict:
        return {s: self.count(s) for s in ("created", "updated", "unchanged", "refused")}


class _Preview(Exception):
    """Raised at the end of a dry run so its unit of work (or savepoint) undoes every write."""

    def __init__(self, report: ImportReport):
        self.report = report


def import_staff_csv(svc, actor: Actor, text: str, *, dry_run: bool = False,
                     deactivate_leavers: bool = False) -> ImportReport:
    """The one staff import (the API, the page and ``jobplan people import``). ``dry_run``: everything is
    worked out and reported exactly as it would be written, then undone. A row whose leave date has passed is
    a leaver: deactivated only with ``deactivate_leavers``, otherwise reported and left active."""
    access.require(svc.session, actor, "import_staff")
    try:
        return _import(svc, actor, text, dry_run, deactivate_leavers)
    except _Preview as preview:
        return preview.report


def _import(svc, actor: Actor, text: str, dry_run: bool, deactivate_leavers: bool) -> ImportReport:
    rows, unknown = _read(text)
    today = svc.clock.now().date()
    leavers: list[str] = []
    results: list[RowResult] = []
    parsed: dict[int, dict] = {}
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, raw in rows:
        res = RowResult(line, (raw.get("id") or "").strip() or None, "refused")
        results.append(res)
        clean = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in raw.items()}
        try:
            data = StaffRow().load({k: v for k, v in clean.items() if v is not None})
        except ValidationError as exc:
            res.messages = [f"{k}: {'; '.join(v) if isinstance(v, list) else v}" for k, v in exc.messages.items()]
            continue
        try:
            data["contracted_pas"], data["contracted_hours"] = parse_contract(data.pop("contract"))
            data["start_date"] = parse_date(data["start_date"], "start date")
            data["leave_date"] = parse_date(data["leave_date"], "leave date")
        except ValueError as exc:
            res.messages = [str(exc)]
            continue
        data["email"] = data["email"].lower()
        data["staff_group"] = _staff_group(data["staff_group"])
        if data["staff_number"] in seen_ids:
            res.messages = [f"id {data['staff_number']} repeats row {seen_ids[data['staff_number']]}"]
            continue
        if data["email"] in seen_emails:
            res.messages = [f"email {data['email']} repeats row {seen_emails[data['email']]}"]
            continue
        if data["team"] and not data["care_group"]:
            res.messages = ["a team needs its care group"]
            continue
        seen_ids[data["staff_number"]] = line
        seen_emails[data["email"]] = line
        parsed[line] = data

    with operation(svc.session):
        s = svc.session
        existing = {p.staff_number: p for p in s.scalars(select(Person).where(Person.staff_number.is_not(None)))}
        by_email = {p.email.lower(): p for p in s.scalars(select(Person))}
        # A manager must be a person already here or a row of this file that is accepted; refusing one row
        # may refuse the rows it manages, so repeat until nothing changes.
        changed = True
        while changed:
            changed = False
            for line, data in list(parsed.items()):
                res = results[[r.row for r in results].index(line)]
                mgr = data["manager"]
                if mgr and mgr not in existing and mgr not in {d["staff_number"] for d in parsed.values()}:
                    res.messages = [f"manager {mgr} is neither on record nor an accepted row of this file"]
                    del parsed[line]
                    changed = True
                    continue
                owner = by_email.get(data["email"])
                if owner is not None and owner.staff_number not in (None, data["staff_number"]):
                    res.messages = [f"email {data['email']} belongs to another person"
                                    f" (staff number {owner.staff_number or 'none'})"]
                    del parsed[line]
                    changed = True
                    continue
                if mgr == data["staff_number"]:
                    res.messages = ["a person cannot be their own manager"]
                    del parsed[line]
                    changed = True
        trust = s.scalar(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id))
        if trust is None and parsed:
            trust = OrgUnit(kind="trust", name="Trust")
            s.add(trust)
        people: dict[str, Person] = dict(existing)
        result_by_line = {r.row: r for r in results}
        before: dict[int, dict] = {}  # line -> what a person already on record held, for the audit log
        for line, data in parsed.items():
            res = result_by_line[line]
            team = _team(s, trust, data["care_group"], data["team"]) if data["care_group"] else None
            gone = data["leave_date"] is not None and data["leave_date"] <= today
            if gone:
                leavers.append(data["staff_number"])
            values = {"name": data["name"], "email": data["email"], "job_title": data["job_title"],
                      "staff_group": data["staff_group"], "contracted_pas": data["contracted_pas"],
                      "contracted_hours": data["contracted_hours"], "team": team,
                      "active": not (gone and deactivate_leavers)}
            if data["start_date"] is not None:
                values["start_date"] = data["start_date"]
            person = people.get(data["staff_number"])
            if person is not None:
                before[line] = _recorded(person)
            adopted = by_email.get(data["email"]) if person is None else None
            if adopted is not None:  # a person entered by hand, now matched to the extract by email
                before[line] = _recorded(adopted)
                adopted.staff_number = data["staff_number"]
                people[data["staff_number"]] = person = adopted
            if person is None:
                person = Person(staff_number=data["staff_number"], wants_digest=False, **values)
                s.add(person)
                people[data["staff_number"]] = person
                res.status = "created"
            else:
                changed_fields = [k for k, v in values.items() if getattr(person, k) != v]
                for k in changed_fields:
                    setattr(person, k, values[k])
                if adopted is not None:
                    changed_fields.insert(0, "staff_number")
                res.status = "updated" if changed_fields else "unchanged"
                res.messages = [f"changed: {', '.join(changed_fields)}"] if changed_fields else []
            if gone:
                res.messages.append(f"left on {data['leave_date']:%d %B %Y}: " + (
                    "deactivated" if deactivate_leavers else "still active (deactivate leavers to deactivate)"))
            elif data["leave_date"] is not None:
                res.messages.append(f"leaves on {data['leave_date']:%d %B %Y}")
        s.flush()
        for line, data in parsed.items():
            res = result_by_line[line]
            person = people[data["staff_number"]]
            manager = people.get(data["manager"]) if data["manager"] else None
            if person.manager_id != (manager.id if manager else None):
                person.manager = manager
                if res.status == "unchanged":
                    res.status, res.messages = "updated", ["changed: manager"]
                elif res.status == "updated":
                    res.messages = [res.messages[0] + ", manager"]
        report = ImportReport(results, unknown, dry_run, leavers)
        _record_import(svc, actor, results, parsed, people, before, report)
        if dry_run:
            raise _Preview(report)
    return report


AUDITED_FIELDS = ("staff_number", "name", "email", "job_title", "staff_group", "contracted_pas", "contracted_hours",
                  "team_id", "manager_id", "active", "start_date")


def _recorded(person: Person) -> dict:
    return {f: getattr(person, f) for f in AUDITED_FIELDS}


def _record_import(svc, actor: Actor, results, parsed, people, before, full: ImportReport) -> None:
    """The import as one event (its counts and who was created or changed), and each change to a person already
    on record (a new manager, a new job title...) as an event of that person, with the values before and after."""
    offices = access.CAPABILITIES["import_staff"].offices
    role = next((r for r in sorted(offices) if access.holds_office(svc.session, actor, {r})), trust_log.role_of(actor))
    report = ImportReport(results)
    svc.session.flush()
    created, changed = [], []
    for line, data in parsed.items():
        person = people[data["staff_number"]]
        if line not in before:
            created.append(person.id)
            continue
        after = _recorded(person)
        diff = {f: [before[line][f], after[f]] for f in AUDITED_FIELDS if before[line][f] != after[f]}
        if diff:
            changed.append(person.id)
            trust_log.record(svc, "person_changed", trust_log.subject_of("person", person.id), actor=actor, role=role,
                             payload={"by": "staff import", "changed": {f: [_json(a), _json(b)] for f, (a, b) in diff.items()}})
    trust_log.record(svc, "staff_import", "staff_import", actor=actor, role=role,
                     payload={"counts": report.summary(), "created": created, "changed": changed,
                              "refused_rows": [r.row for r in results if r.status == "refused"],
                              "unknown_columns": full.unknown_columns, "leavers": full.leavers,
                              "deactivate_leavers": any(not people[s].active for s in full.leavers if s in people)})


def _json(value):
    from datetime import date

    return value.isoformat() if isinstance(value, date) else value


def _team(s, trust, care_group: str, team: str | None) -> OrgUnit:
    group = s.scalar(select(OrgUnit).where(OrgUnit.kind == "care_group", OrgUnit.name == care_group))
    if group is None:
        group = OrgUnit(kind="care_group", name=care_group, parent=trust)
        s.add(group)
        s.flush()
    if not team:
        return group
    unit = s.scalar(select(OrgUnit).where(OrgUnit.kind == "team", OrgUnit.name == team,
                                          OrgUnit.parent_id == group.id))
    if unit is None:
        unit = OrgUnit(kind="team", name=team, parent=group)
        s.add(unit)
        s.flush()
    return unit


def _read(text: str) -> list[tuple[int, dict]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    if limits.has_nul(text):
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidPayload(f"the file contains a NUL character (\\0) on line {line}; it is not a CSV text file",
                             fields={"file": ["contains a NUL character"]})
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise InvalidPayload("the file is empty", fields={"file": ["no header row"]})
    reader.fieldnames = [" ".join(h.strip().lower().replace("_", " ").split()) for h in reader.fieldnames]
    unknown = [h for h in reader.fieldnames if h and h not in KNOWN_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in reader.fieldnames]
    if missing:
        raise InvalidPayload(f"the header lacks the columns: {', '.join(missing)}",
                             fields={"file": [f"missing column {c}" for c in missing]})
    out = []
    try:
        for raw in reader:
            if len(out) >= MAX_ROWS:
                raise InvalidPayload(f"more than {MAX_ROWS} rows; split the file", fields={"file": ["too many rows"]})
            raw.pop(None, None)  # cells past the header
            for h in unknown:
                raw.pop(h, None)
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            out.append((reader.line_num, raw))
    except csv.Error as exc:
        raise InvalidPayload(f"the file is not readable CSV near line {reader.line_num}: {exc}",
                             fields={"file": [str(exc)]}) from None
    return out, unknown
