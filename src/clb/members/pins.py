"""PIN hashing. A 4–6 digit PIN cannot resist offline guessing whatever the hash, so the real
defence is the lockout (members.services.verify_pin); the hash keeps PINs unreadable in the
database and in backups, at a cost a kiosk transaction can afford."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password


class PinHasher(PBKDF2PasswordHasher):
    algorithm = "clb_pin_pbkdf2"
    iterations = 40_000


def hash_pin(pin: str) -> str:
    return make_password(pin, hasher="clb_pin_pbkdf2")


def pin_matches(pin: str, encoded: str) -> bool:
    return check_password(pin, encoded)
