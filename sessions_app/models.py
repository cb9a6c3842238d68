"""Models of this app arrive with the micro-session issue."""
