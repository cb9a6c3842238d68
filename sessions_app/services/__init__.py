"""Writes of the micro-session loop, one module per area (booking, calendars, logging)."""
