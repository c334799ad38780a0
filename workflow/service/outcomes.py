"""What a deciding step tells the parties beyond "it happened": the written outcome as a PDF letter, stored on
the case as a document and attached to the step's email, and the facts a reader needs to act on it.

- The Medical Director's decision (002 7.8.5; the step tagged ``decision_letter``): the decision, the last
  day to appeal (7.8.8; the appeal route's ``appeal_window`` clock, counted from today as it will be when the
  appeal case opens in this same step), and the letter.
- The board's decision on an appeal (7.8.9; ``board_decision``): the decision and the letter.
- A panel member allocated from the approved list (7.8.10-7.8.12; ``panel_allocation``): who, and the last
  day to object. The source sets no time limit for an objection; we choose (local_choice, see below) the last
  day of the case's earliest open clock, the panel's meeting, since the objection must be settled before it sits.
- A plan agreed with additional PAs (7.2.2, Appendix 1): the fixed-term contract letter for each entry.

Runs inside the step's operation, after its actions: the documents and their audit events belong to it."""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select

from workflow.actors import SYSTEM
from workflow.content.document import long_date
from workflow.delivery.notifications import Outcome, open_deadlines
from workflow.delivery.reader import short_day
from workflow.policy.tags import (ANNUAL_SIGN_OFF, APPEAL, APPEAL_WINDOW, BOARD_DECISION, DECISION_LETTER,
                                  PANEL_ALLOCATION, PLAN_AGREED)
from workflow.service import letter_pdf
from workflow.service.reports.letters import letter_for_plan
from workflow.store.models import CaseParticipant, Document, Event, JobPlan, JobPlanVersion, OrgUnit, Person
from workflow.timing.calendar import calendar_for

PDF = "application/pdf"

DECISION = """<p>{{ date }}</p>
<p>To: {{ practitioner }}{% if manager %}<br>and {{ manager }}, {{ manager_title }}{% endif %}</p>
<h1>Job plan disagreement: the Medical Director's decision</h1>
<p>The mediation meeting did not reach agreement. Under the job planning policy (Policy {{ clause }}) I have decided
the matter as follows.</p>
<p class="quote">{{ decision }}</p>
<p>If you are not satisfied with this outcome you may lodge a formal appeal in writing to the Chief Executive,
setting out the points in dispute and your reasons, as soon as possible and in any event within two weeks
(Policy {{ appeal_clause }}){% if appeal_by %}: the last day is <strong>{{ appeal_by }}</strong>{% endif %}.</p>
<p>Yours sincerely</p>
<p>{{ author }}<br>{{ author_title }}</p>
<p class="ref">Case {{ case_id }}</p>
"""

BOARD = """<p>{{ date }}</p>
<p>To: {{ practitioner }}{% if manager %}<br>and {{ manager }}, {{ manager_title }}{% endif %}</p>
<h1>Your job plan appeal: the trust board's decision</h1>
<p>The appeal panel heard the appeal and made its recommendation to the trust board (Policy {{ clause }}).
The board has decided: <strong>{{ decision }}</strong>.</p>
<p class="quote">{{ summary }}</p>
{% if version %}<p>The job plan takes the form of version {{ version }} as the board decided.</p>{% endif %}
{% if reason %}<p>The board departed from the panel's recommendation for this reason: {{ reason }}</p>{% endif %}
<p>Yours sincerely</p>
<p>{{ author }}<br>on behalf of the trust board</p>
<p class="ref">Case {{ case_id }}</p>
"""


def outcome_for(svc, ctx) -> Outcome | None:
    """The letter and lines a step's email carries, by the step's tags; None for an ordinary step."""
    tags = set(ctx.spec.tags) if ctx.spec is not None else set()
    if DECISION_LETTER in tags:
        return _decision(svc, ctx)
    if BOARD_DECISION in tags:
        return _board(svc, ctx)
    if PANEL_ALLOCATION in tags:
        return _allocation(ctx)
    if (ANNUAL_SIGN_OFF in ctx.workflow.tags and PLAN_AGREED in ctx.workflow.state(ctx.case.state).tags
            and ctx.spec is not None and ctx.spec.dest not in ctx.spec.sources):
        return _additional_pas(svc, ctx)
    return None


def trust_name(svc, person: Person) -> str:
    unit = person.team.ancestor("trust") if person.team is not None else None
    unit = unit or svc.session.scalar(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id))
    return unit.name if unit is not None else ""


def appeal_last_day(ctx) -> str | None:
    """The last day of the appeal window the decision opens: the appeal route's ``appeal_window`` clock,
    counted from today (it runs from the day the appeal case opens, which is this step)."""
    for wf in ctx.policy.workflows_tagged(APPEAL):
        for state in wf.states:
            for spec in state.deadlines:
                if APPEAL_WINDOW in spec.tags and spec.runs_from == "entered":
                    cal = calendar_for(ctx.policy)
                    return short_day(ctx.policy, cal.due_at(cal.local_date(ctx.now), spec.amount, spec.unit,
                                                            spec.counting))
    return None


