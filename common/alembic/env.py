"""Alembic environment of the workbench: thin on purpose.

Everything it configures (metadata, naming convention, comparators, rewriters, one
transaction per revision, batch mode on SQLite) lives in ``common.migration_env`` so that
plain ``alembic``, ``python -m common`` and pytest-alembic all run the same setup.
"""

from alembic import context

from common.migration_env import run_environment

run_environment(context)
