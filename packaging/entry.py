"""The frozen app's entry point: the same as the ``ocpp-studio`` console script."""

import sys

from ocpp_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
