"""One declared action called over HTTP: the host checked first, a timeout, the result read.

The rules: HTTPS only, and the host is resolved and refused when any of its addresses is not a
public one (loopback, private, link-local, shared, reserved, multicast) — unless the admin's
switch (SUPPORTBOT_ACTIONS_ALLOW_PRIVATE=1) is on *and* the action says ``allow_private = true``:
then private hosts and plain http are allowed, for a service on the team's own network.

The host is resolved once, and the connection is made to an address that was checked (pinned):
the request goes to that IP with the URL's own ``Host`` header, and over HTTPS with its name as
SNI (httpx's ``sni_hostname`` extension), so the certificate is still verified against the
name. A DNS answer that changes after the check (DNS rebinding) is never asked for; and the
peer of the established connection is compared with the pinned address before the body is read.

Redirects are not followed (a redirect is not a 2xx). Every way it can go wrong — refused, timed
out, unreachable, a non-2xx status, a body that is not a JSON object, an answer field missing —
is a ``CallResult`` that says why in words, never an exception and never a made-up answer.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
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
    ip = _ip(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "shared or special-purpose"


_PORTS = {"http": 80, "https": 443}


def check_target(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> list[str]:
    """The addresses ``url``'s host may be reached at (resolved once: the call connects to one of
    these, never to a second answer); Refused unless ``url`` may be called under the rules above."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise Refused("the URL has no host")
    if not allow_private and parts.scheme != "https":
        raise Refused(f"{parts.scheme}:// is not HTTPS")
    if _literal(host):
        addresses = [host]
    else:
        addresses = list(dict.fromkeys(resolver(host, parts.port or _PORTS.get(parts.scheme, 443))))
    if not addresses:
        raise Refused(f"host {host} does not resolve")
    if allow_private:
        return addresses
    for address in addresses:
        kind = _kind(address)
        if kind is not None:
            where = f"{address} is" if address == host else f"{host} resolves to {address},"
            raise Refused(f"{where} not a public address ({kind})")
    return addresses


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(address.split("%", 1)[0])


def _literal(host: str) -> bool:
    try:
        _ip(host)
    except ValueError:
        return False
    return True


def pinned(url: str, address: str) -> tuple[Any, dict[str, str], dict[str, Any]]:
    """(the URL with ``address`` for its host, the headers that keep the original host, the
    request's extensions): the Host header is the URL's, and over HTTPS the name is the SNI the
    certificate is checked against."""
    import httpx

    original = httpx.URL(url)
    headers = {"Host": original.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if original.scheme == "https" and not _literal(original.host):
        extensions["sni_hostname"] = original.raw_host.decode("ascii")
    return original.copy_with(host=address), headers, extensions


def _peer(response: Any) -> str | None:
    """The address the response came from (None where the transport does not say)."""
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return str(peer[0]) if isinstance(peer, tuple) and peer else None


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
    verify: ssl.SSLContext | bool = True,
) -> CallResult:
    """Call ``action`` with checked ``values``; what came of it. ``verify``: httpx's certificate
    verification (True: its default trust store; a test passes a context trusting its own CA)."""
    import httpx

    try:
        url, options = request_of(action, values)
        addresses = check_target(url, allow_private=allow_private and action.allow_private, resolver=resolver)
    except Refused as exc:
        return CallResult(False, error=f"refused: {exc}")
    except KeyError as exc:
        return CallResult(False, error=f"no value for the URL's {exc}")
    timeout = action.timeout_s
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify) as client:
            for n, address in enumerate(addresses):
                target, host, extensions = pinned(url, address)
                request = client.build_request(
                    action.method,
                    target,
                    **{**options, "headers": {**options["headers"], **host}},
                    extensions=extensions,
                )
                try:
                    response = client.send(request, stream=True)
                except httpx.ConnectError:
                    if n + 1 == len(addresses):
                        raise
                    continue  # the next checked address (an unreachable IPv6 one, say)
                try:
                    peer = _peer(response)
                    if peer is not None and _ip(peer) != _ip(address):
                        return CallResult(False, error=f"refused: connected to {peer}, not {address}")
                    response.read()
                finally:
                    response.close()
                break
    except httpx.TimeoutException:
        return CallResult(False, error=f"the service did not answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return CallResult(False, error=f"the service could not be reached ({type(exc).__name__})")
    return _read(response)


def _read(response: Any) -> CallResult:
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
    """The result with its answer, written from its fields (and the parameters), each escaped for
    Slack; failed when a field the answer names is not in the result — a status is never made up."""
    try:
        answer = render(action.answer, {**values, **result.data}, escape=True)
    except KeyError as exc:
        return replace(result, ok=False, error=f"the service's answer has no {exc}")
    return replace(result, answer=answer)
