import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "jiceng rules check FILE... — run YAML rule cases (eligibility and measurement); exit 1 if any fails."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["check"])
        parser.add_argument("files", nargs="+")
        parser.add_argument("--failures-only", action="store_true")

    def handle(self, *args, verb, files, failures_only, **options):
        from jiceng.policy.cases import format_results, run_case_files

        results = run_case_files(files)
        self.stdout.write(format_results(results, failures_only=failures_only))
        if not results or not all(r.passed for r in results):
            sys.stdout.flush()
            raise CommandError("规则用例未全部通过 (some rule cases failed)", returncode=1)
