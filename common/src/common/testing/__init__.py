"""Testing support shipped with the package: database servers and a pytest plugin.

``common.testing.plugin`` is registered as a ``pytest11`` entry point, so its fixtures
are there in any test run of an environment that has the package installed;
``common.testing.checks`` holds the ready tests; ``common.testing.servers`` finds the
database servers (the workbench's own suite uses the same module).
"""
