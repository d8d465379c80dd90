import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from jiceng.orgunits.models import OrgUnit


class Command(BaseCommand):
    help = "Create the database, load the demo county (once) and serve it on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="prepare the database and stop")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not start the background-job worker")

    def handle(self, *args, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if OrgUnit.objects.exists():
            self.stdout.write("演示数据已存在，直接启动（删除 var/ 目录可重新生成）")
        else:
            from jiceng.demo.generator import demo_county
            from jiceng.demo.history import load_demo_history
            from jiceng.demo.load import load_counties

            totals = load_counties([demo_county()])
            load_demo_history(self.stdout)
            self.stdout.write(
                f"已加载演示县：{totals['units']} 个单位，{totals['children']} 名儿童，"
                f"{totals['users']} 个账户（{time.monotonic() - started:.0f} 秒）"
            )
        self._print_logins()
        if options["no_serve"]:
            return
        from waitress import serve

        from jiceng.wsgi import application

        worker = None if options["no_worker"] else self._start_worker()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"基层卫健通已启动：{url}  (Ctrl+C 停止)"))
        try:
            serve(application, host=options["host"], port=options["port"], threads=options["threads"], _quiet=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _start_worker(self) -> subprocess.Popen:
        """The background-job worker beside the server (large imports, PDFs): `jiceng db_worker`, the same
        command production runs under systemd (README). It stops with the server."""
        worker = subprocess.Popen(
            [sys.executable, "-m", "jiceng.cli", "db_worker", "--no-reload", "--interval", "1", "--verbosity", "0"]
        )
        self.stdout.write(f"后台任务处理程序已启动（进程 {worker.pid}）")
        return worker

    def _print_logins(self):
        from jiceng.accounts.models import User
        from jiceng.demo.generator import DEMO_PASSWORD

        self.stdout.write(f"\n演示账户（密码均为 {DEMO_PASSWORD}）：")
        for username in ("cunyi", "xz_officer", "xz_reviewer", "fybj", "wjj", "admin"):
            user = User.objects.filter(username=username).select_related("unit").first()
            if user:
                self.stdout.write(
                    f"  {user.username:<12} {user.get_role_display():<10} {user.full_name}  {user.unit.display_name}"
                )
        self.stdout.write("")
