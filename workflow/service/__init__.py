"""The one service layer. Every entry point (web page, API call, CLI command, scheduler sweep) calls
these functions, so roles, scopes, conditions and deadlines are checked in one place. The entry point
opens the unit of work and commits it; an operation only flushes (``uow``)."""
from workflow.service.core import JobPlanning, Settings
from workflow.service.context import FireContext, FireResult, TriggerInfo

__all__ = ["JobPlanning", "Settings", "FireContext", "FireResult", "TriggerInfo"]
