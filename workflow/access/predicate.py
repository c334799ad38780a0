"""``roles_on_case`` as SQL: for each role, a clause over ``Case`` that is true exactly where the actor holds
it, under the case's own policy version. Case lists, inboxes, deadline lists, queues, the audit log and the
dashboard filter with it, so visibility is one query however many cases a trust keeps (never a list of ids).

Clauses that need the actor's own rows (the people they manage, the cases they sit on, the care groups they
cover) are index-driven sub-selects of case ids, joined by one ``Case.id IN (… UNION …)``; a role held by
office is a plain condition on the case's policy."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, false, or_, select, true, union
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from workflow.actors import Actor
from workflow.store.models import Case, CaseParticipant, OrgUnit, Person
from workflow.access.capabilities import allows, held_assignments, trust_wide
from workflow.access.cover import covered_managers


class CasePredicate:
    """The actor's roles over every case, as SQL. Built once per request (two statements: the actor's role
    assignments, and the managers they are deputy for today); ``visible()`` and ``holds(role)`` are clauses to put
    in any query that selects from ``Case``.

    ``organisation_id``: the trust the actor acts in. One trust per database today, so it adds nothing; issue 19's
    tenancy adds ``Case.organisation_id == organisation_id`` in ``_boundary`` and every list follows."""

    def __init__(self, session: Session, actor: Actor, policies, organisation_id: int | None = None):
        self.actor = actor
        self.organisation_id = organisation_id
        self.policies = list(policies)
        self.assigned = held_assignments(session, actor)
        self.covered = covered_managers(session, actor)  # the managers the actor is deputy for today
        self._broad: dict[str, list[ColumnElement]] = defaultdict(list)
        self._narrow: dict[str, list] = defaultdict(list)  # selects of Case.id
        self._participation, self._covered = None, {}
        self._build()

    # ---- building ----------------------------------------------------------------------------------

    def _build(self) -> None:
        actor = self.actor
        by_role: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        versions: dict[str, set[int]] = defaultdict(set)
        for p in self.policies:
            versions[p.id].add(p.version)
            for name, spec in p.roles.items():
                by_role[(name, spec.scope)][p.id].append(p.version)
        for (name, scope), held_in in by_role.items():
            if actor.is_system:
                if scope == "system":
                    self._broad[name].append(self._in_policies(held_in, versions))
                continue
            if scope == "system" or not allows(actor, name):
                continue
            where = self._in_policies(held_in, versions)
            if scope == "office":
                if any(a.role == name for a in self.assigned):
                    self._broad[name].append(where)
            elif scope == "care_group":
                mine = [a for a in self.assigned if a.role == name]
                if any(trust_wide(a) for a in mine):
                    self._broad[name].append(where)
                elif mine:
                    units = self._units({a.org_unit_id for a in mine})
                    self._narrow[name].append(select(Case.id).join(Person, Person.id == Case.subject_id)
                                              .where(Person.team_id.in_(select(units.c.id)), where))
            elif scope == "subject":
                self._narrow[name].append(select(Case.id).where(Case.subject_id == actor.person_id, where))
            elif scope == "manager":
                self._narrow[name].append(select(Case.id).where(Case.manager_id == actor.person_id, where))
                self._narrow[name].append(select(Case.id).join(Person, Person.id == Case.subject_id)
                                          .where(Person.manager_id == actor.person_id, where))
                if self.covered:  # a deputy: the covered managers' cases, never their own (workflow.access.cover)
                    managers = sorted(self.covered)
                    self._narrow[name].append(select(Case.id).where(Case.manager_id.in_(managers),
                                                                    Case.subject_id != actor.person_id, where))
                    self._narrow[name].append(select(Case.id).join(Person, Person.id == Case.subject_id)
                                              .where(Person.manager_id.in_(managers),
                                                     Case.subject_id != actor.person_id, where))
            elif scope == "participant":
                chain = self._chain()
                self._narrow[name].append(select(Case.id).join(chain, chain.c.case_id == Case.id)
                                          .where(chain.c.role == name, where))

    def _chain(self):
        if self._participation is None:
            self._participation = _participations(self.actor.person_id)
        return self._participation

    def _units(self, group_ids: set[int]):
        key = frozenset(group_ids)
        if key not in self._covered:
            self._covered[key] = _units_under(group_ids, f"covered_unit_{len(self._covered)}")
        return self._covered[key]

    @staticmethod
    def _in_policies(held_in: dict[str, list[int]], versions: dict[str, set[int]]) -> ColumnElement:
        """The cases whose policy version has the role (all versions of a policy: just its id)."""
        terms = []
        whole = sorted(pid for pid, vs in held_in.items() if set(vs) == versions[pid])
        if whole:
            terms.append(Case.policy_id.in_(whole))
        for pid, vs in sorted(held_in.items()):
            if pid not in whole:
                terms.append(and_(Case.policy_id == pid, Case.policy_version.in_(sorted(vs))))
        return or_(*terms) if terms else false()

    def _boundary(self) -> ColumnElement:
        return true()  # issue 19: Case.organisation_id == self.organisation_id

    # ---- asking ------------------------------------------------------------------------------------

    def holds(self, role: str, ids=None) -> ColumnElement:
        """True on the cases where the actor holds ``role``. ``ids``: the case id column of a CTE of the actor's
        own cases (``own_cases``) to test instead of ``Case.id``; only for an actor who holds no role broadly."""
        if ids is not None and self._broad.get(role):
            raise ValueError("a role held broadly is a condition on the case's own columns, not on its id")
        return self._combine(self._broad.get(role, []), self._narrow.get(role, []), ids)

    def held_broadly(self, role: str) -> ColumnElement | None:
        """The part of ``holds(role)`` that is a plain condition on the case (held by office, or trust-wide), or
        None: what an index on the case's own columns can serve."""
        broad = self._broad.get(role, [])
        return and_(self._boundary(), or_(*broad)) if broad else None

    def held_narrowly(self, role: str) -> ColumnElement | None:
        """The part of ``holds(role)`` that is the actor's own few cases (managed, sat on, in their care groups),
        or None: a short list of ids the database finds from the actor's rows."""
        narrow = self._narrow.get(role, [])
        return self._combine([], narrow) if narrow else None

    def held_narrowly_selects(self, role: str) -> list:
        """``held_narrowly`` as the selects of the actor's own cases where they hold ``role`` (a list may join to
        them and pick its columns)."""
        return list(self._narrow.get(role, []))

    def visible(self) -> ColumnElement:
        """True on the cases where the actor holds any role (may see the case)."""
        return self._combine([c for cs in self._broad.values() for c in cs],
                             [s for ss in self._narrow.values() for s in ss])

    def visible_broadly(self) -> ColumnElement | None:
        """The part of ``visible()`` that is a plain condition on the case (roles held by office or trust-wide),
        or None: what a list can read in its index order, testing each row's own columns."""
        broad = [c for cs in self._broad.values() for c in cs]
        return and_(self._boundary(), or_(*broad)) if broad else None

    def visible_narrowly(self) -> list:
        """The rest of ``visible()``: selects of the actor's own few cases (managed, their own, sat on, in their
        care groups), each an index lookup from the actor's rows; a list may join to them and pick its columns."""
        return [s for ss in self._narrow.values() for s in ss]

    def own_cases(self, *columns):
        """When the actor holds no role broadly (a clinical manager, a practitioner, a panel member): the cases
        they may see, as a MATERIALIZED CTE of ``columns`` (default the id) read straight from the actor's own
        rows (each part an index lookup: the cases they manage, their own, those they sit on), for a list to
        start from, so their few cases drive the query instead of the database walking a trust's open cases to
        test each against them. None when some role is held broadly (an office): then ``visible()`` is a
        condition on the case's own columns, and a list is read in its index order."""
        if any(self._broad.values()):
            return None
        columns = columns or (Case.id,)
        narrow = [s.with_only_columns(*columns, maintain_column_froms=True)
                  for ss in self._narrow.values() for s in ss]
        ids = union(*narrow) if len(narrow) > 1 else narrow[0] if narrow else select(*columns).where(false())
        return ids.cte("own_case").prefix_with("MATERIALIZED")

    def any_of(self, roles) -> ColumnElement:
        roles = set(roles)
        return self._combine([c for r, cs in self._broad.items() if r in roles for c in cs],
                             [s for r, ss in self._narrow.items() if r in roles for s in ss])

    def participations(self, session: Session) -> dict[int, set[str]]:
        """The roles the actor holds by participation, per case (their own rows and the cases below them):
        one query, as long as the person's own involvement, not the trust's case count."""
        if self.actor.is_system or self.actor.person_id is None:
            return {}
        chain = self._chain()
        out: dict[int, set[str]] = defaultdict(set)
        for case_id, role in session.execute(select(chain.c.case_id, chain.c.role)):
            out[case_id].add(role)
        return out

    def roles(self) -> list[str]:
        """Every role the actor may hold on some case (the columns ``role_columns`` gives)."""
        return sorted(set(self._broad) | set(self._narrow))

    def role_columns(self) -> list:
        """One boolean column per role, to select beside each case (its roles without another query)."""
        return [self.holds(r).label(f"role_{i}") for i, r in enumerate(self.roles())]

    def _combine(self, broad, narrow, ids=None) -> ColumnElement:
        terms = list(broad)
        if narrow:
            terms.append((Case.id if ids is None else ids).in_(union(*narrow) if len(narrow) > 1 else narrow[0]))
        if not terms:
            return false()
        return and_(self._boundary(), or_(*terms))


def _participations(person_id: int):
    """The cases where the person is an active participant, and every case below them (a dispute's appeal
    sees its disagreement's mediator, 002 7.8): a recursive CTE from the person's own rows down."""
    base = (select(CaseParticipant.case_id.label("case_id"), CaseParticipant.role.label("role"))
            .where(CaseParticipant.person_id == person_id, CaseParticipant.status == "active")
            .cte("participation", recursive=True))
    return base.union(select(Case.id, base.c.role).join(base, Case.parent_id == base.c.case_id))


def _units_under(group_ids: set[int], name: str):
    """Organisation units whose nearest care group is one of these (what ``OrgUnit.ancestor`` finds)."""
    base = (select(OrgUnit.id.label("id")).where(OrgUnit.id.in_(sorted(group_ids)), OrgUnit.kind == "care_group")
            .cte(name, recursive=True))
    return base.union_all(select(OrgUnit.id).join(base, OrgUnit.parent_id == base.c.id)
                          .where(OrgUnit.kind != "care_group"))


__all__ = ["CasePredicate"]
