"""Charging hours: part of the Qt user interface."""
