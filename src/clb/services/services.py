"""Registration of IDO contacts, activities and courses, and staff per year.

One transaction per action; bad input raises RegistrationError naming the field; nothing is
written into a period that is closed (its figures are final)."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from clb import clock
from clb.errors import DomainError
from clb.network.models import Branch, Municipality, Organisation
from clb.statistics.periods import ensure_open

from . import tallies
from .models import (
    BODY_FOR_THEME,
    PROGRAMME_DEFAULTS,
    Activity,
    Channel,
    GovernmentBody,
    IdoContact,
    IdoContactTheme,
    ParticipantCount,
    Programme,
    Referral,
    StaffYear,
    TargetGroup,
    Theme,
    WsobFunction,
)


class RegistrationError(DomainError):
    code = "registration"


# --- quick code: a contact in a few keystrokes ---------------------------------------------------
# <channel letter>? <theme digits>+ <outcome>?   e.g. "1" (desk, DigiD, helped), "t23vo" (phone,
# toeslagen + belastingen, referred to the body concerned). Shown on the entry page.

QUICK_CHANNELS = {
    "b": Channel.DESK,
    "a": Channel.APPOINTMENT,
    "t": Channel.PHONE,
    "e": Channel.EMAIL,
    "o": Channel.ONLINE,
}
QUICK_THEMES = {
    "1": Theme.DIGID,
    "2": Theme.ALLOWANCES,
    "3": Theme.TAXES,
    "4": Theme.CARE,
    "5": Theme.PENSION,
    "6": Theme.WORK,
    "7": Theme.DRIVING_LICENCE,
    "8": Theme.FINES,
    "9": Theme.STUDENT_FINANCE,
    "0": Theme.OTHER,
}
QUICK_REFERRALS = {
    "o": Referral.GOVERNMENT,
    "g": Referral.MUNICIPALITY,
    "s": Referral.SOCIAL_ADVICE,
    "h": Referral.DEBT_HELP,
    "t": Referral.LANGUAGE,
    "c": Referral.COURSE,
    "a": Referral.OTHER,
}
_QUICK = re.compile(r"^(?P<channel>[a-z])?(?P<themes>\d+)(?P<helped>h)?(?:v(?P<referral>[a-z]))?$")


@dataclass(frozen=True)
class QuickCode:
    channel: str
    themes: list[str]
    helped: bool
    referred_to: str


def parse_quick_code(text: str) -> QuickCode:
    code = re.sub(r"\s+", "", (text or "").lower())
    match = _QUICK.match(code)
    if not match:
        raise RegistrationError(
            _(
                "Snelcode '%(code)s' is niet te lezen: kanaalletter (optioneel), themacijfers, "
                "dan h (geholpen) en/of v met een verwijsletter."
            )
            % {"code": text},
            field="quick",
        )
    letter = match["channel"] or "b"
    if letter not in QUICK_CHANNELS:
        raise RegistrationError(
            _("Snelcode: kanaal '%(c)s' bestaat niet (%(known)s).")
            % {"c": letter, "known": ", ".join(QUICK_CHANNELS)},
            field="quick",
        )
    themes = list(dict.fromkeys(QUICK_THEMES[d] for d in match["themes"]))
    referral = ""
    if match["referral"]:
        if match["referral"] not in QUICK_REFERRALS:
            raise RegistrationError(
                _("Snelcode: verwijzing '%(r)s' bestaat niet (%(known)s).")
                % {"r": match["referral"], "known": ", ".join(QUICK_REFERRALS)},
                field="quick",
            )
        referral = QUICK_REFERRALS[match["referral"]]
    # Without an outcome the question was answered here; with only a referral it was not.
    helped = bool(match["helped"]) or not referral
    return QuickCode(QUICK_CHANNELS[letter], themes, helped, referral)


# --- IDO contacts --------------------------------------------------------------------------------


def _choice(value: str, choices, field: str, what: str) -> str:
    if value not in choices.values:
        raise RegistrationError(
            _("%(what)s '%(value)s' bestaat niet.") % {"what": what, "value": value}, field=field
        )
    return value


def _branch_of(organisation: Organisation, branch: Branch | None, field="branch") -> Branch:
    if branch is None:
        raise RegistrationError(_("Kies een vestiging."), field=field)
    if branch.organisation_id != organisation.pk:
        raise RegistrationError(
            _("Vestiging %(b)s hoort niet bij %(o)s.") % {"b": branch.name, "o": organisation.name},
            field=field,
        )
    return branch


@transaction.atomic
def register_contact(
    *,
    branch: Branch,
    channel: str,
    themes: list[str],
    helped: bool = True,
    referred_to: str = "",
    government_body: str = "",
    on: date | None = None,
    staff=None,
    at=None,
) -> IdoContact:
    at = clock.now(at)
    day = on or clock.today(at)
    if branch is None:
        raise RegistrationError(_("Kies een vestiging."), field="branch")
    if day > clock.today(at):
        raise RegistrationError(_("De datum ligt in de toekomst."), field="occurred_on")
    ensure_open(day)
    _choice(channel, Channel, "channel", _("Kanaal"))
    themes = list(dict.fromkeys(themes or []))
    if not themes:
        raise RegistrationError(_("Kies minstens één thema."), field="themes")
    for theme in themes:
        _choice(theme, Theme, "themes", _("Thema"))
    if referred_to:
        _choice(referred_to, Referral, "referred_to", _("Verwijzing"))
    if not helped and not referred_to:
        raise RegistrationError(
            _("Geef aan of de vraag is beantwoord of naar wie is doorverwezen."),
            field="referred_to",
        )
    body = government_body or BODY_FOR_THEME[themes[0]]
    _choice(body, GovernmentBody, "government_body", _("Overheidsorganisatie"))
    contact = IdoContact.objects.create(
        organisation_id=branch.organisation_id,
        branch=branch,
        occurred_on=day,
        channel=channel,
        government_body=body,
        helped=helped,
        referred_to=referred_to,
        registered_by=staff,
        registered_at=at,
    )
    IdoContactTheme.objects.bulk_create(IdoContactTheme(contact=contact, theme=t) for t in themes)
    tallies.count_contact(contact, themes)
    return contact


def register_quick_contact(code: str, *, branch: Branch, on=None, staff=None, at=None):
    quick = parse_quick_code(code)
    return register_contact(
        branch=branch,
        channel=quick.channel,
        themes=quick.themes,
        helped=quick.helped,
        referred_to=quick.referred_to,
        on=on,
        staff=staff,
        at=at,
    )


@transaction.atomic
def delete_contact(contact: IdoContact, *, organisation: Organisation) -> None:
    """Undo a registration made by mistake (own organisation, open period only)."""
    if contact.organisation_id != organisation.pk:
        raise RegistrationError(_("Dit contact hoort niet bij uw organisatie."), field="contact")
    ensure_open(contact.occurred_on)
    tallies.count_contact(contact, contact.themes.values_list("theme", flat=True), sign=-1)
    contact.delete()


# --- activities and courses ---------------------------------------------------------------------


def _count(value, field: str, label: str, minimum: int = 0) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RegistrationError(
            _("%(label)s: '%(value)s' is geen geheel getal.") % {"label": label, "value": value},
            field=field,
        ) from None
    if number < minimum:
        raise RegistrationError(
            _("%(label)s moet minstens %(min)s zijn.") % {"label": label, "min": minimum},
            field=field,
        )
    return number


@transaction.atomic
def save_activity(
    *,
    organisation: Organisation,
    programme: str,
    starts_on: date,
    title: str = "",
    wsob_function: str = "",
    is_course: bool | None = None,
    ends_on: date | None = None,
    sessions=1,
    branch: Branch | None = None,
    municipality: Municipality | None = None,
    participants: dict[str, int] | None = None,
    activity: Activity | None = None,
    staff=None,
    at=None,
) -> Activity:
    """Create an activity, or change `activity`; participants replace the earlier counts."""
    at = clock.now(at)
    _choice(programme, Programme, "programme", _("Programma"))
    default_function, default_course = PROGRAMME_DEFAULTS[programme]
    wsob_function = wsob_function or default_function
    _choice(wsob_function, WsobFunction, "wsob_function", _("Wsob-functie"))
    if starts_on is None:
        raise RegistrationError(_("Vul de eerste dag in."), field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise RegistrationError(_("De laatste dag ligt voor de eerste."), field="ends_on")
    ensure_open(starts_on, field="starts_on")
    if activity is not None:
        if activity.organisation_id != organisation.pk:
            raise RegistrationError(_("Deze activiteit hoort niet bij uw organisatie."))
        ensure_open(activity.starts_on, field="starts_on")
    if branch is not None:
        _branch_of(organisation, branch)
    municipality = municipality or (branch.municipality if branch else None)
    if municipality is None:
        raise RegistrationError(
            _("Kies een vestiging of de gemeente waar de activiteit plaatsvond."),
            field="municipality",
        )
    counts = {}
    for group, value in (participants or {}).items():
        _choice(group, TargetGroup, "participants", pgettext("participants", "Doelgroep"))
        counts[group] = _count(value or 0, f"participants_{group}", _("Deelnemers"))
    values = dict(
        organisation=organisation,
        branch=branch,
        municipality=municipality,
        programme=programme,
        title=title.strip(),
        wsob_function=wsob_function,
        is_course=default_course if is_course is None else is_course,
        starts_on=starts_on,
        ends_on=ends_on,
        sessions=_count(sessions, "sessions", _("Bijeenkomsten"), minimum=1),
    )
    if activity is None:
        activity = Activity.objects.create(registered_by=staff, registered_at=at, **values)
    else:
        tallies.count_activity(activity, _participants_of(activity), sign=-1)
        for key, value in values.items():
            setattr(activity, key, value)
        activity.save()
        activity.participants.all().delete()
    ParticipantCount.objects.bulk_create(
        ParticipantCount(activity=activity, target_group=g, count=n) for g, n in counts.items() if n
    )
    tallies.count_activity(activity, counts)
    return activity


def _participants_of(activity: Activity) -> dict[str, int]:
    return dict(activity.participants.values_list("target_group", "count"))


@transaction.atomic
def delete_activity(activity: Activity, *, organisation: Organisation) -> None:
    if activity.organisation_id != organisation.pk:
        raise RegistrationError(_("Deze activiteit hoort niet bij uw organisatie."))
    ensure_open(activity.starts_on, field="starts_on")
    tallies.count_activity(activity, _participants_of(activity), sign=-1)
    activity.delete()


# --- staff per year -----------------------------------------------------------------------------


@transaction.atomic
def record_staff_year(
    *,
    organisation: Organisation,
    year,
    staff_persons,
    staff_fte,
    volunteers=0,
    staff_trained=0,
    staff=None,
    at=None,
) -> StaffYear:
    at = clock.now(at)
    year = _count(year, "year", _("Jaar"), minimum=1990)
    if year > clock.today(at).year:
        raise RegistrationError(_("Jaar %(y)s ligt in de toekomst.") % {"y": year}, field="year")
    ensure_open(date(year, 12, 31), field="year")
    persons = _count(staff_persons, "staff_persons", _("Medewerkers"))
    trained = _count(staff_trained, "staff_trained", _("Bijgeschoolde medewerkers"))
    if trained > persons:
        raise RegistrationError(
            _("Er zijn meer bijgeschoolde medewerkers dan medewerkers."), field="staff_trained"
        )
    try:
        fte = Decimal(str(staff_fte).replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise RegistrationError(
            _("Fte: '%(v)s' is geen getal.") % {"v": staff_fte}, field="staff_fte"
        ) from None
    if fte < 0:
        raise RegistrationError(_("Fte kan niet negatief zijn."), field="staff_fte")
    record, _created = StaffYear.objects.update_or_create(
        organisation=organisation,
        year=year,
        defaults=dict(
            staff_persons=persons,
            staff_fte=fte,
            volunteers=_count(volunteers, "volunteers", _("Vrijwilligers")),
            staff_trained=trained,
            registered_by=staff,
            registered_at=at,
        ),
    )
    return record
