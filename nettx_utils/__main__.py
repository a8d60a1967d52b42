"""``python -m nettx_utils``: see :mod:`nettx_utils.build.cli`."""

from nettx_utils.build.cli import main

raise SystemExit(main())
