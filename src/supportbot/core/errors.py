"""The few domain exceptions. Each boundary (HTTP, CLI, Slack) translates them; none is swallowed."""

from __future__ import annotations


class SupportbotError(Exception):
    """Base of every error that is the user's to fix; its message is one clear line."""


class ConfigError(SupportbotError):
    """A setting is missing or invalid."""


class DatabaseError(SupportbotError):
    """The database cannot be reached or is not what the code expects."""


class SchemaOutOfDate(DatabaseError):
    """The schema is behind (or ahead of) the code: run `supportbot db upgrade`."""


class NotFound(SupportbotError):
    """A named thing (conversation, job, model version, ticket) does not exist."""


class InvalidInput(SupportbotError):
    """Input that cannot be used as given (a malformed file line, a bad argument)."""


class Forbidden(SupportbotError):
    """The user may not do this (a hand-over's step taken by someone outside the support team)."""


class Conflict(SupportbotError):
    """The request contradicts the current state (promote a worse model, cancel a finished job)."""


class IndexMismatch(SupportbotError):
    """The saved index does not fit the embedder or the tickets table: rebuild it."""


class ModelUnavailable(SupportbotError):
    """No model is there to load or to call."""
