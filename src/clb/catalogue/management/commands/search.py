import json

from django.core.management.base import BaseCommand, CommandError

from clb.catalogue import search


class Command(BaseCommand):
    help = (
        'Search the catalogue ("phrases", -excluded words, ISBNs): one line per hit with record '
        "id, title, authors, year, ISBN and copies available/all; --json for scripts."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="?", default="")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=f"one of {', '.join(search.FILTERS)}",
        )
        parser.add_argument("--organisation", help="count available copies at this organisation")
        parser.add_argument("--branch", help="count available copies at this branch")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--per-page", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, query, filter, organisation, branch, page, per_page, **options):
        filters = {}
        for item in filter:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--filter {item}: gebruik KEY=VALUE")
            filters[key.strip()] = value.strip()
        try:
            result = search.search(
                query,
                filters=filters,
                page=page,
                per_page=per_page,
                organisation=organisation or None,
                branch=branch or None,
            )
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
                "score": round(h.score, 6),
            }
            for h in result.hits
        ]
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "query": query,
                        "corrected": result.corrected,
                        "total": result.total,
                        "page": result.page,
                        "per_page": result.per_page,
                        "hits": rows,
                        "facets": result.facets,
                    },
                    ensure_ascii=False,
                )
            )
            return
        if result.corrected:
            self.stdout.write(f"(gezocht op: {result.corrected})")
        for r in rows:
            self.stdout.write(
                f"{r['id']}\t{r['title']}\t{'; '.join(r['authors'])}\t{r['year'] or ''}\t"
                f"{r['isbn']}\t{r['available']}/{r['copies']}"
            )
        self.stdout.write(f"{result.total} treffers")
