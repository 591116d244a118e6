"""Hotspots e2e package, run in module mode: python -m hspkg.app."""
