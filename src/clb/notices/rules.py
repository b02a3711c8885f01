"""The notice rules as data, resolved the way loan rules are (circulation.rules): an
organisation's own rows win over the national ones."""

from dataclasses import dataclass

from clb.circulation.rules import most_specific

from .models import AutoRenewRule, NoticePolicy, OverdueLevel

DEFAULT_POLICY = NoticePolicy(pre_due_days=3, membership_ending_days=14)


@dataclass(frozen=True)
class Level:
    level: int
    days: int
    blocks_card: bool


# Until the admin holds levels of its own: reminders a week, two weeks and four weeks after the
# due date; the third blocks the card until the items are back.
DEFAULT_LEVELS = [Level(1, 7, False), Level(2, 14, False), Level(3, 28, True)]


class NoticeRules:
    """All notice rules, fetched once per job run (a few rows per organisation)."""

    def __init__(self):
        self.policies = {p.organisation_id: p for p in NoticePolicy.objects.all()}
        self.levels: dict = {}
        for row in OverdueLevel.objects.order_by("level"):
            self.levels.setdefault(row.organisation_id, []).append(
                Level(row.level, row.days, row.blocks_card)
            )
        self.auto_renew = list(AutoRenewRule.objects.all())

    def policy(self, organisation_id) -> NoticePolicy:
        return self.policies.get(organisation_id) or self.policies.get(None) or DEFAULT_POLICY

    def overdue_levels(self, organisation_id) -> list[Level]:
        return self.levels.get(organisation_id) or self.levels.get(None) or DEFAULT_LEVELS

    def level_reached(self, organisation_id, days_overdue: int) -> Level | None:
        reached = [lv for lv in self.overdue_levels(organisation_id) if days_overdue >= lv.days]
        return reached[-1] if reached else None

    def level_blocks(self, organisation_id, level: int) -> bool:
        return any(
            lv.blocks_card for lv in self.overdue_levels(organisation_id) if lv.level == level
        )

    def auto_renew_rule(self, organisation_id, patron_category, item_type_id):
        rows = [
            r
            for r in self.auto_renew
            if r.organisation_id in (None, organisation_id)
            and r.patron_category in ("", patron_category)
            and r.item_type_id in (None, item_type_id)
        ]
        return most_specific(rows, "organisation_id", "item_type_id", "patron_category")
