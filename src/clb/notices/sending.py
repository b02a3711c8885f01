"""Sending the queue: claim a batch, check each notice is still true, render it, hand it to
Django's e-mail backend, mark it sent - or retry later with backoff, or give up.

A claim is a lease held by one worker (host:pid), so two workers never send the same notice,
and a worker killed mid-batch leaves notices another can take over: at once when the dead
worker was on this host (its pid is gone), otherwise when the lease runs out. A notice taken
over is sent again with its own Message-ID, so a copy that did get out before the crash is the
same message to the receiving side, which keeps one (at-least-once delivery, identified).

Sent notices are marked together, one UPDATE per MARK_EVERY of them (and at the end of each
batch), not one per notice: a crash mid-batch re-sends the notices sent since the last mark - at
most MARK_EVERY and the few handed to the connections (senders.py), each with its own Message-ID
again - where marking each one re-sent at most one."""

import logging
import os
import smtplib
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from clb import clock

from .content import context_for, with_content
from .models import Channel, FailingAddress, Notice, State
from .rendering import TemplateError, render, template_for
from .rules import NoticeRules
from .senders import Senders, is_bounce, refusal

log = logging.getLogger("clb.notices")

# Wait after the n-th failed try; after the last, the notice has failed.
BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
MAX_TRIES = len(BACKOFF) + 1
# Sent notices marked per UPDATE: what a crash may send twice (see above).
MARK_EVERY = 100


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease() -> timedelta:
    return timedelta(seconds=settings.CLB_NOTICE_LEASE_SECONDS)


def _claim(at, size: int) -> list[int]:
    with transaction.atomic():
        ids = list(
            Notice.objects.filter(
                channel=Channel.EMAIL,
                state__in=[State.PENDING, State.SENDING],
                next_try_at__lte=at,
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=at))
            .order_by("next_try_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:size]
        )
        Notice.objects.filter(pk__in=ids).update(
            state=State.SENDING,
            claimed_until=at + lease(),
            claimed_by=worker_id(),
            tries=F("tries") + 1,
        )
    return ids


def release_dead_claims() -> int:
    """Give back the claims of workers on this host that are gone (killed mid-send)."""
    host = socket.gethostname()
    dead = [
        claimer
        for claimer in Notice.objects.filter(state=State.SENDING, claimed_by__startswith=f"{host}:")
        .values_list("claimed_by", flat=True)
        .distinct()
        if not _alive(int(claimer.rpartition(":")[2]))
    ]  # fmt: skip
    return Notice.objects.filter(state=State.SENDING, claimed_by__in=dead).update(
        claimed_until=None, claimed_by=""
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def send_pending(at=None, *, batch: int = 200, senders: int | None = None) -> dict:
    """Send what is due; returns counts per outcome. `at` is the injected clock; `senders` the
    connections to the mail server at once (CLB_NOTICE_SENDERS)."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "cancelled": 0}
    rules, templates = NoticeRules(), Templates()
    with Senders(senders or settings.CLB_NOTICE_SENDERS) as post:
        while ids := _claim(clock.now(at), batch):
            sent = []  # (notice, when): sent, not yet marked
            try:
                for notice in with_content(Notice.objects.filter(pk__in=ids)).order_by("id"):
                    now = clock.now(at)
                    email = _email(notice, now, rules, templates)
                    if email is None:
                        counts["cancelled" if notice.state == State.CANCELLED else "failed"] += 1
                        continue
                    post.post((notice, now), email)
                    _take(post.finished(), counts, sent)
            finally:
                # also when the batch broke off: what the server took did go out
                try:
                    _take(post.drain(), counts, sent)
                finally:
                    _mark_sent(sent)
    return counts


def _take(outcomes: list, counts: dict, sent: list) -> None:
    """Count the server's answers; the sent wait in `sent`, marked once MARK_EVERY wait."""
    for (notice, when), error in outcomes:
        outcome = _outcome(notice, when, error)
        counts[outcome] += 1
        if outcome == "sent":
            sent.append((notice, when))
    if len(sent) >= MARK_EVERY:
        _mark_sent(sent)
        sent.clear()


def _mark_sent(sent: list) -> None:
    """The notices sent, each at its own time, marked together."""
    store_texts(
        [notice for notice, _when in sent], State.SENDING,
        sent_at={notice.pk: when for notice, when in sent},
        state=State.SENT, claimed_until=None, claimed_by="", last_error="",
    )  # fmt: skip


def store_texts(notices: list, still: str, *, sent_at: dict | None = None, **fields) -> None:
    """Store each notice's own subject and body (and time sent, by pk), and `fields` alike for
    all, on those still in state `still`: one UPDATE per MARK_EVERY notices, not one each.

    The statement is written out (a plain CASE per column, the same on SQLite and PostgreSQL):
    Django's Case/When for 100 notices took longer to compile than the UPDATEs it replaced."""
    meta = Notice._meta
    connection = connections[router.db_for_write(Notice)]
    quote = connection.ops.quote_name

    def column(name):
        return quote(meta.get_field(name).column)

    def prepared(name, value):
        return meta.get_field(name).get_db_prep_save(value, connection)

    for start in range(0, len(notices), MARK_EVERY):
        chunk = notices[start : start + MARK_EVERY]
        own = {
            "subject": {notice.pk: notice.subject for notice in chunk},
            "body": {notice.pk: notice.body for notice in chunk},
        }
        if sent_at is not None:
            own["sent_at"] = {notice.pk: sent_at[notice.pk] for notice in chunk}
        assignments, params = [], []
        for name, values in own.items():
            whens = " ".join(["WHEN %s THEN %s"] * len(values))
            assignments.append(f"{column(name)} = CASE {column('id')} {whens} END")
            for pk, value in values.items():
                params += [pk, prepared(name, value)]
        for name, value in fields.items():
            assignments.append(f"{column(name)} = %s")
            params.append(prepared(name, value))
        keys = ", ".join(["%s"] * len(chunk))
        params += [notice.pk for notice in chunk] + [still]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "  # names from the model; values as parameters
                f"WHERE {column('id')} IN ({keys}) AND {column('state')} = %s",
                params,
            )


