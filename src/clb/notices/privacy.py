"""A notice's content lives as long as the loan link does (DESIGN.md, privacy): after the
retention period, unless the member keeps reading history, a finished notice keeps only its
kind, channel, state and dates - no text, no address, no link to loans, holds or charges."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from clb import clock

from .models import Notice, NoticeLoan, State

FINISHED = [State.SENT, State.FAILED, State.CANCELLED]


def erase_old_content(at=None, retention_days: int | None = None) -> int:
    at = clock.now(at)
    days = settings.CLB_RETENTION_DAYS if retention_days is None else retention_days
    old = Notice.objects.filter(
        state__in=FINISHED,
        created_at__lt=at - timedelta(days=days),
        content_erased=False,
        patron__keep_history=False,
    )
    with transaction.atomic():
        ids = list(old.values_list("id", flat=True))
        NoticeLoan.objects.filter(notice_id__in=ids).delete()
        return Notice.objects.filter(pk__in=ids).update(
            subject="",
            body="",
            reason="",
            to_address="",
            hold=None,
            membership=None,
            ledger_line=None,
            content_erased=True,
        )
