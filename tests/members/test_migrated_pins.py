"""PINs hashed by other library systems: verified as they are, replaced by CLB's hash at the
first right PIN, never kept in clear; an unknown scheme means the member sets a PIN first."""

import base64
import hashlib

import bcrypt
import pytest

from clb.members import pins
from clb.members import services as members
from clb.members.errors import MemberError
from clb.members.models import Patron
from tests.factories import make_patron


def koha_bcrypt(pin: str) -> str:
    return bcrypt.hashpw(pin.encode(), bcrypt.gensalt(8, prefix=b"2a")).decode()


def koha_md5(pin: str) -> str:
    return base64.b64encode(hashlib.md5(pin.encode()).digest()).decode().rstrip("=")


def folio(pin: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha1", pin.encode(), bytes.fromhex(salt), 1000).hex().upper()


SALT = "00112233445566778899AABBCCDDEEFF01234567"


@pytest.mark.parametrize(
    "stored, salt, scheme",
    [
        (koha_bcrypt("4321"), "", "bcrypt (Koha)"),
        (koha_md5("4321"), "", "MD5 (oude Koha)"),
        (folio("4321", SALT), SALT, "PBKDF2 (FOLIO)"),
        (pins.hash_pin("4321"), "", "Django"),
    ],
)
def test_known_schemes_open_the_card_and_become_clbs_own(net, stored, salt, scheme):
    encoded, found = pins.from_source(stored, salt)
    assert found == scheme and encoded is not None
    assert pins.pin_matches("4321", encoded) and not pins.pin_matches("1234", encoded)
    patron = make_patron(net.org_a)
    Patron.objects.filter(pk=patron.pk).update(pin_hash=encoded)
    with pytest.raises(MemberError):
        members.verify_pin(patron.card_number, "9999")
    members.verify_pin(patron.card_number, "4321")
    patron.refresh_from_db()
    assert patron.pin_hash.startswith("clb_pin_pbkdf2$")
    members.verify_pin(patron.card_number, "4321")


def test_a_clear_pin_is_hashed_and_unknown_schemes_wait_for_first_use(net):
    encoded, scheme = pins.from_source(" 4321 ")
    assert scheme == "onversleuteld" and "4321" not in encoded and pins.pin_matches("4321", encoded)
    for value in ("", "!", "sha1:abc", "x" * 30):
        encoded, _scheme = pins.from_source(value)
        assert encoded is None
    patron = make_patron(net.org_a)
    Patron.objects.filter(pk=patron.pk).update(pin_hash=pins.not_set())
    patron.refresh_from_db()
    assert not pins.is_set(patron.pin_hash)
    with pytest.raises(MemberError):
        members.verify_pin(patron.card_number, "")
    members.set_pin(patron, "2468")
    assert members.verify_pin(patron.card_number, "2468")
