"""The one access decision. Roles on a case (``roles``), capabilities beyond a case (``capabilities``), and
the same answers as SQL over cases (``predicate``), so lists filter and page in the database."""
from workflow.access.capabilities import (CAPABILITIES, MANAGER_ROLE, TRUST_OFFICES, Reach, allows, held_assignments,  # noqa: F401
                           covered_managers, held_capabilities, in_force, may, reach, require, today)
from workflow.access.roles import (assignments, can_see_case, care_group_of, dispute_chain, holders_of,  # noqa: F401
                    holds_office, involved_people, roles_on_case, roles_on_listed_case, roles_over_person)
from workflow.access.predicate import CasePredicate  # noqa: F401,E402
