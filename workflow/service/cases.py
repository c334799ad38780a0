"""Finding cases and their deadlines, with the filters the API and pages offer. Who may see a case is the
access decision's SQL predicate (``workflow.access.CasePredicate``), so every list here filters, orders and
pages in the database, in a fixed number of statements however many cases the trust keeps."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, false, not_, or_, select, true, union
from sqlalchemy.orm import joinedload

from workflow import access
from workflow.actors import Actor
from workflow.errors import InvalidPayload
from workflow.service import keyset
from workflow.store.models import Case, Deadline
from workflow.store.deadline_rules import overdue_clause
from workflow.store.models import DEADLINE_OPEN_STATUSES as OPEN


def predicate(svc, actor: Actor) -> access.CasePredicate:
    """The actor's roles over every case as SQL (one statement: their role assignments)."""
    return access.CasePredicate(svc.session, actor, svc.policies.all())


def case_filters(svc, *, state=None, states=None, workflow=None, policy_id=None, person_id=None, overdue=None,
                 open_only=False) -> list:
    """The list's filters as conditions on ``Case`` (no visibility)."""
    out = []
    if state:
        out.append(Case.state == state)
    if states:
        out.append(Case.state.in_(states))
    if workflow:
        out.append(Case.workflow == workflow)
    if policy_id:
        out.append(Case.policy_id == policy_id)
    if person_id:
        out.append(Case.subject_id == person_id)
    if open_only:
        out.append(Case.closed_at.is_(None))
    if overdue is not None:
        late = exists(select(Deadline.id).where(Deadline.case_id == Case.id, overdue_clause(svc.clock.now(), Deadline)))
        out.append(late if overdue else not_(late))
    return out


def case_query(svc, actor: Actor, *, role=None, pred: access.CasePredicate | None = None, extra=(), **filters):
    """A SELECT of the cases the actor may see (``role``: only where they hold it), filtered; not yet ordered."""
    pred = pred or predicate(svc, actor)
    return select(Case).where(pred.holds(role) if role else pred.visible(), *case_filters(svc, **filters), *extra)


@dataclass
class CaseResults:
    """A filtered case list the API pages through in the page's order (earliest open clock first, then id:
    ``earliest_first``): by ``page`` number (LIMIT/OFFSET), or after a cursor (the last row's key, read from
    ``ix_case_next_due``, so a deep page costs what the first does). Counts stop at ``keyset.COUNT_CAP``.

    ``own``: for someone who sees only their own few cases, the selects of those cases from their rows
    (``CasePredicate.visible_narrowly``), and ``filters`` the list's conditions: a page is then the first rows of
    those few, found from the person's rows; as one query with the date order PostgreSQL walks the date index
    over every case of the trust, testing each against their few."""
    session: object
    query: object
    own: list | None = None
    filters: tuple = ()

    def page(self, *, page_size: int, page: int | None = None, cursor: str | None = None,
             after_id: int | None = None) -> keyset.KeysetPage:
        """``cursor``: the next cursor of the page before; ``after_id``: a case of the list, the page after it."""
        if after_id is not None and cursor is None:
            cursor = self._cursor_of(after_id)
        counted = self.query if self.own is None else self._own_first((), keyset.COUNT_CAP + 1)
        return keyset.page_of(self.session, counted, page_size=page_size, page=page, cursor=cursor,
                              after=lambda c: self._after(c, page_size + 1), first=self._slice,
                              key=lambda case: (case.next_due_at, case.id))

    def count(self) -> int:
        """How many, counting no further than ``keyset.COUNT_CAP`` + 1."""
        counted = self.query if self.own is None else self._own_first((), keyset.COUNT_CAP + 1)
        return keyset.capped_count(self.session, counted)

    def _own_first(self, extra, n: int, offset: int = 0):
        parts = [s.with_only_columns(Case.id.label("id"), Case.next_due_at.label("next_due_at"),
                                     maintain_column_froms=True).where(*self.filters, *extra) for s in self.own]
        listed = (union(*parts) if len(parts) > 1 else parts[0]).subquery("own_listed")
        return (select(listed.c.id).order_by(listed.c.next_due_at.asc().nulls_last(), listed.c.id)
                .offset(offset).limit(n))

    def _from_own(self, extra, n: int, offset: int = 0, options=()) -> list[Case]:
        ids = self._own_first(extra, n, offset).scalar_subquery()
        return list(self.session.scalars(earliest_first(select(Case).where(Case.id.in_(ids))).options(*options)))

    def _slice(self, offset: int, n: int, options=()) -> list[Case]:
        if self.own is not None:
            return self._from_own((), n, offset, options)
        return list(self.session.scalars(earliest_first(self.query).options(*options).offset(offset).limit(n)))

    def _after(self, cursor: str, n: int) -> list[Case]:
        due, case_id = keyset.decode(cursor, "cursor", nullable_time=True)
        tail = and_(Case.next_due_at.is_(None), Case.id > case_id)
        later = and_(Case.next_due_at >= due, or_(Case.next_due_at > due, Case.id > case_id)) if due else None
        if self.own is not None:
            return self._from_own((tail if later is None else or_(later, Case.next_due_at.is_(None)),), n)
        if later is None:  # in the tail of cases with no open clock, by id
            return list(self.session.scalars(self.query.where(tail).order_by(Case.id).limit(n)))
        rows = list(self.session.scalars(self.query.where(later).order_by(Case.next_due_at, Case.id).limit(n)))
        if len(rows) < n:  # then the cases with no open clock
            rows += self.session.scalars(self.query.where(Case.next_due_at.is_(None)).order_by(Case.id)
                                         .limit(n - len(rows)))
        return rows

    def rows(self, *, offset: int, limit: int) -> list[tuple[Case, Deadline | None]]:
        """A page by position, each case with its earliest open deadline and its practitioner (what a row of
        the case list page shows)."""
        cases = self._slice(offset, limit, (joinedload(Case.subject),))
        first = first_open_deadlines_of(self.session, cases)
        return [(c, first.get(c.id)) for c in cases]

    def _cursor_of(self, case_id: int) -> str:
        due = self.session.execute(self.query.with_only_columns(Case.next_due_at).where(Case.id == case_id)
                                   .order_by(None)).first()
        if due is None:
            raise InvalidPayload(f"after={case_id} names no case of this list; send the next cursor of the page "
                                 f"before as cursor", fields={"after": ["no such case in this list"]})
        return keyset.encode(due[0], case_id)


