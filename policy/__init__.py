"""The runbooks' controls as a CrossGuard policy pack (policy/__main__.py) and as plain checks (controls.py)."""
