"""Pre-deploy review: static rules over pending revisions, checks that run, a checklist.

``common.commands.review`` drives it: ``analysis`` turns each pending revision into its
operations (Python ``ast``) and the SQL it emits offline (parsed with pglast), ``rules``
judge them, ``checks`` run the graph, checksum, drift, round-trip and impact checks, and
``report`` prints the checklist as text, Markdown or JSON.
"""
