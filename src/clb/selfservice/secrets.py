from django.contrib.auth.hashers import PBKDF2PasswordHasher


class KioskSecretHasher(PBKDF2PasswordHasher):
    """Kiosk passwords are long machine secrets set by an administrator, so fewer rounds keep
    a kiosk's reconnect cheap without making the stored hash guessable."""

    algorithm = "clb_kiosk_pbkdf2"
    iterations = 20_000
