"""Configuration: part of the Qt user interface."""
