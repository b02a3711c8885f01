from django.conf import settings
from django.core.management.base import BaseCommand

from clb.mail_settings import destination


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs (expire holds, auto-renew, notices, member count, anonymisation) "
        "on their schedule, with huey's consumer; --once runs what is due now and stops."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run due jobs once and stop")
        parser.add_argument("--threads", type=int, default=2, help="worker threads (default 2)")

    def handle(self, *args, once, threads, **options):
        self.stdout.write(destination(settings) + ".")
        if once:
            from clb.notices import jobs

            for run in jobs.run_due():
                self.stdout.write(f"{run.job}: {run.get_state_display()} {run.counts or ''}")
            return
        from clb.notices.worker import huey, tick

        # Catch-up: what fell due while no worker ran is done now, not at the next minute.
        tick()
        self.stdout.write(f"Werker gestart ({threads} threads); stoppen met Ctrl-C.")
        self.stdout.flush()
        consumer = huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
        consumer.run()
