"""An action's call connects to the address that was checked (usecases.action_http): real order
services on loopback addresses, a DNS answer that changes after the check, and HTTPS by IP with
the name kept for SNI and the certificate check (a test CA, made here)."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportbot.core.actions_config import ActionSpec, parse_actions
from supportbot.usecases.action_http import answer_of, call_action, check_target, pinned
from tests.order_service import running_order_service


def action(url: str, **change: object) -> ActionSpec:
    entry = {
        "name": "order_status",
        "description": "Where an order is.",
        "risk": "read",
        "url": url + "/orders/{order_id}",
        "examples": ["where is my order"],
        "answer": "Order {order_id} is {status}, expected {eta}.",
        "params": {"order_id": {"pattern": r"\b\d{4,8}\b", "type": "integer"}},
        "allow_private": True,
        "timeout_s": 2,
    }
    return parse_actions({"actions": [entry | change]}, env={}).actions[0]


class Dns:
    """A name server under the test's control: each lookup answers the next of ``answers`` (the
    last one from then on), and is counted."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers, self.asked = list(answers), 0

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked += 1
        return self.answers[min(self.asked, len(self.answers)) - 1]


def test_a_dns_answer_that_changes_after_the_check_is_never_connected_to(monkeypatch):
    """DNS rebinding: the name first resolves to the checked service, then to another. The call
    goes to the one that was checked, with the URL's own Host header; the other sees nothing."""
    with running_order_service("127.0.0.1") as checked:
        port = int(checked.url.rsplit(":", 1)[1])
        with running_order_service("127.0.0.2", port) as rebound:
            dns = Dns(["127.0.0.1"], ["127.0.0.2"])
            real = socket.getaddrinfo

            def system_dns(host, *args, **kw):  # any second lookup would get the rebound answer
                return real("127.0.0.2" if host == "orders.rebind.test" else host, *args, **kw)

            monkeypatch.setattr(socket, "getaddrinfo", system_dns)
            spec = action(f"http://orders.rebind.test:{port}")
            result = call_action(spec, {"order_id": 4411}, allow_private=True, resolver=dns)
            assert result.ok and result.data["status"] == "shipped"
            assert dns.asked == 1
            assert checked.seen() == [("GET", "/orders/4411")] and rebound.seen() == []
            assert checked.requests[0]["host"] == f"orders.rebind.test:{port}"


def test_the_next_checked_address_is_tried_when_one_refuses_the_connection():
    with running_order_service("127.0.0.1") as orders:
        port = int(orders.url.rsplit(":", 1)[1])
        spec = action(f"http://orders.two.test:{port}")
        dns = Dns(["127.0.0.3", "127.0.0.1"])  # nothing listens on the first
        result = call_action(spec, {"order_id": 4412}, allow_private=True, resolver=dns)
        assert result.ok and result.data["status"] == "packed" and orders.seen() == [("GET", "/orders/4412")]


def test_pinned_requests_keep_the_host_for_the_header_and_sni():
    url, headers, extensions = pinned("https://Orders.Example.com:8443/o/1?x=2", "93.184.216.34")
    assert str(url) == "https://93.184.216.34:8443/o/1?x=2"
    assert headers == {"Host": "orders.example.com:8443"} and extensions == {
        "sni_hostname": "orders.example.com"
    }
    url, headers, extensions = pinned("https://orders.example.com/o", "2606:2800:220:1::1")
    assert str(url) == "https://[2606:2800:220:1::1]/o" and headers == {"Host": "orders.example.com"}
    assert pinned("http://orders.example.com/o", "10.0.0.1")[2] == {}  # no TLS, no SNI
    # What is connected to is what the check returned: one lookup, every address checked.
    dns = Dns(["93.184.216.34", "2606:2800:220:1::1"], ["127.0.0.1"])
    assert check_target("https://orders.example.com/o", allow_private=False, resolver=dns) == [
        "93.184.216.34",
        "2606:2800:220:1::1",
    ]
    assert dns.asked == 1


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory) -> Iterator[tuple[ssl.SSLContext, ssl.SSLContext, list[str]]]:
    """(the server's context, for orders.test; a client context trusting only this CA; the SNI
    names the server was asked for)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder: Path = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)

    def certificate(name: str, key, issuer, issuer_key, *, ca: bool, dns: str | None = None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        if dns:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "supportbot test CA")])
    ca = certificate("supportbot test CA", ca_key, ca_name, ca_key, ca=True)
    leaf = certificate("orders.test", leaf_key, ca_name, ca_key, ca=False, dns="orders.test")
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    asked: list[str] = []
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    server.sni_callback = lambda sock, name, ctx: asked.append(name)
    client = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    yield server, client, asked


def test_https_by_the_checked_ip_sends_the_name_as_sni_and_checks_the_certificate_against_it(test_ca):
    server, client, asked = test_ca
    with running_order_service("127.0.0.1", tls=server) as orders:
        port = int(orders.url.rsplit(":", 1)[1])
        spec = action(f"https://orders.test:{port}")
        dns = Dns(["127.0.0.1"])
        result = call_action(spec, {"order_id": 4411}, allow_private=True, resolver=dns, verify=client)
        assert result.ok, result.error
        assert answer_of(spec, {"order_id": 4411}, result).answer == "Order 4411 is shipped, expected Friday."
        assert asked == ["orders.test"] and orders.requests[0]["host"] == f"orders.test:{port}"

        # Another name pinned to the same address: its certificate does not name it, so the
        # handshake fails and nothing is asked (the check is the name's, not the address's).
        other = action(f"https://billing.test:{port}")
        failed = call_action(other, {"order_id": 4411}, allow_private=True, resolver=dns, verify=client)
        assert not failed.ok and failed.error == "the service could not be reached (ConnectError)"
        assert orders.seen() == [("GET", "/orders/4411")]
