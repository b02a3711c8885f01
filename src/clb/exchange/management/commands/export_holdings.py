from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clb import exports
from clb.exchange import holdings


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"'{value}' is geen tijdstip (JJJJ-MM-DDThh:mm:ss)") from exc
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Write the holdings feed for the national catalogue: per organisation the copies that "
        "changed since a moment (default: since the last run), as MARCXML or CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="ISO time; default: where the last run ended")
        parser.add_argument("--until", help="ISO time; default: now")
        parser.add_argument("--format", default="marcxml", choices=holdings.FORMATS)
        parser.add_argument("--organisation", action="append", default=[], help="ISIL (repeatable)")
        parser.add_argument("--output", default="holdings-feed", help="folder for the files")
        exports.add_csv_argument(parser)

    def handle(self, *args, since, until, format, organisation, output, csv, **options):
        try:
            report = holdings.export(
                Path(output),
                fmt=format,
                since=_moment(since) if since else None,
                until=_moment(until) if until else None,
                organisations=organisation or None,
                csv_style=exports.csv_style(csv),
            )
        except holdings.FeedError as exc:
            raise CommandError(str(exc)) from exc
        for path in report.files:
            self.stdout.write(f"{path}: {report.copies[path.name.split('_')[0]]} exemplaren")
