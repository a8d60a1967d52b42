"""Small repairs to the book's HTML, loaded by ``_config.yml`` (``sphinx.local_extensions``).

Sphinx 7.4 registers again, for every page, the inline scripts that an extension
added after the builder started (``app.registry.js_files``), with the file name
``''`` instead of ``None``, so they are not recognised as duplicates. sphinx-thebe
adds such a script (``const THEBE_JS_URL = ...``); declared twice, it stops with
"Identifier 'THEBE_JS_URL' has already been declared" in every page's console.
This extension drops the repeated scripts from each page.
"""

from __future__ import annotations

from typing import Any


def _script_key(script: Any) -> tuple:
    if isinstance(script, str):
        return (script, 500, ())
    attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (script.filename or "", script.priority, attributes)


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of the page's scripts that are alike (same file or body, same attributes)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app) -> dict[str, Any]:
    # After the other handlers of html-page-context, which may add scripts of their own.
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
