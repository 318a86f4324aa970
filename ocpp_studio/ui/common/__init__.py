"""Common: part of the Qt user interface."""
