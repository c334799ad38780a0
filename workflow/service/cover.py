"""Deputies (issue 17 item 7): a clinical manager who is away names a deputy for a date range, and the deputy acts
with the manager's rights on the manager's cases while the cover is in force (``workflow.access.cover``).

Who names one: the manager themselves (as clinical manager; a token must allow that role), or for them the
Associate Medical Director of their care group, the Medical Directorate, HR or the trust's administrator
(capability ``arrange_cover``: the people who may already reassign the manager's cases or change their record).
The same people, and the deputy, may end a cover early.

The rules, decided here once:
- dates are local dates of the trust, both included; a cover starts today or later (rights are not granted for
  days gone by) and lasts at most ``MAX_DAYS`` (a longer absence is a reassignment of the cases, by the AMD);
- the deputy is an active member of staff whose account can sign in, not the manager, not anyone the manager
  manages, directly or through the chain (they would then act as clinical manager on their own plan or their own
  manager's: the rule that keeps a person from being their own manager, ``admin.staff``), and holds any role a
  policy lists in ``roles.<manager role>.appointed_from``;
- one cover for a manager at a time: an overlapping one is refused, naming the one in the way;
- no chains: a deputy who is away themselves over those days is refused, and so is a manager who is covering for
  someone else over those days (end that cover, or that manager names another deputy);
- a manager changed mid-cover: the deputy holds exactly what the manager holds on each case on the day, so a case
  moved to another manager (a reassignment, a new manager on record) leaves the cover with it.

Each change is a trust-level event of the manager (``person:<id>``), and the deputy is told by email, in the same
transaction (the outbox)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from workflow import access, limits
from workflow.access import cover as in_cover
from workflow.actors import Actor
from workflow.delivery.templates import Body, render_html, render_text
from workflow.errors import ConditionFailed, InvalidPayload, NotFound
from workflow.service import starts
from workflow.service.admin.common import acting_role, audit
from workflow.store import rows
from workflow.store.models import Case, DeputyCover, Person, RoleAssignment
from workflow.store.uow import operation
from workflow.timing.wording import format_day

CAPABILITY = "arrange_cover"
ON_BEHALF = "on_behalf_of"  # the event payload's key for a deputy's act: whom for, under which cover
MAX_DAYS = 366  # a year's leave at most; longer, the AMD reassigns the cases (002 5.3)


def _refuse(field: str, message: str):
    raise InvalidPayload(message, fields={field: [message]})


def _span(c: DeputyCover) -> str:
    return f"{format_day(c.starts_on)} to {format_day(c.ends_on)}"


def is_manager(session, person: Person) -> bool:
    """A clinical manager of record: someone is managed by them, or an open case names them its manager."""
    return (session.scalar(select(Person.id).where(Person.manager_id == person.id, Person.active.is_(True)).limit(1))
            is not None or session.scalar(select(Case.id).where(Case.manager_id == person.id,
                                                                Case.closed_at.is_(None)).limit(1)) is not None)


def _acting_role(svc, actor: Actor, manager: Person) -> str:
    """The manager for themselves, as clinical manager; else ``arrange_cover`` over the manager (403 saying who)."""
    if actor.person_id == manager.id and access.allows(actor, access.MANAGER_ROLE):
        return access.MANAGER_ROLE
    return acting_role(svc, actor, CAPABILITY, person=manager)


def _managed_by(person: Person, manager: Person) -> bool:
    """``person`` is managed by ``manager``, directly or through the chain."""
    seen, cur = set(), person.manager
    while cur is not None and cur.id not in seen:
        if cur.id == manager.id:
            return True
        seen.add(cur.id)
        cur = cur.manager
    return False


def _overlapping(session, starts_on: date, ends_on: date):
    return (DeputyCover.ended_at.is_(None), DeputyCover.starts_on <= ends_on, DeputyCover.ends_on >= starts_on)


def _check_dates(today: date, starts_on: date, ends_on: date) -> None:
    if starts_on < today:
        _refuse("starts_on", f"A cover starts today ({format_day(today)}) or later: rights are not given for days "
                             "gone by")
    if starts_on > today + timedelta(days=MAX_DAYS):
        _refuse("starts_on", f"A cover is arranged at most {MAX_DAYS} days ahead")
    if ends_on < starts_on:
        _refuse("ends_on", "The last day of cover is before its first day")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        _refuse("ends_on", f"A cover lasts at most {MAX_DAYS} days; for a longer absence the Associate Medical "
                           "Director reassigns the manager's cases")


def _check_deputy(svc, manager: Person, deputy: Person, starts_on: date, ends_on: date) -> None:
    session = svc.session
    if deputy.id == manager.id:
        _refuse("deputy_id", "Nobody is their own deputy: choose someone else to cover")
    if not deputy.active:
        _refuse("deputy_id", f"{deputy.name} has left (inactive): a deputy is a current member of staff")
    if deputy.sign_in_disabled:
        _refuse("deputy_id", f"{deputy.name}'s account is disabled, so they could not act as deputy")
    if _managed_by(deputy, manager):
        _refuse("deputy_id", f"{deputy.name} is managed by {manager.name}: as deputy they would act as clinical "
                             "manager on their own job plan or their own manager's. Choose someone outside "
                             f"{manager.name}'s team")
    wanted = sorted({r for p in svc.policies.all() for r in (p.roles[n].appointed_from for n in p.roles
                                                             if p.roles[n].scope == "manager") for r in r})
    if wanted and session.scalar(select(RoleAssignment.id).where(
            RoleAssignment.person_id == deputy.id, RoleAssignment.role.in_(wanted),
            access.in_force(session)).limit(1)) is None:
        _refuse("deputy_id", f"{deputy.name} cannot hold the clinical manager's role: it is held by "
                             f"{' or '.join(r.replace('_', ' ') for r in wanted)}")
    away = session.scalars(select(DeputyCover).where(DeputyCover.manager_id == deputy.id,
                                                     *_overlapping(session, starts_on, ends_on))).first()
    if away is not None:
        _refuse("deputy_id", f"{deputy.name} is away themselves from {_span(away)} ({away.deputy.name} covers for "
                             "them): choose someone who is here on those days")


def name_deputy(svc, actor: Actor, manager_id: int, deputy_id: int, starts_on: date, ends_on: date,
                reason: str | None = None) -> DeputyCover:
    """Arrange a cover; the new row. Refusals name the field and say why (422), or the cover in the way (409)."""
    limits.check_text("reason", reason, limits.REASON_CHARS)
    with operation(svc.session):
        session = svc.session
        if session.get(Person, manager_id) is None:
            raise NotFound(f"person {manager_id} was not found")
        if session.get(Person, deputy_id) is None:
            _refuse("deputy_id", f"person {deputy_id} was not found")
        # Both rows locked, in id order: covers of the same people are arranged one after the other, so the
        # overlap and "away themselves" checks hold under concurrent requests (and two requests never deadlock).
        locked = {p: starts.lock_person(session, p) for p in sorted({manager_id, deputy_id})}
        manager, deputy = locked[manager_id], locked[deputy_id]
        acted = _acting_role(svc, actor, manager)
        if not is_manager(session, manager):
            _refuse("manager_id", f"{manager.name} is nobody's clinical manager on record: there are no cases to "
                                  "cover")
        _check_dates(access.today(session), starts_on, ends_on)
        _check_deputy(svc, manager, deputy, starts_on, ends_on)
        clash = session.scalars(select(DeputyCover).where(DeputyCover.manager_id == manager.id,
                                                          *_overlapping(session, starts_on, ends_on))).first()
        if clash is not None:
            raise ConditionFailed(f"{clash.deputy.name} already covers for {manager.name} from {_span(clash)}; a "
                                  "manager has one deputy at a time. End that cover first, or choose days outside it")
        covering = session.scalars(select(DeputyCover).where(DeputyCover.deputy_id == manager.id,
                                                             *_overlapping(session, starts_on, ends_on))).first()
        if covering is not None:
            raise ConditionFailed(f"{manager.name} covers for {covering.manager.name} from {_span(covering)}; "
                                  "someone away cannot cover. End that cover first (or "
                                  f"{covering.manager.name} names another deputy)")
        now = svc.clock.now()
        row = DeputyCover(manager_id=manager.id, deputy_id=deputy.id, starts_on=starts_on, ends_on=ends_on,
                          reason=(reason or "").strip() or None, arranged_by_id=actor.person_id, arranged_at=now)
        session.add(row)
        session.flush()
        _refresh_covered_until(session, manager)
        audit(svc, actor, acted, "deputy_named", f"person:{manager.id}",
              {"cover_id": row.id, "deputy_id": deputy.id, "deputy": deputy.name, "starts_on": starts_on,
               "ends_on": ends_on}, reason=row.reason)
        _tell(svc, row, deputy, f"You cover for {manager.name} from {_span(row)}",
              [f"{manager.name} is away. From {_span(row)} you act as their deputy: you may do what they may do on "
               "their cases (never on your own), and you will be sent what they are sent.",
               "Every step you take is recorded as taken on their behalf."])
        if actor.person_id != manager.id:
            _tell(svc, row, manager, f"{deputy.name} covers for you from {_span(row)}",
                  [f"{deputy.name} acts as your deputy on your cases from {_span(row)}."])
    return row


def end_cover(svc, actor: Actor, cover_id: int, reason: str | None = None) -> DeputyCover:
    """End a cover now (early), or cancel one not yet begun: the manager, the deputy (stepping down), or whoever may
    arrange one for the manager. The row stays as the record."""
    limits.check_text("reason", reason, limits.REASON_CHARS)
    with operation(svc.session):
        session = svc.session
        row = session.get(DeputyCover, cover_id)
        if row is None or not _may_see(svc, actor, row):
            raise NotFound(f"cover {cover_id} was not found")
        manager = starts.lock_person(session, row.manager_id)
        session.refresh(row, with_for_update=True)
        if actor.person_id == row.deputy_id:
            acted = "deputy"
        else:
            acted = _acting_role(svc, actor, manager)
        if row.ended_at is not None:
            raise ConditionFailed("this cover was already ended")
        if row.ends_on < access.today(session):
            raise ConditionFailed(f"this cover is over: its last day was {format_day(row.ends_on)}")
        row.ended_at, row.ended_by_id = svc.clock.now(), actor.person_id
        session.flush()
        _refresh_covered_until(session, manager)
        audit(svc, actor, acted, "deputy_cover_ended", f"person:{manager.id}",
              {"cover_id": row.id, "deputy_id": row.deputy_id, "deputy": row.deputy.name,
               "starts_on": row.starts_on, "ends_on": row.ends_on}, reason=(reason or "").strip() or None)
        for person in {row.deputy_id: row.deputy, manager.id: manager}.values():
            if person.id != actor.person_id:
                _tell(svc, row, person, f"Cover ended: {row.deputy.name} for {manager.name}",
                      [f"The cover of {row.deputy.name} for {manager.name} ({_span(row)}) was ended by "
                       f"{_name(session, actor)}."])
    return row


@dataclass(frozen=True)
class CoverView:
    cover: DeputyCover
    in_force: bool
    status: str  # "in force", "arranged" (begins later), "ended early", "over"
    may_end: bool


def status_of(c: DeputyCover, today: date) -> str:
    if c.ended_at is not None:
        return "ended early"
    if c.ends_on < today:
        return "over"
    return "in force" if c.starts_on <= today else "arranged"


def list_covers(svc, actor: Actor, *, manager_id: int | None = None, current_only: bool = False) -> list[CoverView]:
    """The covers the actor may see: their own (as manager or deputy), and those of the managers they may arrange
    cover for. ``current_only``: in force or still to come."""
    session = svc.session
    q = select(DeputyCover).order_by(DeputyCover.starts_on.desc(), DeputyCover.id.desc())
    if manager_id is not None:
        q = q.where(DeputyCover.manager_id == manager_id)
    day = access.today(session)
    if current_only:
        q = q.where(DeputyCover.ended_at.is_(None), DeputyCover.ends_on >= day)
    reach = access.reach(session, actor, CAPABILITY)
    if not reach:  # only their own, as manager or deputy
        q = q.where(or_(DeputyCover.manager_id == actor.person_id, DeputyCover.deputy_id == actor.person_id))
    out = []
    for c in session.scalars(q.limit(500)):
        if not _may_see(svc, actor, c, reach):
            continue
        st = status_of(c, day)
        out.append(CoverView(c, st == "in force", st, st in ("in force", "arranged") and _may_end(svc, actor, c, reach)))
    return out


def _may_see(svc, actor: Actor, c: DeputyCover, reach=None) -> bool:
    if actor.is_system or actor.person_id in (c.manager_id, c.deputy_id):
        return True
    reach = reach if reach is not None else access.reach(svc.session, actor, CAPABILITY)
    if reach.trust_wide:
        return True
    group = access.care_group_of(svc.session, c.manager)
    return group is not None and group.id in reach.care_groups


def _may_end(svc, actor: Actor, c: DeputyCover, reach) -> bool:
    if actor.person_id == c.manager_id:
        return access.allows(actor, access.MANAGER_ROLE)
    return actor.person_id == c.deputy_id or _may_see(svc, actor, c, reach) and bool(reach)


def may_arrange_for_others(svc, actor: Actor) -> bool:
    return bool(access.reach(svc.session, actor, CAPABILITY))


def _refresh_covered_until(session, manager: Person) -> None:
    manager.covered_until = session.scalar(select(func.max(DeputyCover.ends_on)).where(
        DeputyCover.manager_id == manager.id, DeputyCover.ended_at.is_(None)))
    session.flush()


def _name(session, actor: Actor) -> str:
    person = session.get(Person, actor.person_id) if actor.person_id else None
    return person.name if person else (actor.label or "the system")


def _tell(svc, row: DeputyCover, person: Person, subject: str, details: list[str]) -> None:
    body = Body(headline=subject, details=details,
                link=f"{svc.settings.base_url.rstrip('/')}/cover")
    rows.queue_message(svc.session.connection(), rows.message_row(
        dedupe_key=f"cover:{row.id}:{'ended' if row.ended_at else 'named'}:to:{person.id}", to_address=person.email,
        subject=subject, body_text=render_text(body), body_html=render_html(body), created_at=svc.clock.now(),
        recipient_id=person.id))


def on_behalf(session, actor: Actor, case: Case) -> dict | None:
    """What an event records when a deputy acts: for whom, under which cover (``None``: not acting as deputy)."""
    return _behalf(in_cover.acting_for(session, actor, case))


def on_behalf_for_person(session, actor: Actor, person: Person | None) -> dict | None:
    """The same, for an act over a person's plan outside a case (an edit)."""
    return _behalf(in_cover.acting_for_person(session, actor, person)) if person is not None else None


def _behalf(c: DeputyCover | None) -> dict | None:
    if c is None:
        return None
    return {"manager_id": c.manager_id, "manager": c.manager.name, "cover_id": c.id,
            "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat()}




def covers_on_case(svc, case: Case) -> list[DeputyCover]:
    """The covers in force for the case's managers (for the case page: "Dr A is covering for Dr B until …")."""
    return in_cover.active_covers(svc.session, case)


def get_cover(svc, actor: Actor, cover_id: int) -> CoverView:
    """One cover, if the actor may see it (else NotFound: not theirs to know about)."""
    c = svc.session.get(DeputyCover, cover_id)
    reach = access.reach(svc.session, actor, CAPABILITY)
    if c is None or not _may_see(svc, actor, c, reach):
        raise NotFound(f"cover {cover_id} was not found")
    st = status_of(c, access.today(svc.session))
    return CoverView(c, st == "in force", st, st in ("in force", "arranged") and _may_end(svc, actor, c, reach))
