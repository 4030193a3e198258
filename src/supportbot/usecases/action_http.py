"""One declared action called over HTTP: the host checked first, a timeout, the result read.

The rules: HTTPS only, and the host is resolved and refused when any of its addresses is not a
public one (loopback, private, link-local, shared, reserved, multicast) — unless the admin's
switch (SUPPORTBOT_ACTIONS_ALLOW_PRIVATE=1) is on *and* the action says ``allow_private = true``:
then private hosts and plain http are allowed, for a service on the team's own network.
Redirects are not followed (a redirect is not a 2xx). Every way it can go wrong — refused, timed
out, unreachable, a non-2xx status, a body that is not a JSON object, an answer field missing —
is a ``CallResult`` that says why in words, never an exception and never a made-up answer.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlsplit

from supportbot.core.actions_config import ActionSpec, render

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class CallResult:
    ok: bool
    http_status: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # why it failed, in words (for the hand-over summary)
    answer: str | None = None  # what the customer is told, written from ``data`` (answer_of)


class Refused(Exception):
    """The target may not be called (its scheme or host)."""


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"host {host} does not resolve ({exc.strerror})") from None
    return [str(info[4][0]) for info in infos]


def _kind(address: str) -> str | None:
    """Why an address is not a public one (None: it is)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "shared or special-purpose"


def check_target(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Refused unless ``url`` may be called under the host rules above."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise Refused("the URL has no host")
    if allow_private:
        return
    if parts.scheme != "https":
        raise Refused(f"{parts.scheme}:// is not HTTPS")
    for address in resolver(host, parts.port or 443):
        kind = _kind(address)
        if kind is not None:
            where = f"{address} is" if address == host else f"{host} resolves to {address},"
            raise Refused(f"{where} not a public address ({kind})")


def request_of(action: ActionSpec, values: Mapping[str, str | int]) -> tuple[str, dict[str, Any]]:
    """(URL, httpx request options): parameters in the URL template go there (quoted); the rest go
    in the query string (GET, DELETE) or a JSON body."""
    in_url = {name: quote(str(values[name]), safe="") for name in values if "{" + name + "}" in action.url}
    url = render(action.url, in_url)
    rest = {name: value for name, value in values.items() if name not in in_url}
    headers = {"Accept": "application/json", "User-Agent": "supportbot-actions"}
    if action.secret is not None:
        headers[action.secret.header] = action.secret.prefix + action.secret.value
    options: dict[str, Any] = {"headers": headers}
    if rest:
        options["params" if action.method in ("GET", "DELETE") else "json"] = rest
    return url, options


def call_action(
    action: ActionSpec,
    values: Mapping[str, str | int],
    *,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> CallResult:
    """Call ``action`` with checked ``values``; what came of it."""
    import httpx

    try:
        url, options = request_of(action, values)
        check_target(url, allow_private=allow_private and action.allow_private, resolver=resolver)
    except Refused as exc:
        return CallResult(False, error=f"refused: {exc}")
    except KeyError as exc:
        return CallResult(False, error=f"no value for the URL's {exc}")
    try:
        with httpx.Client(timeout=action.timeout_s, follow_redirects=False, trust_env=False) as client:
            response = client.request(action.method, url, **options)
    except httpx.TimeoutException:
        return CallResult(False, error=f"the service did not answer within {action.timeout_s:g} s")
    except httpx.HTTPError as exc:
        return CallResult(False, error=f"the service could not be reached ({type(exc).__name__})")
    status = response.status_code
    if not 200 <= status < 300:
        return CallResult(False, status, error=f"the service answered HTTP {status}")
    if not response.content.strip():
        return CallResult(True, status)
    try:
        data = response.json()
    except ValueError:
        return CallResult(False, status, error="the service's answer is not JSON")
    if not isinstance(data, dict):
        return CallResult(False, status, error="the service's answer is not a JSON object")
    return CallResult(True, status, data)


def answer_of(action: ActionSpec, values: Mapping[str, str | int], result: CallResult) -> CallResult:
    """The result with its answer, written from its fields (and the parameters); failed when a
    field the answer names is not in the result — a status is never made up."""
    try:
        answer = render(action.answer, {**values, **result.data})
    except KeyError as exc:
        return replace(result, ok=False, error=f"the service's answer has no {exc}")
    return replace(result, answer=answer)
