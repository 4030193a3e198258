"""The application layer: one function per use case.

Answer a message, record feedback, hand over, request a retrain, register / promote / roll back
a model version, import tickets. Slack listeners, CLI commands, review routes and the worker are
glue that call these; a new entry point needs no new business logic. Nothing here knows how a
request arrived (Slack events, HTTP routes, click options); the one outgoing message, a job's end
posted where it was asked for, goes through usecases.notify.
"""
