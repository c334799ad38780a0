"""The rule vocabulary a policy names: conditions, actions, panel rules, trigger payloads, and the plan's content
rules. Importing the package registers all of them (workflow.policy.vocabulary), so a policy is checked against
every name it may use."""
from workflow.content import rules as content_rules  # noqa: F401  (they register on import)
from workflow.rules import actions, conditions, dates, panel, seat_changes  # noqa: F401
