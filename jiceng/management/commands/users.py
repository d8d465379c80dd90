"""jiceng users import FILE --user NAME          create users from .xlsx or .csv (all or nothing)
jiceng users template --out FILE --user NAME     the import template (.xlsx)

Columns 用户名, 姓名, 角色, 单位代码, 手机号 (optional), 初始密码 (optional: generated when blank).
An import prints a Chinese summary and the generated passwords (shown once) and exits 0; on any
error it prints every error (row, column, message) and exits 1, having saved nothing.
"""

from django.core.management.base import BaseCommand, CommandError

from jiceng.accounts import access, bulk_import
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.commands.units import add_subcommand_user_argument, run_import


class Command(BaseCommand):
    help = "Bulk import of users from .xlsx or .csv (scoped to --user, an administrator)."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import", help="create users from .xlsx or .csv")
        imp.add_argument("file", help="the .xlsx or .csv file")
        add_subcommand_user_argument(imp)
        template = sub.add_parser("template", help="write the import template (.xlsx)")
        template.add_argument("--out", required=True, help="where to write the .xlsx")
        add_subcommand_user_argument(template)

    def handle(self, *args, **options):
        user = acting_user(options)
        if options["verb"] == "template":
            if not access.can(user, "users.manage"):
                raise CommandError("只有系统管理员可以导入用户")
            data = bulk_import.render_template(user).content
            with open(options["out"], "wb") as handle:
                handle.write(data)
            self.stdout.write(f"已写入模板 {options['out']}")
            return
        result = run_import(self, bulk_import.import_users, user, options["file"], bulk_import.MAX_BYTES)
        for created in result.created:
            password = created.generated_password or "（文件中已填写）"
            self.stdout.write(f"  {created.username}\t{created.full_name}\t{created.unit.code}\t初始密码 {password}")
