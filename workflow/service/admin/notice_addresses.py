"""The shared mailboxes a trust names for notices (issue 16 item 9; 002 7.6.7: the agreed plan goes to the care
group and to Finance): one address per organisation unit and purpose, set or cleared by whoever administers the
organisation, audited. A policy step names the purposes it tells (``notify_addresses``); the practitioner's
nearest unit with an address for that purpose receives it (a care group's own mailbox, the trust's Finance)."""
from __future__ import annotations

import re

from sqlalchemy import select

from workflow.actors import Actor
from workflow.service.admin.common import acting_role, audit, refuse
from workflow.store.models import NoticeAddress, OrgUnit
from workflow.store.uow import operation

PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EMAIL = re.compile(r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,255}\.[^@\s\x00.]{2,63}$")


def set_notice_address(svc, actor: Actor, org_unit_id: int, purpose: str, email: str | None) -> NoticeAddress | None:
    """Set (or with no email, clear) the address for ``purpose`` on the unit; refused, naming the field, when the
    purpose or address is malformed or the unit does not exist."""
    purpose = (purpose or "").strip()
    email = (email or "").strip() or None
    if not PURPOSE.match(purpose):
        refuse("purpose", "Name the purpose in lower_snake_case, for example care_group or finance")
    if email is not None and (len(email) > 320 or not EMAIL.match(email)):
        refuse("email", "Enter the mailbox as an email address, for example finance@trust.nhs.uk")
    with operation(svc.session):
        role = acting_role(svc, actor, "administer_organisation")
        unit = svc.session.get(OrgUnit, org_unit_id, with_for_update=True)  # one change of its addresses at a time
        if unit is None:
            refuse("org_unit_id", f"There is no organisation unit {org_unit_id}")
        row = svc.session.scalar(select(NoticeAddress).where(NoticeAddress.org_unit_id == unit.id,
                                                             NoticeAddress.purpose == purpose).with_for_update())
        before = row.email if row is not None else None
        if email is None:
            if row is not None:
                svc.session.delete(row)
            row = None
        elif row is None:
            row = NoticeAddress(org_unit_id=unit.id, purpose=purpose, email=email)
            svc.session.add(row)
        else:
            row.email = email
        if before != email:
            audit(svc, actor, role, "notice_address_set", f"org_unit:{unit.id}",
                  {"purpose": purpose, "before": before, "after": email})
        svc.session.flush()
    return row


def notice_addresses(svc, actor: Actor) -> list[NoticeAddress]:
    """Every address set, for the organisation's administrators."""
    acting_role(svc, actor, "administer_organisation")
    return list(svc.session.scalars(select(NoticeAddress).order_by(NoticeAddress.org_unit_id, NoticeAddress.purpose)))
