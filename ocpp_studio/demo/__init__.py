"""Built-in simulated charger (OCPP 1.6J, 2.0.1 and 2.1) for demos, training and tests.

Plain asyncio: nothing here imports Qt.
"""

from .charger import DemoCharger, run_demo_charger
from .config import DemoChargerConfig
from .quirks import Quirks

__all__ = ["DemoCharger", "DemoChargerConfig", "Quirks", "run_demo_charger"]
