"""clb costmodel-load [FILE] [--activate]: check a cost-model file and load it as a version."""

from django.core.management.base import BaseCommand, CommandError

from clb.costmodel import loader
from clb.costmodel.definitions import ModelFileError


class Command(BaseCommand):
    help = (
        "Check a cost-model file (default: the one shipped with CLB) and load it as a new model "
        "version. A newer version number becomes the one in use; --activate makes it so anyway."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(loader.SHIPPED_FILE))
        parser.add_argument("--activate", action="store_true")
        parser.add_argument("--check", action="store_true", help="only check the file")

    def handle(self, *args, file, activate, check, **options):
        try:
            _document, model = loader.read_file(file)
            if check:
                self.stdout.write(f"{file}: in orde (versie {model.version})")
                return
            version = loader.install(model, activate=activate or None)
        except ModelFileError as exc:
            raise CommandError(f"{file}:\n  " + "\n  ".join(exc.problems)) from exc
        except loader.LoadError as exc:
            raise CommandError(str(exc)) from exc
        state = "in gebruik" if version.is_current else "geladen, niet in gebruik"
        self.stdout.write(
            f"kostenmodel {version.version}: {len(model.blocks)} bouwstenen, "
            f"{len(model.parameters)} parameters — {state}"
        )