def store(svc, ctx, filename: str, content: bytes) -> dict:
    """The letter as a document on the case (recorded in its audit log), and as an email attachment."""
    doc = Document(case_id=ctx.case.id, filename=filename, content_type=PDF, size=len(content),
                   sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_at=ctx.now,
                   uploaded_by_id=ctx.actor.person_id)
    ctx.session.add(doc)
    ctx.session.flush()
    # The service writes the letter, so the audit log records it as the service's (the step is the person's).
    svc.record_event(ctx.case, ctx.now, "document_attached", SYSTEM, "system", None, ctx.case.state,
                     ctx.case.state, {"document_id": doc.id, "filename": filename, "content_type": PDF,
                                      "size": len(content), "sha256": doc.sha256}, None, conn=ctx.connection)
    return {"filename": filename, "content_type": PDF, "content_base64": base64.b64encode(content).decode()}


def _parties(ctx) -> dict:
    case = ctx.case
    manager = case.manager or case.subject.manager
    manager_title = next((r.title for r in ctx.policy.roles.values() if r.scope == "manager"), "Manager")
    return {"practitioner": case.subject.name, "manager": manager.name if manager else None,
            "manager_title": manager_title, "date": long_date(ctx.now.date()), "case_id": case.id,
            "author": ctx.actor_name, "author_title": ctx.policy.roles[ctx.role].title}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _decision(svc, ctx) -> Outcome:
    appeal_by = appeal_last_day(ctx)
    appeal_clause = next((s.clause for wf in ctx.policy.workflows_tagged(APPEAL) for st in wf.states
                          for s in st.deadlines if APPEAL_WINDOW in s.tags), "")
    decision = str(ctx.values.get("decision") or "")
    values = {**_parties(ctx), "decision": decision, "appeal_by": appeal_by, "clause": ctx.spec.clause,
              "appeal_clause": appeal_clause}
    pdf = letter_pdf.render("The Medical Director's decision", trust_name(svc, ctx.case.subject),
                            letter_pdf.body(DECISION, **values))
    attachment = store(svc, ctx, f"medical-director-decision-{ctx.now.date().isoformat()}.pdf", pdf)
    details = [f"The decision: {decision}",
               (f"If you are not satisfied, you may appeal in writing to the Chief Executive; the last day to "
                f"appeal is {appeal_by} (Policy {appeal_clause})." if appeal_by else
                f"If you are not satisfied, you may appeal in writing to the Chief Executive (Policy {appeal_clause})."),
               "The decision letter is attached (PDF) and kept with the case's documents."]

    subject_id, name = ctx.case.subject_id, ctx.case.subject.name  # plain values: the closure holds no row

    def subject(reader: Person) -> str:
        if reader.id == subject_id:
            return (f"Decision on your job plan: appeal by {appeal_by} if you disagree" if appeal_by
                    else "Decision on your job plan")
        return f"The Medical Director's decision on {name}'s job plan"
    return Outcome(details=details, attachments=[attachment], subject=subject)


@dataclass(frozen=True)
class Recommendation:
    """What the step that brought an appeal to the board recorded (002 7.8.9: the panel's recommendation), shown
    beside the board's choice so the form says what the board normally accepts."""
    step: str
    choice: str | None            # the recommended decision, as the board's choices name it
    lines: tuple[str, ...]        # each recorded field, "label: value"


def recommendation_before(svc, actor, case_id: int, spec) -> Recommendation | None:
    """For a step tagged ``board_decision``: the recommendation the case carries, from the event that moved it
    into its present state; None for any other step or when that step recorded nothing."""
    if spec is None or BOARD_DECISION not in spec.tags:
        return None
    case = svc.get_case(actor, case_id)
    event = svc.session.scalars(select(Event).where(Event.case_id == case.id, Event.to_state == case.state,
                                                    Event.from_state != case.state)
                                .order_by(Event.seq.desc())).first()
    if event is None or not event.payload:
        return None
    step = svc.policy_of(case).workflow(case.workflow).transition(event.trigger, event.from_state)
    fields_ = step.payload if step is not None else ()
    choices = next((f.choices for f in spec.payload if f.type == "choice"), ())
    choice = next((event.payload.get(f.name) for f in fields_
                   if f.type == "choice" and event.payload.get(f.name) in choices), None)
    lines = tuple(f"{f.label or f.name}: {_human(event.payload[f.name]) if f.type == 'choice' else event.payload[f.name]}"
                  for f in fields_ if event.payload.get(f.name) not in (None, ""))
    return Recommendation(step.title if step is not None else event.trigger, choice, lines)


