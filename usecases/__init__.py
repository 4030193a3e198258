"""The application layer: one function per use case.

Answer a message, record feedback, hand over, request a retrain, register / promote / roll back
a model version, import tickets. Slack listeners, CLI commands, review routes and the worker are
glue that call these; a new entry point needs no new business logic. Nothing here knows Slack,
HTTP or click.
"""
