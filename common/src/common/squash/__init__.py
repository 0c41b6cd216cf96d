"""Squashing the history: one revision in place of the revisions up to REV, proven equal.

``scope`` decides what may be squashed (and refuses the rest), ``build`` writes the
revision from the schema the chain builds, ``proof`` applies both to scratch databases
and compares their schema snapshots. ``common.commands.squash`` puts them together.
"""
