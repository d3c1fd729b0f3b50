"""Open data: the catalogue as a Frictionless Data Package of CSV files, and the public feed of its changes."""
