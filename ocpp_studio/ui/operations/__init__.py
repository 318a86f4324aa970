"""The Operations tab: a selected charger's operations as forms (issue 16)."""
