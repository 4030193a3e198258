"""The team's HTTP actions, declared in one TOML file (``actions.toml``), read and checked.

Each ``[[actions]]`` entry is one call the bot may make for a customer: its name and description,
a risk class (``read``: run at once; ``write``: the customer approves; ``irreversible``: an admin
approves), the method and URL template, typed parameters with the pattern that finds them in the
customer's own words, the phrases that trigger it, the header carrying a secret (the file names
the environment variable, never the secret) and the answer written from the result's fields.
Nothing here calls anything: usecases.actions does, after the host checks of usecases.action_http.
A file that is wrong fails at start with one line naming the action and the key.
"""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from supportbot.core.errors import ConfigError

NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")
ENV_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_TIMEOUT_S = 60.0
ACTION_KEYS = {
    "name", "description", "risk", "method", "url", "params", "examples", "answer", "confirm",
    "timeout_s", "allow_private", "secret",
}  # fmt: skip
PARAM_KEYS = {"pattern", "type", "from", "required", "ask", "max_length"}
SECRET_KEYS = {"header", "env", "prefix"}


class Risk(StrEnum):
    """Who must agree before an action runs."""

    read = "read"  # nobody: it only looks something up
    write = "write"  # the conversation's customer, with Approve / Cancel
    irreversible = "irreversible"  # an admin (SUPPORTBOT_ADMIN_USER_IDS); never the customer


@dataclass(frozen=True)
class Param:
    name: str
    pattern: re.Pattern[str] | None  # finds the value in the customer's words (group 1 if it has one)
    type: str = "string"  # "string" or "integer"
    source: str = "message"  # "message": the customer's own turns; "user": their Slack user id
    required: bool = True
    ask: str = ""  # the question that asks the customer for it
    max_length: int = 200

    def check(self, value: str) -> str | int:
        """The value as sent, or ValueError when it is not one this parameter takes."""
        value = value.strip()
        if not value or len(value) > self.max_length:
            raise ValueError(f"{self.name}: empty or longer than {self.max_length} characters")
        if self.pattern is not None and not self.pattern.search(value):
            raise ValueError(f"{self.name}: does not match its pattern")
        if self.type == "integer":
            if not value.isdigit():
                raise ValueError(f"{self.name}: not a whole number")
            return int(value)
        return value


@dataclass(frozen=True)
class Secret:
    header: str
    env: str
    prefix: str = ""
    value: str = field(default="", repr=False)  # read from the environment when the file is loaded


@dataclass(frozen=True)
class ActionSpec:
    name: str
    description: str
    risk: Risk
    method: str
    url: str  # a template: "{param}" in its path or query, never in its scheme or host
    answer: str  # a template over the parameters and the result's top-level fields
    examples: tuple[str, ...]
    params: tuple[Param, ...] = ()
    confirm: str = ""  # what will be done, in plain words (write, irreversible): over the parameters
    timeout_s: float = 5.0
    allow_private: bool = False  # only with SUPPORTBOT_ACTIONS_ALLOW_PRIVATE=1 too
    secret: Secret | None = None

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


@dataclass(frozen=True)
class Catalogue:
    actions: tuple[ActionSpec, ...]
    path: Path | None = None

    def get(self, name: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.name == name), None)


def template_fields(template: str) -> list[str]:
    """The names a template uses; ValueError for anything but plain names ("{a.b}", "{0}", "{a!r}")."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not NAME.match(name.lower()) or spec or conversion:
            raise ValueError(f"“{{{name}}}” is not a plain field name")
        names.append(name)
    return names


def render(template: str, values: Mapping[str, Any], *, escape: bool = False) -> str:
    """The template filled in; KeyError naming the first field ``values`` lacks (or holds None).
    ``escape``: each value filled in as text for a Slack message (``escape_text``), so a service's
    or a customer's value can neither ping (``<!channel>``) nor link; the template's own text, the
    team's, is kept as written."""
    out = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            if value is None or isinstance(value, dict | list):
                raise KeyError(name)
            out.append(escape_text(str(value)) if escape else str(value))
    return "".join(out)


def escape_text(text: str) -> str:
    """Text shown as is in a Slack message: its control characters &, < and > escaped (mrkdwn
    reads ``<...>`` as mentions and links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def load_actions(path: Path, *, env: Mapping[str, str]) -> Catalogue:
    """The checked actions of ``path``; ConfigError with one line saying what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"actions file {path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"actions file {path}: not valid TOML ({exc})") from None
    return parse_actions(data, env=env, path=path)


