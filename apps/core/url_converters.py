"""``<id:name>`` in URL patterns: a database id, at most 18 digits.

Django's ``<id:>`` matches any number of digits; a 30-digit id then reaches the database,
which cannot hold it (SQLite raises OverflowError, PostgreSQL "out of range"): a 500 for a
URL that names nothing. 18 digits always fit a 64-bit id, so a longer one is simply not a
URL of ours: 404, before any view runs.
"""


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
