"""mkdocs-gen-files script: the reference pages, generated from the code at build time.

Nothing generated is committed: ``common.reference`` reads the command line, the ops,
the rules and the settings as they are in this checkout, and the latest benchmark
figures come from ``benchmarks/results/`` (each benchmark writes its own file).
"""

import sys
from pathlib import Path

import mkdocs_gen_files

from common.reference import pages

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from results import markdown_table  # the benchmarks folder is not a package

for path, text in pages().items():
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(text)

with mkdocs_gen_files.open("benchmarks/latest.md", "w") as page:
    page.write(
        "# Latest figures\n\n"
        "Each benchmark records its headline figures when it runs "
        "(`benchmarks/results/<name>.json`) and redraws this chart; this page is built from "
        "those files. How each is measured, and the history of earlier runs: "
        "[Benchmarks](../benchmarks.md).\n\n"
        "![Each benchmark against its target](../img/benchmarks.svg)\n\n" + markdown_table()
    )
