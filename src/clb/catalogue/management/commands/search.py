from django.core.management.base import BaseCommand, CommandError

from clb.catalogue import search


class Command(BaseCommand):
    help = "Search the catalogue: record id, title, authors, year, ISBN, copies available."

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=f"one of {', '.join(search.FILTERS)}",
        )
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--per-page", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, query, filter, page, per_page, json: bool, **options):
        filters = {}
        for item in filter:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item}: gebruik KEY=VALUE")
            filters[key] = value
        try:
            result = search.search(query, filters=filters, page=page, per_page=per_page)
        except search.SearchError as exc:
            raise CommandError(f"{exc.field}: {exc}") from exc
        rows = [
            {
                "id": h.record.pk,
                "title": h.record.title,
                "authors": h.record.authors,
                "year": h.record.year,
                "isbn": h.record.isbn,
                "copies": h.copies,
                "available": h.available,
            }
            for h in result.hits
        ]
        if json:
            import json as json_module

            self.stdout.write(
                json_module.dumps(
                    {"total": result.total, "hits": rows, "facets": result.facets},
                    ensure_ascii=False,
                )
            )
            return
        for r in rows:
            self.stdout.write(
                f"{r['id']}\t{r['title']}\t{'; '.join(r['authors'])}\t{r['year'] or ''}\t"
                f"{r['isbn']}\t{r['available']}/{r['copies']}"
            )
        self.stdout.write(f"{result.total} treffers")
