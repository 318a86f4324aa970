"""The frozen app's entry point: the same as the ``ocpp-studio`` console script."""

import multiprocessing
import sys

if __name__ == "__main__":
    # Big frames are read in a worker process (core/off_loop.py): in the bundle that
    # process is this executable again, which must run the worker, not the studio
    # (and need not import the studio's command line first).
    multiprocessing.freeze_support()
    from ocpp_studio.cli import main

    sys.exit(main())
