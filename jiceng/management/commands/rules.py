import sys
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "jiceng rules check FILE... — run YAML rule cases (eligibility and measurement); exit 1 if any fails. "
        "jiceng rules verify [--unit CODE] — replay the rules engine for a subtree (default: everyone) and list "
        "every stored status change that differs; exit 1 if any (run it nightly). "
        "jiceng rules refresh [--unit CODE] — rewrite the stored status changes (after a dated parameter changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["check", "verify", "refresh"])
        parser.add_argument("files", nargs="*")
        parser.add_argument("--failures-only", action="store_true")
        parser.add_argument("--unit", help="单位代码：只检查/重算该单位及其下级")

    def handle(self, *args, verb, files, failures_only, unit=None, **options):
        if verb == "check":
            self._check(files, failures_only)
            return
        from jiceng.nutrition import status_store
        from jiceng.orgunits.models import OrgUnit

        root = None
        if unit:
            root = OrgUnit.objects.filter(code=unit).first()
            if root is None:
                raise CommandError(f"单位代码 {unit} 不存在")
        started = time.perf_counter()
        if verb == "refresh":
            written = status_store.refresh_under(root)
            self.stdout.write(f"已重算状态变化 {written} 条，用时 {time.perf_counter() - started:.1f} 秒")
            return
        found = status_store.differences(root)
        for line in found:
            self.stdout.write(line)
        elapsed = time.perf_counter() - started
        if found:
            sys.stdout.flush()
            raise CommandError(
                f"存储的状态变化与规则引擎重算结果不一致：{len(found)} 条（用时 {elapsed:.1f} 秒）", returncode=1
            )
        self.stdout.write(f"存储的状态变化与规则引擎重算结果一致（用时 {elapsed:.1f} 秒）")

    def _check(self, files, failures_only):
        from jiceng.policy.cases import format_results, run_case_files

        if not files:
            raise CommandError("请给出规则用例文件 (rules check FILE...)")
        results = run_case_files(files)
        self.stdout.write(format_results(results, failures_only=failures_only))
        if not results or not all(r.passed for r in results):
            sys.stdout.flush()
            raise CommandError("规则用例未全部通过 (some rule cases failed)", returncode=1)
