"""Checks that run: revision graph, checksums, drift and round trip on a scratch database,
impact from the target database's statistics. Each returns ``CheckResult``s."""