def find_cases(svc, actor: Actor, *, role=None, extra=(), **filters) -> CaseResults:
    """Cases the actor may see. ``role``: only where the actor holds that role; ``overdue``: only cases
    with (True) or without (False) an overdue deadline (``workflow.store.deadline_rules.is_overdue``);
    ``extra``: more conditions on ``Case``."""
    pred = predicate(svc, actor)
    conditions = (*case_filters(svc, **filters), *extra)
    query = case_query(svc, actor, role=role, pred=pred, extra=extra, **filters)
    broad = pred.held_broadly(role) if role else pred.visible_broadly()
    own = (pred.held_narrowly_selects(role) if role else pred.visible_narrowly()) if broad is None else None
    return CaseResults(svc.session, query, own or None, conditions) if own else CaseResults(svc.session, query)


def earliest_first(q):
    """Order a case query earliest open clock first (``Case.next_due_at``; cases with none last), then by id:
    the order of ``ix_case_next_due`` on both databases, so a page is read from the index."""
    return q.order_by(Case.next_due_at.asc().nulls_last(), Case.id)


def first_open_deadlines(svc, cases) -> dict[int, Deadline]:
    """The earliest open clock of each listed case (a page of them): one query, as long as the page."""
    return first_open_deadlines_of(svc.session, cases)


def first_open_deadlines_of(session, cases) -> dict[int, Deadline]:
    ids = [c.id for c in cases]
    if not ids:
        return {}
    out: dict[int, Deadline] = {}
    for d in session.scalars(select(Deadline).where(Deadline.case_id.in_(ids), Deadline.status.in_(OPEN))
                                 .order_by(Deadline.case_id, Deadline.due_at, Deadline.id)):
        out.setdefault(d.case_id, d)
    return out


def case_deadlines(svc, actor: Actor, case_id: int) -> list[Deadline]:
    svc.get_case(actor, case_id)
    return list(svc.session.scalars(select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)))


def _deadline_filters(svc, status, overdue) -> list:
    out = []
    if status:
        out.append(Deadline.status == status)
    if overdue is not None:
        late = overdue_clause(svc.clock.now(), Deadline)
        out.append(late if overdue else not_(late))
    return out


def deadlines_query(svc, actor: Actor, *, status=None, overdue=None):
    """Deadlines of every case the actor may see, not yet ordered: one query."""
    visible = select(Case.id).where(predicate(svc, actor).visible())
    return select(Deadline).where(Deadline.case_id.in_(visible), *_deadline_filters(svc, status, overdue))


