"""mkdocs hooks: render the Sphinx cross-reference roles of jaxmag's docstrings.

The docstrings say ``:func:`~jaxmag.simulate```, which mkdocstrings shows as the literal
text ``:func:`` before a code span. This turns ``:role:<code>~a.b.c</code>`` into the code
span alone, shortened to ``c`` where Sphinx's ``~`` asks for the last component.
"""

import re

_ROLE = re.compile(r":(?:class|func|mod|data|meth|attr|obj|exc):<code>(~?)([^<]+)</code>")


def _code(match: re.Match) -> str:
    name = match.group(2)
    if match.group(1):
        name = name.rsplit(".", 1)[-1]
    return f"<code>{name}</code>"


def on_page_content(html, page, config, files):
    return _ROLE.sub(_code, html)
