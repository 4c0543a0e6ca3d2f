"""The leads context's public interface: plain data in, plain data out.

The composition root seeds demo data here; the stats context reacts to the leads' events.
"""

from __future__ import annotations


def demo_seed(
    *,
    scale: str,
    company_slug: str,
    sales_rep_user_id: int,
    network_id: int,
    installer_slugs: list[str],
) -> int:
    """Demo leads at every status for the demo company, and the demo network with its
    installers and rules (idempotent); returns how many leads were added."""
    from apps.leads import demo

    return demo.demo_seed(
        scale=scale,
        company_slug=company_slug,
        sales_rep_user_id=sales_rep_user_id,
        network_id=network_id,
        installer_slugs=installer_slugs,
    )
