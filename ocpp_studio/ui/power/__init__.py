"""Power: part of the Qt user interface."""