def _human(choice) -> str:
    text = str(choice or "").replace("_", " ")
    return text[:1].upper() + text[1:]


def _board(svc, ctx) -> Outcome:
    decision = next((_human(ctx.values.get(f.name)) for f in ctx.spec.payload if f.type == "choice"), "")
    summary = next((str(ctx.values.get(f.name)) for f in ctx.spec.payload if f.type == "text"
                    and ctx.values.get(f.name)), "")
    version = next((ctx.values.get(f.name) for f in ctx.spec.payload if f.type == "int"), None)
    if any(f.type == "plan" and ctx.values.get(f.name) for f in ctx.spec.payload):  # the board varied the plan
        data = ctx.case.data or {}
        version = f"{data.get('adopted_version')}, version {data.get('varied_from')} as the board varied it"
    values = {**_parties(ctx), "decision": decision, "summary": summary, "version": version,
              "reason": ctx.reason, "clause": ctx.spec.clause}
    pdf = letter_pdf.render("The trust board's decision", trust_name(svc, ctx.case.subject),
                            letter_pdf.body(BOARD, **values))
    attachment = store(svc, ctx, f"board-decision-{ctx.now.date().isoformat()}.pdf", pdf)
    details = [f"The board's decision: {decision}. {summary}".rstrip(),
               "The decision letter is attached (PDF) and kept with the case's documents."]

    subject_id, name = ctx.case.subject_id, ctx.case.subject.name

    def subject(reader: Person) -> str:
        whose = "your job plan appeal" if reader.id == subject_id else f"{name}'s appeal"
        return f"The board's decision on {whose}: {decision}"
    return Outcome(details=details, attachments=[attachment], subject=subject)


def _allocation(ctx) -> Outcome | None:
    """Who now sits from the approved list, and the last day to object (local_choice: the panel's meeting)."""
    member = ctx.session.scalars(select(CaseParticipant).where(
        CaseParticipant.case_id == ctx.case.id, CaseParticipant.status == "active",
        CaseParticipant.added_at == ctx.now).order_by(CaseParticipant.id.desc())).first()
    if member is None:
        return None
    name = member.person.name if member.person is not None else (member.name or "")
    seat = ctx.policy.roles[member.role].title if member.role in ctx.policy.roles else "Panel member"
    due = next(iter(open_deadlines(ctx)), None)
    last_day = short_day(ctx.policy, due.due_at) if due is not None else None
    objection = next((t for t in ctx.workflow.transitions_tagged(PANEL_ALLOCATION)
                      if ctx.case.state in t.sources and t.trigger != ctx.spec.trigger), None)
    details = [f"{seat}: {name}."]
    if objection is not None:
        details.append(f"You may object to this member once (Policy {objection.clause}); one alternative is then "
                       f"allocated" + (f". The last day to object is {last_day}, before the panel meets."
                                       if last_day else "."))

    def subject(reader: Person) -> str:
        if objection is not None and last_day:
            return f"Panel member allocated: {name}. Object by {last_day} if you need to"
        return f"Panel member allocated: {name}"
    return Outcome(details=details, subject=subject)


def _additional_pas(svc, ctx) -> Outcome | None:
    """Appendix 1: the fixed-term contract letter for each additional PAs entry of the plan just agreed."""
    if ctx.case.job_plan_id is None:
        return None
    agreed = ctx.session.execute(select(JobPlan.agreed_version, JobPlanVersion.content).join(
        JobPlanVersion, (JobPlanVersion.job_plan_id == JobPlan.id) & (JobPlanVersion.number == JobPlan.agreed_version))
        .where(JobPlan.id == ctx.case.job_plan_id)).first()
    entries = ((agreed.content or {}).get("additional_pas") or []) if agreed is not None else []
    if not entries:
        return None
    plan = ctx.session.get(JobPlan, ctx.case.job_plan_id)
    if plan.person is None:
        return None
    attachments, details = [], []
    for index in range(len(entries)):
        letter = letter_for_plan(svc, plan, index, version=plan.agreed_version)
        pdf = letter_pdf.render(letter.subject, letter.trust, _markup(letter.body_html))
        attachments.append(store(svc, ctx, f"additional-pas-letter-{_slug(letter.reference)}.pdf", pdf))
        details.append(f"Fixed-term contract letter for additional programmed activities ({letter.reference}) "
                       "attached (PDF), to sign and return.")
    if not attachments:
        return None
    return Outcome(details=details, attachments=attachments)


def _markup(html: str):
    from markupsafe import Markup

    return Markup(html)  # rendered by an autoescaping template in workflow.service.reports.letters

