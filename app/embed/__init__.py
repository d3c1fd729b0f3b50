"""Embeddable pages: the scheme list, one scheme and the simulator as HTML for other sites, and embed.js."""
