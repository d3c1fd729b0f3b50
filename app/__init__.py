"""Reference API for French post-internship schemes (dispositifs de post-internat)."""

__version__ = "0.1.0"
