"""OpenAPI post-processing: document the error answers every operation can give.

Any operation may answer 400 (bad query or body), 401 (no or bad credentials),
403 (lacks the role), 404 (unknown org, object or page; an unknown ``format``),
406 (unsupported Accept), 429 (throttled); one with a body also 415 (unsupported
Content-Type) and 409 (conflict). All come out of ``api_base.exception_handler``
in one JSON shape, so documenting them once keeps the schema true (checked by
tests/test_fuzz_api.py)."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "Messages per request field; a message about a nested place names it (`Item 2, url: …`)."},
    },
    "required": ["detail", "errors"],
}
ALWAYS = {"400": "Bad request", "401": "Not signed in", "403": "Not permitted", "404": "Not found",
          "406": "Not acceptable", "429": "Too many requests"}
WITH_BODY = {"409": "Conflict", "415": "Unsupported media type"}


# JSON Schema's "time" format is RFC 3339 full-time, which needs a UTC offset;
# our times are wall-clock times ("09:00" or "09:00:00") in the member's zone.
WALL_CLOCK_TIME = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$",
                   "example": "09:30:00"}


def _wall_clock_times(node) -> None:
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            for key, value in WALL_CLOCK_TIME.items():
                node.setdefault(key, value)
        for value in node.values():
            _wall_clock_times(value)
    elif isinstance(node, list):
        for value in node:
            _wall_clock_times(value)


def document_error_responses(result, generator, request, public):
    _wall_clock_times(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ErrorOut", ERROR_SCHEMA)
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "put", "patch", "post", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            codes = dict(ALWAYS, **(WITH_BODY if method != "get" else {}))
            for code, description in codes.items():
                responses.setdefault(code, {"description": description, "content": ref})
    return result
