from __future__ import annotations

import base64

import pytest

from supportbot.core.errors import ConfigError
from supportbot.review.passwords import AdminAccounts, hash_password, parse_hash, verify_password

# RFC 7914, section 11: PBKDF2-HMAC-SHA256 test vectors (first 32 bytes of the 64 given).
RFC_PASSWD = bytes.fromhex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
RFC_NACL = bytes.fromhex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_hash_matches_the_rfc_vectors():
    assert hash_password("passwd", iterations=1, salt=b"salt") == f"pbkdf2_sha256$1$c2FsdA${b64(RFC_PASSWD)}"
    written_by_hand = f"pbkdf2_sha256$80000${b64(b'NaCl')}${b64(RFC_NACL)}"
    assert verify_password("Password", written_by_hand)
    assert not verify_password("password", written_by_hand)


def test_round_trip_and_random_salt():
    first, second = (
        hash_password("hunter2hunter2", iterations=1000),
        hash_password("hunter2hunter2", iterations=1000),
    )
    assert first != second  # a fresh salt each time
    assert verify_password("hunter2hunter2", first) and verify_password("hunter2hunter2", second)
    assert not verify_password("hunter2hunter3", first)
    assert parse_hash(first).iterations == 1000
    assert hash_password("x").split("$")[1] == "600000"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain",
        "md5$1$c2FsdA$abc",
        "pbkdf2_sha256$zero$c2FsdA$abc",
        "pbkdf2_sha256$0$c2FsdA$abc",
        "pbkdf2_sha256$1$$abc",
    ],
)
def test_malformed_hash_never_matches(bad):
    assert not verify_password("anything", bad)


def test_admin_accounts_from_settings_entries():
    accounts = AdminAccounts.from_entries(
        [
            f"alice:{hash_password('alice password', iterations=1000)}",
            f"bob:{hash_password('bob password', iterations=1000)}",
        ]
    )
    assert accounts.names == ["alice", "bob"]
    assert accounts.check("alice", "alice password")
    assert not accounts.check("alice", "bob password")
    assert not accounts.check("carol", "alice password")  # unknown name: refused (after a decoy check)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["alice"], "is not name:hash"),
        (["alice:sha1$x"], "the hash of 'alice'"),
        ([":pbkdf2_sha256$1$c2FsdA$abc"], "is not name:hash"),
        (["a:pbkdf2_sha256$1$c2FsdA$YWJj", "a:pbkdf2_sha256$1$c2FsdA$YWJj"], "listed twice"),
    ],
)
def test_bad_admin_entries_name_the_variable(entries, message):
    with pytest.raises(ConfigError) as err:
        AdminAccounts.from_entries(entries)
    assert str(err.value).startswith("SUPPORTBOT_REVIEW_ADMINS: ") and message in str(err.value)
