"""apps.core.warmup: what a web worker builds before its first request."""

import logging

from apps.core import warmup


def test_every_registered_builder_runs_and_a_failing_one_is_skipped(monkeypatch, caplog):
    built = []
    monkeypatch.setattr(warmup, "_warmers", {})
    warmup.register("a", lambda: built.append("a"))
    warmup.register("b", lambda: 1 / 0)
    warmup.register("c", lambda: built.append("c"))
    with caplog.at_level(logging.INFO, logger="apps.core.warmup"):
        spent = warmup.warm()
    assert built == ["a", "c"]
    assert set(spent) == {"a", "c"}
    assert "warm-up b failed" in caplog.text
