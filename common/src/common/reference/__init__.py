"""The reference pages of the documentation site, generated from the code they describe.

Each kind of page comes from the one place that defines the thing: the command line's
own argument definitions (``commands``), the operations' ``describe()``, ``lock()`` and
examples (``operations``), the review rules' docstrings and example revisions
(``rules``), and the Settings class (``settings``). A flag, an op, a rule or a setting
added to the code therefore has its page at the next build, and cannot drift from it.
``docs/gen_reference.py`` hands these pages to mkdocs (the mkdocs-gen-files plugin).
"""

from __future__ import annotations

from common.reference import commands, operations, rules, settings


def pages() -> dict[str, str]:
    """Every generated page: its path under the site's root -> its Markdown."""
    found: dict[str, str] = {}
    for kind in (commands, operations, rules, settings):
        found |= kind.pages()
    return found
