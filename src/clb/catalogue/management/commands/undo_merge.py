from django.core.management.base import BaseCommand, CommandError

from clb.catalogue import services


class Command(BaseCommand):
    help = (
        "Undo a merge of an imported record into an existing one (see the merge log in the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("merge_id", type=int)

    def handle(self, *args, merge_id, **options):
        try:
            record = services.undo_merge(merge_id)
        except services.CatalogueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Hersteld als titel {record.pk}: {record.title}")
