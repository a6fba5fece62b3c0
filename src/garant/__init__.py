"""Garant: post-purchase and buyer-protection platform for marketplaces."""

__version__ = "0.1.0"
