"""PIN hashing. A 4–6 digit PIN cannot resist offline guessing whatever the hash, so the real
defence is the lockout (members.services.verify_pin); the hash keeps PINs unreadable in the
database and in backups, at a cost a kiosk transaction can afford.

PINs hashed by another library system come in with a migration as they are, when their scheme
is one of these (the hasher named in the stored value; settings.PASSWORD_HASHERS lists them):
- Koha 3.12 and later: bcrypt, `$2a$08$…` (Crypt::Eksblowfish) → Django's `bcrypt$…`;
- Koha before 3.12: MD5 in base64 without padding, 22 characters → `koha_md5$…`;
- FOLIO (mod-login): PBKDF2-HMAC-SHA1, 1000 rounds, 160 bits, salt and hash in hex, stored
  apart → `folio_pbkdf2_sha1$1000$SALT$HASH`;
- Django's own encoded form (`pbkdf2_sha256$…`, CLB's `clb_pin_pbkdf2$…`): taken as it is.
The first right PIN typed replaces such a hash with CLB's own (verify_pin). Anything else —
an unknown scheme, no PIN, Koha's `!` — is not guessed at: the member sets a PIN at first use
(at the desk), and until then no PIN opens the card."""

import base64
import hashlib
import re

from django.contrib.auth.hashers import (
    BasePasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    identify_hasher,
    is_password_usable,
    make_password,
    mask_hash,
)
from django.utils.crypto import constant_time_compare


class PinHasher(PBKDF2PasswordHasher):
    algorithm = "clb_pin_pbkdf2"
    iterations = 40_000


def hash_pin(pin: str) -> str:
    return make_password(pin, hasher="clb_pin_pbkdf2")


def pin_matches(pin: str, encoded: str) -> bool:
    return check_password(pin, encoded)


def outdated(encoded: str) -> bool:
    """A usable hash of another scheme than CLB's: replace it when the right PIN is typed."""
    return is_password_usable(encoded) and not encoded.startswith(PinHasher.algorithm + "$")


def not_set() -> str:
    """The stored value of a PIN still to be set: no PIN matches it."""
    return make_password(None)


def is_set(encoded: str) -> bool:
    return is_password_usable(encoded)


# --- schemes of other systems, for migrations --------------------------------------------------


class _ForeignHasher(BasePasswordHasher):
    """Verifies hashes another system made; CLB never makes new ones of these."""

    def salt(self):
        raise NotImplementedError("CLB maakt geen nieuwe hashes van dit schema")

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass


class KohaMd5PinHasher(_ForeignHasher):
    """Koha before 3.12: md5_base64(password), 22 characters, no salt."""

    algorithm = "koha_md5"

    def encode(self, password, salt):
        digest = base64.b64encode(hashlib.md5(password.encode()).digest()).decode()
        return f"{self.algorithm}${digest.rstrip('=')}"

    def verify(self, password, encoded):
        return constant_time_compare(self.encode(password, ""), encoded)

    def decode(self, encoded):
        algorithm, digest = encoded.split("$", 1)
        return {"algorithm": algorithm, "hash": digest, "salt": None}

    def safe_summary(self, encoded):
        return {"algorithm": self.algorithm, "hash": mask_hash(self.decode(encoded)["hash"])}


class FolioPinHasher(_ForeignHasher):
    """FOLIO mod-login: PBKDF2WithHmacSHA1 over the hex-decoded salt, hash in hex."""

    algorithm = "folio_pbkdf2_sha1"

    def encode(self, password, salt, iterations=1000):
        digest = hashlib.pbkdf2_hmac("sha1", password.encode(), bytes.fromhex(salt), iterations)
        return f"{self.algorithm}${iterations}${salt}${digest.hex().upper()}"

    def decode(self, encoded):
        algorithm, iterations, salt, digest = encoded.split("$", 3)
        return {"algorithm": algorithm, "iterations": int(iterations), "salt": salt,
                "hash": digest}  # fmt: skip

    def verify(self, password, encoded):
        d = self.decode(encoded)
        return constant_time_compare(self.encode(password, d["salt"], d["iterations"]), encoded)

    def safe_summary(self, encoded):
        d = self.decode(encoded)
        return {"algorithm": d["algorithm"], "iterations": d["iterations"],
                "salt": mask_hash(d["salt"]), "hash": mask_hash(d["hash"])}  # fmt: skip


BCRYPT = re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}")
KOHA_MD5 = re.compile(r"[A-Za-z0-9+/]{22}")
HEX40 = re.compile(r"[0-9A-Fa-f]{40}")
CLEAR = re.compile(r"\d{4,6}")
NO_PIN = {"", "!"}


def from_source(value: str, salt: str = "") -> tuple[str | None, str]:
    """A PIN as another system stored it → (the value CLB stores, or None when the member sets
    a PIN at first use; the scheme's name for the report). A PIN stored in clear (some old
    systems did) is hashed here and never kept as it was."""
    value, salt = (value or "").strip(), (salt or "").strip()
    if value in NO_PIN:
        return None, "geen"
    if BCRYPT.fullmatch(value):
        return f"bcrypt${value}", "bcrypt (Koha)"
    if salt and HEX40.fullmatch(value) and HEX40.fullmatch(salt):
        return f"{FolioPinHasher.algorithm}$1000${salt.upper()}${value.upper()}", "PBKDF2 (FOLIO)"
    if KOHA_MD5.fullmatch(value):
        return f"{KohaMd5PinHasher.algorithm}${value}", "MD5 (oude Koha)"
    if CLEAR.fullmatch(value):
        return hash_pin(value), "onversleuteld"
    try:
        identify_hasher(value)
    except ValueError:
        return None, "onbekend"
    return value, "Django"