class Templates:
    """The templates of one run, looked up once per (organisation, kind, language)."""

    def __init__(self):
        self.found = {}

    def __call__(self, organisation_id, kind, language):
        key = (organisation_id, kind, language)
        if key not in self.found:
            self.found[key] = template_for(*key)
        return self.found[key]


def settle(notice: Notice, at, rules=None, templates=template_for):
    """Render the notice as it is now, or cancel it when it stopped being true. Returns the
    message, or None (cancelled or failed). The text is set on the notice; the caller stores
    it with the others of its batch (store_texts)."""
    context = context_for(notice, rules)
    if context is None:
        _finish(notice, State.CANCELLED, at, _("Vervallen: niet meer van toepassing."))
        return None
    subject, body = templates(notice.organisation_id, notice.kind, notice.language)
    try:
        message = render(subject, body, context, notice.language)
    except TemplateError as exc:
        _finish(notice, State.FAILED, at, str(exc))
        return None
    notice.subject, notice.body = message.subject, message.text
    return message


def _email(notice: Notice, at, rules, templates) -> EmailMultiAlternatives | None:
    # The text is stored with the outcome: after a crash it is rendered again anyway.
    message = settle(notice, at, rules, templates)
    if message is None:
        return None
    email = NoticeEmail(
        message.subject,
        message.text,
        settings.DEFAULT_FROM_EMAIL,
        [notice.to_address],
        headers={"Message-ID": notice.message_id},
    )
    email.attach_alternative(message.html, "text/html")
    return email


class NoticeEmail(EmailMultiAlternatives):
    """A notice's mail, with the boundary between its text and HTML parts chosen here. Left
    unset, the standard library draws one for every message and compiles a regular expression
    to check it against the text: a quarter of the cost of building a message. Ours has 128
    random bits and is checked with a plain search; the encoded parts cannot hold it (a run of
    '=' is neither quoted-printable nor base64)."""

    def message(self):
        mime = super().message()
        boundary = f"{'=' * 15}clb{uuid.uuid4().hex}=="
        if mime.is_multipart() and not any(boundary in part for part in self.parts()):
            mime.set_boundary(boundary)
        return mime

    def parts(self) -> list[str]:
        return [self.body, *(content for content, _mimetype in self.alternatives)]


def _outcome(notice: Notice, at, error: Exception | None) -> str:
    """What the server's answer means for the notice: sent (marked with the others of its
    batch), a bounce, or a retry later."""
    if error is None:
        return "sent"
    if (refused := refusal(error)) is None:
        if isinstance(error, (smtplib.SMTPException, OSError)):
            return _retry(notice, at, f"{type(error).__name__}: {error}")
        raise error
    why = "{} {}".format(*refused)
    if is_bounce(error):  # refused for good
        FailingAddress.objects.update_or_create(
            address=notice.to_address, defaults={"since": at, "reason": why[:500]}
        )
        _finish(notice, State.FAILED, at, why)
        return "failed"
    return _retry(notice, at, why)


def _retry(notice: Notice, at, error: str) -> str:
    log.warning("notice %s not sent (try %s): %s", notice.pk, notice.tries, error)
    if notice.tries >= MAX_TRIES:
        _finish(notice, State.FAILED, at, error)
        return "failed"
    Notice.objects.filter(pk=notice.pk).update(
        subject=notice.subject,
        body=notice.body,
        state=State.PENDING,
        next_try_at=at + BACKOFF[notice.tries - 1],
        claimed_until=None,
        claimed_by="",
        last_error=error[:500],
    )
    return "retry"


def _finish(notice: Notice, state: str, at, error: str = "") -> None:
    notice.state = state
    Notice.objects.filter(pk=notice.pk).update(
        state=state, claimed_until=None, claimed_by="", last_error=error[:500]
    )
