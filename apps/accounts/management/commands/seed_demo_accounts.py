"""The demo organizations and one account per role (idempotent); part of ``seed_demo``."""

from apps.accounts import demo
from apps.core.demo_command import DemoCommand


class Command(DemoCommand):
    help = "Demo organizations and accounts, one per role (password eldo-demo-2026)."

    def seed(self, **options):
        users = demo.demo_seed()
        self.stdout.write(
            f"Accounts: {len(users)} demo account(s) ({', '.join(users)}), "
            f"password {demo.DEMO_PASSWORD}"
        )
