"""Models of this app arrive with the dashboards issue."""
