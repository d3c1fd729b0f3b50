"""The catalogue seed: `seed/*.yaml` validated and loaded into the database."""
