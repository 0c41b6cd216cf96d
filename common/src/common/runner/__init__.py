"""Applying revisions safely: locking, timeouts, history (see ../shared/DESIGN.md)."""