def list_deadlines(svc, actor: Actor, *, status=None, overdue=None) -> list[Deadline]:
    """Every such deadline, soonest first (for a caller that wants them all; the API reads ``deadline_page``)."""
    q = deadlines_query(svc, actor, status=status, overdue=overdue)
    return list(svc.session.scalars(q.order_by(Deadline.due_at, Deadline.id)))


def _first_deadlines(pred: access.CasePredicate, where: list, n: int, lateral: bool = False):
    """The ids of the first ``n`` visible deadlines meeting ``where``, soonest first: those of cases seen broadly
    (an office) read in the order of ``ix_deadline_due_at_id``, each case tested on its own columns, and those of
    the actor's own few cases found from their ids; the first ``n`` of both. (As one join PostgreSQL sorts every
    deadline of the trust: it cannot tell the predicate's OR of sub-selects is cheap per row.)"""
    parts = []
    broad = pred.visible_broadly()
    if broad is not None:
        q = (select(Deadline.id.label("id"), Deadline.due_at.label("due_at")).join(Case, Case.id == Deadline.case_id)
             .where(broad, *where).order_by(Deadline.due_at, Deadline.id).limit(n).subquery())
        parts.append(select(q.c.id, q.c.due_at))
    narrow = pred.visible_narrowly()
    if narrow and lateral:  # PostgreSQL: each own case's deadlines from the index, whatever the planner guesses
        own = (union(*narrow) if len(narrow) > 1 else narrow[0]).cte("own_case").prefix_with("MATERIALIZED")
        theirs = (select(Deadline.id.label("id"), Deadline.due_at.label("due_at"))
                  .where(Deadline.case_id == own.c.id, *where).offset(0).lateral("own_deadline"))  # 0: kept apart
        parts.append(select(theirs.c.id, theirs.c.due_at).select_from(own).join(theirs, true()))
    elif narrow:  # from the actor's own rows to their cases' deadlines (SQLite has no LATERAL)
        parts += [s.join(Deadline, Deadline.case_id == Case.id)
                  .with_only_columns(Deadline.id.label("id"), Deadline.due_at.label("due_at"),
                                     maintain_column_froms=True).where(*where) for s in narrow]
    if not parts:
        return None
    every = union(*parts).subquery("visible_deadline") if len(parts) > 1 else parts[0].subquery("visible_deadline")
    return select(every.c.id).order_by(every.c.due_at, every.c.id).limit(n)


def deadline_page(svc, actor: Actor, *, page_size: int, page: int | None = None, cursor: str | None = None,
                  status=None, overdue=None) -> keyset.KeysetPage:
    """A page of the deadlines the actor may see, soonest first (then by id): by ``page`` number, or after
    ``cursor`` (the next cursor of the page before: the last row's due moment and id, read from the index)."""
    pred = predicate(svc, actor)
    where = _deadline_filters(svc, status, overdue)
    lateral = svc.session.get_bind().dialect.name == "postgresql"

    def read(extra: list, n: int, offset: int = 0) -> list[Deadline]:
        first = _first_deadlines(pred, where + extra, offset + n, lateral)
        if first is None:
            return []
        return list(svc.session.scalars(select(Deadline).where(Deadline.id.in_(first.scalar_subquery()))
                                        .order_by(Deadline.due_at, Deadline.id).offset(offset).limit(n)))

    def after(c: str) -> list[Deadline]:
        due, deadline_id = keyset.decode(c, "cursor", nullable_time=False)
        return read([Deadline.due_at >= due, or_(Deadline.due_at > due, Deadline.id > deadline_id)], page_size + 1)

    counted = _first_deadlines(pred, where, keyset.COUNT_CAP + 1, lateral)
    return keyset.page_of(svc.session, counted if counted is not None else select(Deadline.id).where(false()),
                          page_size=page_size, page=page, cursor=cursor, after=after,
                          first=lambda offset, n: read([], n, offset), key=lambda d: (d.due_at, d.id))


def start_case(svc, actor: Actor, workflow: str, subject_id: int, *, policy_id=None, job_plan_id=None) -> Case:
    """Start a case; its clinical manager is the practitioner's manager on the trust's record."""
    return svc.start_case(actor, workflow, subject_id, policy_id=policy_id, job_plan_id=job_plan_id)
