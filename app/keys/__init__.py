"""API key administration: `python -m app.keys` (see app/auth.py for the keys themselves)."""
