"""One page per command, with every flag, read from the command line's own parser.

The parser (``common.cli.build_parser``) is what runs, so the page lists exactly the
flags a user can pass. argparse has no public way to list a parser's actions; its
``_actions`` list is what argparse's own help formatter walks (and what sphinx-argparse
reads), so it is read here rather than a copy of the flags kept by hand.
"""

from __future__ import annotations

import argparse

from common.cli import build_parser
from common.reference._markdown import fence, index, table

SECTION = "commands"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """Each command's own parser, by name, in the order ``--help`` lists them."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def summaries() -> dict[str, str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {choice.dest: choice.help or "" for choice in action._choices_actions}
    return {}


def flags(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The command's arguments, ``--help`` left out."""
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


def _value(action: argparse.Action) -> str:
    if action.nargs == 0:
        return ""
    if action.choices:
        return " \\| ".join(str(c) for c in action.choices)
    return action.metavar or action.dest.upper()


def _default(action: argparse.Action) -> str:
    if action.nargs == 0 or action.default in (None, argparse.SUPPRESS, ""):
        return ""
    if action.required:
        return "required"
    return f"`{action.default}`"


def _usage(name: str, parser: argparse.ArgumentParser) -> str:
    words = []
    for action in flags(parser):
        if not action.option_strings:
            words.append(action.metavar or action.dest.upper())
            continue
        text = action.option_strings[0] + (f" {_value(action)}" if action.nargs != 0 else "")
        words.append(text if action.required else f"[{text}]")
    return " ".join([f"uvx invoke {name}", *words])


def page(name: str, parser: argparse.ArgumentParser, summary: str) -> str:
    lines = [f"# `{name}`", "", summary[:1].upper() + summary[1:] + ".", ""]
    lines += fence("sh", _usage(name, parser))
    lines += [
        f"The same command runs as `python -m common {name} ...` (what the deploy recipes "
        "call): the flags are the same.",
        "",
    ]
    rows = [
        (
            ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.dest}`",
            _value(action),
            _default(action),
            action.help or "",
        )
        for action in flags(parser)
    ]
    if rows:
        lines += ["## Flags", "", *table(("flag", "value", "default", "what it does"), rows)]
    else:
        lines += ["It takes no flags.", ""]
    return "\n".join(lines)


def pages() -> dict[str, str]:
    found = {}
    about = summaries()
    for name, parser in subcommands().items():
        found[f"{SECTION}/{name}.md"] = page(name, parser, about.get(name, ""))
    found[f"{SECTION}/index.md"] = index(
        "Commands",
        "Every command of `uvx invoke` (and `python -m common`), generated from the command "
        "line's own argument definitions.",
        ((f"`{name}`", f"{name}.md", about.get(name, "")) for name in subcommands()),
    )
    return found
