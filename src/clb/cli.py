"""`clb`: every Django management command, with dashes allowed (`clb load-reference`)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clb.settings")
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "clb"
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- reading a setting loads clb.settings
    except ImproperlyConfigured as error:
        sys.exit(f"clb: {error}")  # a setting to correct, not a traceback to read

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
