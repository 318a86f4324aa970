"""``python -m ocpp_studio.cli``: the same as the ``ocpp-studio`` console script."""

import sys

from . import main

sys.exit(main())
