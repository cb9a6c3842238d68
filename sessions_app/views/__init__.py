"""HTML views of the micro-session loop."""
