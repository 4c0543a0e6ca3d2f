"""The stats context's public interface: plain data in, plain data out.

Nothing reads the stats context's figures from outside today: its pages are its own, and
its demo statistics are seeded by ``manage.py seed_demo_stats``.
"""
