"""Commissioning: part of the Qt user interface."""
