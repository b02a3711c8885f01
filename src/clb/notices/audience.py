"""Who gets a notice how: e-mail when the member has a working address, otherwise a printed
letter at the branch (one channel, never both); nothing for a kind the member switched off."""

from django.conf import settings

from clb.members.models import Patron

from .models import OPTIONAL_KINDS, Channel, FailingAddress, Language, MemberSettings, OptOut


class Audience:
    """The addressing facts of a set of members, fetched in a few queries."""

    def __init__(self, patron_ids):
        ids = list(set(patron_ids))
        self.emails = dict(Patron.objects.filter(pk__in=ids).values_list("id", "email"))
        self.languages = dict(
            MemberSettings.objects.filter(patron_id__in=ids).values_list("patron_id", "language")
        )
        self.opted_out = set(
            OptOut.objects.filter(patron_id__in=ids).values_list("patron_id", "kind")
        )
        addresses = [e for e in self.emails.values() if e]
        self.failing = set(
            FailingAddress.objects.filter(address__in=addresses).values_list("address", flat=True)
        )

    def route(self, patron_id, kind) -> tuple[str, str, str] | None:
        """(channel, address, language), or None when the member does not want this kind."""
        if kind in OPTIONAL_KINDS and (patron_id, kind) in self.opted_out:
            return None
        language = self.languages.get(patron_id, Language.DUTCH)
        email = self.emails.get(patron_id, "")
        if email and email not in self.failing:
            return Channel.EMAIL, email, language
        return Channel.PRINT, "", language


def message_domain() -> str:
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rpartition("@")[2].strip(">") or "clb.localhost"
