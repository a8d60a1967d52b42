"""Small repairs to the book's HTML, loaded by ``_config.yml`` (``sphinx.local_extensions``).

Sphinx 7.4 registers again, for every page, the inline scripts that an extension
added after the builder started (``app.registry.js_files``), with the file name
``''`` instead of ``None``, so they are not recognised as duplicates. sphinx-thebe
adds such a script (``const THEBE_JS_URL = ...``); declared twice, it stops with
"Identifier 'THEBE_JS_URL' has already been declared" in every page's console.
This extension drops the repeated scripts from each page.

It also sets up the repository, issue and launch buttons from one setting,
``repository.url`` in ``_config.yml`` (``html_theme_options["repository_url"]``):

- without a URL (the default: the project has no public repository), no such
  button is shown, and the launch buttons configured are dropped;
- with a URL, the repository and issue buttons are shown, and a launch button of a
  chapter opens its *source* notebook, ``notebooks/NN_name.ipynb``, not the executed
  copy ``book/computed/NN_name.ipynb`` that the pipeline writes for the build (and
  that is not in the repository).
"""

from __future__ import annotations

import re
from typing import Any

COMPUTED = "book/computed/"
SOURCE_NOTEBOOKS = "notebooks/"


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


def buttons_from_repository_url(app, config) -> None:
    """Show the repository, issue and launch buttons only when a repository URL is set."""
    options = config.html_theme_options
    if str(options.get("repository_url") or "").strip():
        # Jupyter Book's defaults set both to False; the URL is the one switch.
        options["use_repository_button"] = True
        options["use_issues_button"] = True
    else:
        options["repository_url"] = ""
        for button in ("use_repository_button", "use_issues_button", "use_edit_page_button"):
            options[button] = False
        options.pop("launch_buttons", None)


def source_notebook_path(path: str) -> str:
    """A chapter's source notebook for the path of its executed copy in a launch URL.

    Examples
    --------
    >>> source_notebook_path("lab/tree/./book/computed/05_prognostic_factors.ipynb")
    'lab/tree/./notebooks/05_prognostic_factors.ipynb'
    >>> source_notebook_path("lab/tree/book/new_parameters.ipynb")
    'lab/tree/book/new_parameters.ipynb'
    """
    return re.sub(
        re.escape(COMPUTED) + r"(\d\d_[\w-]+\.ipynb)",
        lambda match: SOURCE_NOTEBOOKS + match.group(1),
        path,
    )


def launch_source_notebooks(app, pagename, templatename, context, doctree) -> None:
    """Point the page's launch buttons at the chapter's source notebook."""
    if not pagename.startswith(COMPUTED):
        return

    def rewrite(buttons: list) -> None:
        for button in buttons:
            if isinstance(button, dict):
                url = button.get("url")
                # the download button links the page's own source (_sources/): leave it
                if isinstance(url, str) and "_sources/" not in url:
                    button["url"] = source_notebook_path(url)
                rewrite(button.get("buttons") or [])

    rewrite(context.get("header_buttons") or [])


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", buttons_from_repository_url)
    # After the theme's launch buttons (priority 501).
    app.connect("html-page-context", launch_source_notebooks, priority=800)
    # After the other handlers of html-page-context, which may add scripts of their own.
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
