"""mkdocs-gen-files script: the reference pages, generated from the code at build time.

Nothing generated is committed: ``common.reference`` reads the command line, the ops,
the rules and the settings as they are in this checkout.
"""

import mkdocs_gen_files

from common.reference import pages

for path, text in pages().items():
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(text)
