"""Changing the catalogue through the API: versioned records, export/import, audit."""
