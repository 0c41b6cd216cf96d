"""One function per command; ``common.cli`` maps the command line onto them."""
