"""The fixed-term contract letter for additional programmed activities (002 7.2.2, Appendix 1), made
from one ``additional_pas`` entry of a plan, as plain text and as HTML."""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, StrictUndefined
from sqlalchemy import select

from workflow.actors import Actor
from workflow.content.assess import version_of
from workflow.errors import ConditionFailed, NotFound
from workflow.store.models import OrgUnit
from workflow.service.plans import get_plan, today
from workflow.service.report_scope import care_group_of

TEXT = """Ref: JP/PA/{{ ref }}

{{ date }}

{{ name }}
{{ address }}

Dear {{ name }}

Fixed Term Contract for Additional Programmed Activities

{{ trust }} is pleased to offer {{ pas }} Additional Programmed Activities (APAs) for the period from {{ start }} to {{ end }} for {{ name }}. This contract for APAs is fixed term and will be reviewed at least annually as part of your Job Plan Review.

The Additional Programmed Activities are offered for: {{ reason }}

The terms and conditions of your APA(s) are as detailed in your Consultant Contract. Additional Programmed Activities will be readily identified in your Job Plan with a clear explanation of why they are to be undertaken.

Should either party wish to alter or terminate this fixed term contract before the end date, they may do so by notifying the other party in writing and giving 3 months notice that the Additional Programmed Activities will cease.

Yours Sincerely

{{ amd }}
Associate Medical Director

I hereby agree to undertake the Additional Programmed Activities specified and confirm that the details given are correct

Signed:
(Consultant)

Date:
"""

BODY = """<p>Ref: JP/PA/{{ ref }}</p>
<p>{{ date }}</p>
<address>{{ name }}<br>{{ address }}</address>
<p>Dear {{ name }}</p>
<h1>Fixed Term Contract for Additional Programmed Activities</h1>
<p>{{ trust }} is pleased to offer {{ pas }} Additional Programmed Activities (APAs) for the period from {{ start }} to {{ end }} for {{ name }}. This contract for APAs is fixed term and will be reviewed at least annually as part of your Job Plan Review.</p>
<p>The Additional Programmed Activities are offered for: {{ reason }}</p>
<p>The terms and conditions of your APA(s) are as detailed in your Consultant Contract. Additional Programmed Activities will be readily identified in your Job Plan with a clear explanation of why they are to be undertaken.</p>
<p>Should either party wish to alter or terminate this fixed term contract before the end date, they may do so by notifying the other party in writing and giving 3 months notice that the Additional Programmed Activities will cease.</p>
<p>Yours Sincerely</p>
<p>{{ amd }}<br>Associate Medical Director</p>
<p>I hereby agree to undertake the Additional Programmed Activities specified and confirm that the details given are correct</p>
<p>Signed:<br>(Consultant)</p>
<p>Date:</p>
"""

HTML = ("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fixed Term Contract for Additional Programmed Activities</title></head>
<body>
""" + BODY + """</body></html>
""")

_text_env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
_html_env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


@dataclass(frozen=True)
class Letter:
    reference: str
    subject: str
    text: str
    html: str
    body_html: str = ""   # the letter without its page: for the PDF (workflow.service.letter_pdf)
    trust: str = ""


def _long_date(d) -> str:
    from datetime import date

    d = d if isinstance(d, date) else date.fromisoformat(d)
    return f"{d.day} {d:%B %Y}"


def additional_pas_letter(svc, actor: Actor, plan_id: int, index: int = 0, *, version: int | None = None) -> Letter:
    """The Appendix 1 letter for the ``index``-th additional PAs entry of the plan's agreed version (else the
    current one)."""
    return letter_for_plan(svc, get_plan(svc, actor, plan_id), index, version=version)


def letter_for_plan(svc, plan, index: int = 0, *, version: int | None = None) -> Letter:
    """The same letter for a plan already allowed to the caller (or to the step that agreed it)."""
    plan_id = plan.id
    if plan.person is None:
        raise NotFound(f"job plan {plan_id} is a team plan; letters are for individual plans")
    v = version_of(plan, version or plan.agreed_version or plan.current_version)
    entries = v.content.get("additional_pas") or []
    if not 0 <= index < len(entries):
        raise ConditionFailed(f"version {v.number} of plan {plan_id} has {len(entries)} additional PA entries; "
                              f"there is no entry {index + 1}")
    a = entries[index]
    person = plan.person
    policy = svc.policies.latest(plan.policy_id)
    trust = svc.session.scalars(select(OrgUnit).where(OrgUnit.kind == "trust").order_by(OrgUnit.id)).first()
    group = care_group_of(person)
    address = ", ".join(x for x in (person.team.name if person.team else None, group.name if group else None) if x)
    values = {
        "ref": f"{plan.id}-{v.number}-{index + 1}", "date": _long_date(today(svc, policy)), "name": person.name,
        "address": address, "trust": trust.name if trust else "The Trust", "pas": f"{a['pas']:g}",
        "start": _long_date(a["start"]), "end": _long_date(a["end"]), "reason": a["reason"],
        "amd": a.get("agreed_by") or "",
    }
    return Letter(reference=f"JP/PA/{values['ref']}",
                  subject="Fixed Term Contract for Additional Programmed Activities",
                  text=_text_env.from_string(TEXT).render(**values), html=_html_env.from_string(HTML).render(**values),
                  body_html=_html_env.from_string(BODY).render(**values), trust=values["trust"])
