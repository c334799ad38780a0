"""The one service layer. Every entry point (web page, API call, CLI command, scheduler sweep) calls
these functions, so roles, scopes, conditions and deadlines are checked in one place, and each
write is one database transaction."""
from .core import JobPlanning, Settings
from .context import FireContext, FireResult, TriggerInfo

__all__ = ["JobPlanning", "Settings", "FireContext", "FireResult", "TriggerInfo"]
