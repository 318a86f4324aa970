"""Inspector: part of the Qt user interface."""
