"""OCPP Studio: talk OCPP 1.6J and 2.0.1 to EV chargers from a laptop."""

__version__ = "0.1.0"
