"""Briefing: a static site generator for competitive-briefing microsites."""

__version__ = "0.1.0"
