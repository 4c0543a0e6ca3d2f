"""Django projects that run one context of Eldo as its own service (``services.<context>``).

Each project reuses the context's code under ``apps/`` unchanged; only its settings, URLconf
and WSGI entry live here.
"""
