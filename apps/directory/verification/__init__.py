"""Vérifications Eldo: checks of a pro's identity, labels, décennale insurance and manager.

``checks`` holds the reads and writes of the checks, ``registries`` the importers of the
official files (SIRENE stock, ADEME's RGE list) and the place for an online lookup adapter.
docs/verification.md explains the rules.
"""
