"""The stats context's public interface: plain data in, plain data out.

Nothing reads the stats context's figures from outside today; the composition root seeds
the demo statistics here.
"""

from __future__ import annotations


def demo_seed(
    *,
    company_slug: str,
    member_user_ids: list[int],
    network_id: int,
    installer_slugs: list[str],
    days: int = 365,
) -> int:
    """Backfill ``days`` of realistic daily statistics for the demo company and the demo
    network's installers (deterministic, idempotent); returns the daily rows written."""
    from apps.stats import demo

    return demo.demo_seed(
        company_slug=company_slug,
        member_user_ids=member_user_ids,
        network_id=network_id,
        installer_slugs=installer_slugs,
        days=days,
    )
