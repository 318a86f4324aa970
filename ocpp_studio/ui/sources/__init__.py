"""Sources: part of the Qt user interface."""
