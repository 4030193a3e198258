"""Shared foundation: settings, database, models, store functions, prompt format, errors.

`core` imports none of the other packages.
"""