def parse_actions(data: Mapping[str, Any], *, env: Mapping[str, str], path: Path | None = None) -> Catalogue:
    where = f"actions file {path}" if path else "actions"
    unknown = set(data) - {"actions"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))} (use [[actions]])")
    entries = data.get("actions", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: `actions` must be a list of tables ([[actions]])")
    actions: list[ActionSpec] = []
    for n, entry in enumerate(entries, start=1):
        label = entry.get("name") if isinstance(entry, dict) else None
        try:
            action = _action(entry, env)
        except (ValueError, TypeError, re.error) as exc:
            raise ConfigError(f"{where}: action {label or f'#{n}'}: {exc}") from None
        if any(a.name == action.name for a in actions):
            raise ConfigError(f"{where}: action {action.name} is declared twice")
        actions.append(action)
    return Catalogue(tuple(actions), path)


def _str(entry: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"`{key}` must be a non-empty string")
    return value.strip()


def _action(entry: Any, env: Mapping[str, str]) -> ActionSpec:
    if not isinstance(entry, dict):
        raise ValueError("must be a table")
    unknown = set(entry) - ACTION_KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
    name = _str(entry, "name")
    if not NAME.match(name):
        raise ValueError("`name` must be lower case letters, digits and _ (at most 48)")
    risk = Risk(_str(entry, "risk"))
    method = _str(entry, "method", "GET").upper()
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {', '.join(METHODS)}")
    params = tuple(_param(key, value) for key, value in (entry.get("params") or {}).items())
    names = {p.name for p in params}
    url = _url(_str(entry, "url"), names)
    answer = _str(entry, "answer")
    template_fields(answer)
    confirm = str(entry.get("confirm") or entry.get("description") or "").strip()
    unknown_fields = set(template_fields(confirm)) - names
    if unknown_fields:
        raise ValueError(f"`confirm` names no parameter {', '.join(sorted(unknown_fields))}")
    examples = entry.get("examples")
    if (
        not isinstance(examples, list)
        or not examples
        or not all(isinstance(e, str) and e.strip() for e in examples)
    ):
        raise ValueError("`examples` must be a non-empty list of phrases (what a customer says)")
    timeout = entry.get("timeout_s", 5.0)
    if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT_S:
        raise ValueError(f"`timeout_s` must be a number of seconds in (0, {MAX_TIMEOUT_S:g}]")
    allow_private = entry.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise ValueError("`allow_private` must be true or false")
    return ActionSpec(
        name=name,
        description=_str(entry, "description"),
        risk=risk,
        method=method,
        url=url,
        answer=answer,
        examples=tuple(e.strip() for e in examples),
        params=params,
        confirm=confirm,
        timeout_s=float(timeout),
        allow_private=allow_private,
        secret=_secret(entry["secret"], env) if "secret" in entry else None,
    )


def _url(url: str, names: set[str]) -> str:
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("`url` must be an http(s) URL with a host")
    if "{" in urlsplit(url).netloc:
        raise ValueError("`url` may have parameters in its path and query, not in its host")
    unknown = set(template_fields(url)) - names
    if unknown:
        raise ValueError(f"`url` names no parameter {', '.join(sorted(unknown))}")
    return url


def _param(name: str, entry: Any) -> Param:
    if not NAME.match(name):
        raise ValueError(f"parameter {name!r}: lower case letters, digits and _ only")
    if not isinstance(entry, dict):
        raise ValueError(f"parameter {name}: must be a table")
    unknown = set(entry) - PARAM_KEYS
    if unknown:
        raise ValueError(f"parameter {name}: unknown key(s) {', '.join(sorted(unknown))}")
    source = entry.get("from", "message")
    if source not in ("message", "user"):
        raise ValueError(f'parameter {name}: `from` must be "message" or "user"')
    kind = entry.get("type", "string")
    if kind not in ("string", "integer"):
        raise ValueError(f'parameter {name}: `type` must be "string" or "integer"')
    pattern = entry.get("pattern")
    if pattern is None and source == "message":
        raise ValueError(f"parameter {name}: a `pattern` is needed to find it in the customer's words")
    if pattern is not None and not isinstance(pattern, str):
        raise ValueError(f"parameter {name}: `pattern` must be a string")
    required, max_length = entry.get("required", True), entry.get("max_length", 200)
    if not isinstance(required, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"parameter {name}: `required` is true/false, `max_length` a positive number")
    ask = entry.get("ask") or f"Could you tell me the {name.replace('_', ' ')}?"
    return Param(
        name=name,
        pattern=re.compile(pattern) if pattern is not None else None,
        type=kind,
        source=source,
        required=required,
        ask=str(ask),
        max_length=max_length,
    )


def _secret(entry: Any, env: Mapping[str, str]) -> Secret:
    if not isinstance(entry, dict) or set(entry) - SECRET_KEYS:
        raise ValueError("`secret` must be a table of header, env and (optionally) prefix")
    header, variable = _str(entry, "header"), _str(entry, "env")
    if not HEADER.match(header) or not ENV_VAR.match(variable):
        raise ValueError("`secret`: `header` is a header name, `env` an environment variable's name")
    value = env.get(variable)
    if not value:
        raise ValueError(f"its secret's environment variable {variable} is not set")
    return Secret(header=header, env=variable, prefix=str(entry.get("prefix", "")), value=value)
