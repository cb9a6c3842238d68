"""The k rule: a figure computed from fewer than k people is suppressed, and so
is a figure whose complement inside its parent group (parent n − n) is between
1 and k − 1, since subtracting the two would reveal the few people left out.

A figure is any dict with an ``n``; suppression keeps only ``suppressed`` and
the reason, so neither the values nor the exact small n leave the computation.
A figure with n = 0 is "no data" and stays (it has no values to reveal).
"""

from __future__ import annotations


def suppressed(k: int) -> dict:
    return {"suppressed": True, "reason": f"fewer than {k}"}


def is_small(n: int | None, k: int) -> bool:
    return n is not None and 0 < n < k


def apply_k(raw, k: int, parent=None, *, force: bool = False):
    """A copy of ``raw`` with every figure below k (or isolating fewer than k
    against the same figure of ``parent``) suppressed; private keys (``_…``) dropped.
    ``force`` suppresses every figure, even "no data" (a group that is itself too
    small: even "none of them did X" says something about fewer than k people)."""
    if isinstance(raw, list):
        parent = parent if isinstance(parent, list) else []
        by_key = {_key(p): p for p in parent if isinstance(p, dict)}
        return [apply_k(item, k, by_key.get(_key(item)), force=force) for item in raw]
    if not isinstance(raw, dict):
        return raw
    if "n" in raw:
        n = raw["n"]
        if force or is_small(n, k):
            return suppressed(k)
        if isinstance(parent, dict) and "n" in parent and is_small(parent["n"] - n, k):
            return suppressed(k)
    parent = parent if isinstance(parent, dict) else {}
    return {key: apply_k(value, k, parent.get(key), force=force)
            for key, value in raw.items() if not key.startswith("_")}


def _key(item):
    """List items are matched to the parent's by their label or week."""
    if isinstance(item, dict):
        return item.get("week", item.get("label"))
    return None


def group_too_small(size: int, k: int, parent_size: int | None = None) -> bool:
    """A filter combination is suppressed as a whole when it holds fewer than k
    people, or leaves fewer than k (but some) of its parent group out."""
    if 0 < size < k:
        return True
    return parent_size is not None and is_small(parent_size - size, k)


def figure_values(payload) -> list:
    """Every ``(n, path)`` of figures still shown in a payload (for checks and tests)."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            if "n" in node:
                found.append((node["n"], path))
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk(payload, "")
    return found
