"""The framework baseline of `make bench`: Django with one JSON view and nothing else.

No application, no middleware, no database, no template: what Django 5.2 itself costs to
answer a GET under the same gunicorn as Eldo. Eldo's endpoints are reported as a share of
its requests/s (bench/README.md), next to their share of Eldo's own /healthz.
"""
