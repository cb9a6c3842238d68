"""API of the micro-session loop."""
