"""``python -m nettx_utils``: see :mod:`nettx_utils.cli`."""

from nettx_utils.cli import main

raise SystemExit(main())
