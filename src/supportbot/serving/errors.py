"""Errors in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}`` with an HTTP status.

Serving code raises :class:`APIError` (or returns it); the app turns it into a JSON response, or
into an SSE error event once a stream has started.
"""

from __future__ import annotations

import re
from typing import Any

_UNION_TAG = re.compile(r"^(str|int|float|bool|none|[a-z]+\[.*\]|[A-Z]\w*)$")


class APIError(Exception):
    """One failed request: status, a message for the caller, and OpenAI's type/param/code."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(message, status=400, param=param, code=code)


def model_not_found(name: str) -> APIError:
    return APIError(
        f"The model `{name}` does not exist (see GET /v1/models).",
        status=404,
        param="model",
        code="model_not_found",
    )


def unauthorized(message: str = "Incorrect API key provided.") -> APIError:
    return APIError(message, status=401, code="invalid_api_key")


def forbidden(message: str) -> APIError:
    return APIError(message, status=403, type="permission_error", code="forbidden")


def server_error(message: str, *, status: int = 500) -> APIError:
    return APIError(message, status=status, type="server_error", code="internal_error")


def from_validation_error(exc: Any) -> APIError:
    """A pydantic ValidationError as one readable 400 (the first problem names the parameter)."""
    errors = exc.errors(include_url=False, include_context=False)
    if any(e.get("type") == "json_invalid" for e in errors):
        return bad_request(
            "We could not parse the JSON body of your request: it must be a valid UTF-8 JSON object.",
            code="invalid_json",
        )
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ())]
    # A union's member shows up in the location ("stop.str", "prompt.list[int].0"); the caller only
    # needs the parameter, so the path stops at the first member tag.
    tagged = next((i for i, part in enumerate(loc) if _UNION_TAG.match(part)), None)
    if tagged is not None:
        loc = loc[:tagged]
    param = ".".join(loc) or None
    if tagged is not None and param:
        return bad_request(
            f"Invalid type for '{param}': it is not one of the accepted types or shapes.",
            param=param,
            code="invalid_type",
        )
    if first.get("type") == "model_type" and not loc:
        return bad_request("The request body must be a JSON object.", code="invalid_type")
    if first.get("type") == "missing":
        message = f"Missing required parameter: '{param}'."
        return bad_request(message, param=param, code="missing_required_parameter")
    where = f"'{param}'" if param else "the body"
    message = f"Invalid value for {where}: {first.get('msg', 'invalid')}."
    more = len(errors) - 1
    if more > 0:
        message += f" ({more} more problem{'s' if more > 1 else ''} in this request)"
    return bad_request(message, param=param, code="invalid_value")
