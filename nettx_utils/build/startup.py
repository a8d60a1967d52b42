"""Start the pipeline's processes without an optional import that costs a second.

jsonschema, which nbformat, papermill and Jupyter Book import to validate notebooks
and ``_config.yml``, imports ``rfc3987_syntax`` when it is installed (jupyterlab's
dependencies install it) and compiles some 40 lark grammars on that import: about
1.1 s of CPU in every process that reads a notebook. It serves only jsonschema's
"iri" string format, which neither the notebook schema nor Jupyter Book's uses, and
jsonschema imports it optionally (``ImportError`` means: no "iri" check).

The processes the pipeline owns (the one that imports :mod:`nettx_utils.build.pipeline`, the kernels
it starts, the Jupyter Book build) therefore mark it as absent before anything
imports jsonschema. A library import of :mod:`nettx_utils` does not, so that a user's
own process keeps jsonschema's full behaviour.
"""

from __future__ import annotations

import sys

SLOW_OPTIONAL_MODULES = ("rfc3987_syntax",)

HIDE_SLOW_OPTIONAL_MODULES = (
    "import sys\n"
    f"for _name in {SLOW_OPTIONAL_MODULES!r}:\n"
    "    sys.modules.setdefault(_name, None)\n"
)
"""The same as :func:`hide_slow_optional_modules`, as source for another process."""


def hide_slow_optional_modules() -> None:
    """Make ``import`` of :data:`SLOW_OPTIONAL_MODULES` fail fast in this process.

    Has no effect on a module that is imported already.
    """
    for name in SLOW_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)
