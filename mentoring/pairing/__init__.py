"""Pairing engine: pure Python + numpy/scipy, no Django (tested without a database).

- solver.py   — optimal assignment with capacities (matched count first, then score)
- scoring.py  — scores, hard rules and reasons from people attributes
- instance.py — the stand-alone JSON instance of `manage.py pair` (DESIGN.md §4)
"""
