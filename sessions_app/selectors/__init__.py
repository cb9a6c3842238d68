"""Reads of the micro-session loop, one module per area."""
