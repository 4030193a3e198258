"""A dataclass's fields as click options: `supportbot train run` has one flag per
``FinetuneConfig`` field, with the field's help text, so a new setting needs no CLI change."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import click


def dataclass_options(cls: type, *, skip: tuple[str, ...] = ()):
    """One option per dataclass field, its help text from the field; unset options stay None."""
    hints = typing.get_type_hints(cls)

    def decorate(fn):
        for f in reversed(dataclasses.fields(cls)):
            if f.name in skip:
                continue
            hint = hints[f.name]
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            inner = (
                args[0]
                if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
                else hint
            )
            flag = "--" + f.name.replace("_", "-")
            help_text = f.metadata.get("help", "")
            if inner is bool:
                fn = click.option(
                    f"{flag}/--no-{f.name.replace('_', '-')}", f.name, default=None, help=help_text
                )(fn)
            elif typing.get_origin(inner) is list:
                fn = click.option(
                    flag, f.name, multiple=True, default=None, help=help_text + " (repeatable)"
                )(fn)
            else:
                fn = click.option(flag, f.name, type=inner, default=None, help=help_text)(fn)
        return fn

    return decorate


def set_flags(values: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line (unset ones are None or empty), lists as lists."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items() if v not in (None, ())}
