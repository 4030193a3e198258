"""Thin Bolt listeners, one module per kind of event; each module has `register(app, ...)`."""
