"""A message from its reader's side: what this person must do now, and by when; the subject line says it
("Sign your job plan by 23 December 2026"), and an invitation is named as the reader would name it
("Your appeal hearing"). Everything here is read from the policy: the state's ``waiting_on``, the steps the
reader's roles may take from it, and the case's open clocks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflow.store.deadline_rules import deadline_last_day
from workflow.store.models import Person

MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def short_day(policy, due_at: datetime) -> str:
    """The last permitted day of a clock, as "23 December 2026" (the date format of the pages)."""
    day = deadline_last_day(due_at, policy.timezone)
    return f"{day.day} {MONTHS[day.month]} {day.year}"


@dataclass(frozen=True)
class Ask:
    """What one reader is asked to do: the step's title from their side, and the last day, if a clock runs."""

    action: str
    by: str | None

    def sentence(self) -> str:
        return f"{self.action} by {self.by}" if self.by else self.action


def from_their_side(text: str, reader: Person, subject: Person) -> str:
    """"Sign the job plan" reads "Sign your job plan" to its owner and "Sign Dr Ellis's job plan" to others."""
    if reader.id == subject.id:
        return text.replace("the job plan", "your job plan").replace("the appeal", "your appeal")
    if "the job plan" in text:
        return text.replace("the job plan", f"{subject.name}'s job plan")
    return f"{text} for {subject.name}"


def whose_plan(reader: Person, subject: Person) -> str:
    """"your job plan" to its owner, "Dr Ellis's job plan" to anyone else."""
    return "your job plan" if reader.id == subject.id else f"{subject.name}'s job plan"


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def ask_for(ctx, reader: Person, roles: set[str], open_deadlines) -> Ask | None:
    """The first step the reader may take now, when the case waits on one of their roles; None otherwise."""
    state = ctx.workflow.state(ctx.case.state)
    if not set(state.waiting_on) & roles:
        return None
    steps = [t for t in ctx.workflow.steps_from(ctx.case.state) if not roles.isdisjoint(t.roles)]
    step = next((t for t in steps if t.trigger == state.asks), steps[0] if steps else None)
    if step is None:
        return None
    due = min((d.due_at for d in open_deadlines), default=None)
    return Ask(from_their_side(step.title, reader, ctx.case.subject), short_day(ctx.policy, due) if due else None)


def invitation_title(name: str | None, reader: Person, subject: Person) -> str:
    """The meeting as the reader names it: "Your appeal hearing", or "Appeal hearing for Dr Ellis"."""
    name = name or "Meeting"
    if reader.id == subject.id:
        return f"Your {name[0].lower()}{name[1:]}"
    return f"{name} for {subject.name}"
