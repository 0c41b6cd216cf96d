"""Fleets: one command over many databases and tenant schemas.

A fleet file lists targets (``targets``); tenant schemas are found by pattern
(``tenants``); ``update-db`` claims each target through its own migration lock and
applies it with the runner, several at a time (``claim``, ``apply``); ``status`` reads
them all into one matrix (``status``); ``review`` runs the per-target checks on each
(``review``); ``table`` prints what they found.

Sits above ``common.commands``: each target runs the same code a single ``update-db``
does, with that target's Settings (its URL, its ``tenant_schema``).
"""
