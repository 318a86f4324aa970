"""``python -m ocpp_studio``: the same as the ``ocpp-studio`` console script."""

import sys

from .cli import main

sys.exit(main())
