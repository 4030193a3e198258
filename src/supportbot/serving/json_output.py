"""``response_format``: answers that must be JSON (``json_object``) or match a JSON Schema
(``json_schema``).

Nothing constrains the decoding: the answer is checked after it is generated and, when it fails,
generated again (:mod:`serving.checked`). The check takes the answer's text, trimmed of
whitespace and of a Markdown code fence if the model wrapped it in one (the content returned is
then the bare JSON), and parses it; a schema is checked with the ``jsonschema`` package when it is
installed, else with :func:`schema_problem`, which knows the keywords structured outputs use
(type, enum, const, properties, required, additionalProperties, items, min/maxItems,
min/maxLength, minimum/maximum, anyOf/oneOf/allOf, $ref to $defs). The server adds no
instruction to the prompt: ask for JSON in the messages, as OpenAI requires for ``json_object``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from supportbot.serving.errors import bad_request
from supportbot.serving.protocol import ResponseFormat

_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n(.*?)\n?```$", re.DOTALL)


@dataclass(frozen=True)
class JsonRule:
    """What the answer must be: any JSON object, or a value matching ``schema``."""

    schema: dict[str, Any] | None = None

    def check(self, text: str) -> tuple[str, str | None]:
        """(the answer's JSON text, why it fails the rule or None)."""
        bare = text.strip()
        fenced = _FENCE.match(bare)
        if fenced:
            bare = fenced.group(1).strip()
        try:
            value = json.loads(bare)
        except ValueError as exc:
            return text, f"the answer is not JSON ({exc})"
        if self.schema is None:
            if not isinstance(value, dict):
                return text, "the answer is JSON but not an object"
            return bare, None
        problem = _validate(value, self.schema)
        return bare, (None if problem is None else f"the answer does not match the schema: {problem}")


def plan_json(response_format: ResponseFormat | None) -> JsonRule | None:
    """The request's response_format as a rule (None: any text), or a 400."""
    if response_format is None or response_format.type == "text":
        return None
    if response_format.type == "json_object":
        return JsonRule()
    spec = response_format.json_schema
    if spec is None:
        raise bad_request(
            "'response_format' of type 'json_schema' needs 'json_schema' (its name and schema).",
            param="response_format.json_schema",
            code="missing_required_parameter",
        )
    schema = spec.schema_ if spec.schema_ is not None else {}
    problem = _schema_error(schema)
    if problem:
        raise bad_request(
            f"Invalid schema for response_format '{spec.name}': {problem}",
            param="response_format.json_schema.schema",
            code="invalid_schema",
        )
    return JsonRule(schema=schema)


def _schema_error(schema: dict[str, Any]) -> str | None:
    try:
        import jsonschema
    except ImportError:
        return None
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        return str(exc.message)
    return None


def _validate(value: Any, schema: dict[str, Any]) -> str | None:
    try:
        import jsonschema
    except ImportError:
        return schema_problem(value, schema)
    error = jsonschema.exceptions.best_match(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(value)
    )
    return None if error is None else str(error.message)


# --- a small validator for when jsonschema is not installed ---------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is(value: Any, name: str) -> bool:
    if name in ("number", "integer") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, (object,)))


def schema_problem(value: Any, schema: Any, *, root: Any = None, at: str = "$") -> str | None:
    """Why ``value`` does not match ``schema`` (a first problem, with where), or None."""
    if not isinstance(schema, dict):
        return None  # true, or a schema form this validator does not know: accept
    root = schema if root is None else root
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = _resolve(root, ref)
        if target is None:
            return f"{at}: cannot resolve $ref {ref!r}"
        return schema_problem(value, target, root=root, at=at)
    for check in (_check_type, _check_values, _check_combinators, _check_object, _check_array):
        problem = check(value, schema, root, at)
        if problem:
            return problem
    return None


def _resolve(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node = root
    for part in [p for p in ref[1:].split("/") if p]:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _check_type(value: Any, schema: dict[str, Any], root: Any, at: str) -> str | None:
    wanted = schema.get("type")
    if wanted is None:
        return None
    names = wanted if isinstance(wanted, list) else [wanted]
    if any(_is(value, n) for n in names):
        return None
    return f"{at}: expected {' or '.join(map(str, names))}, got {type(value).__name__}"


def _check_values(value: Any, schema: dict[str, Any], root: Any, at: str) -> str | None:
    if "enum" in schema and value not in schema["enum"]:
        return f"{at}: {value!r} is not one of {schema['enum']!r}"
    if "const" in schema and value != schema["const"]:
        return f"{at}: expected {schema['const']!r}"
    if isinstance(value, str) and not schema.get("minLength", 0) <= len(value) <= schema.get(
        "maxLength", len(value)
    ):
        return f"{at}: the string's length is out of range"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"{at}: {value} is below the minimum {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"{at}: {value} is above the maximum {schema['maximum']}"
    return None


def _check_combinators(value: Any, schema: dict[str, Any], root: Any, at: str) -> str | None:
    for sub in schema.get("allOf", []):
        problem = schema_problem(value, sub, root=root, at=at)
        if problem:
            return problem
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if options and all(schema_problem(value, sub, root=root, at=at) for sub in options):
            return f"{at}: matches none of the {key} options"
    return None


def _check_object(value: Any, schema: dict[str, Any], root: Any, at: str) -> str | None:
    if not isinstance(value, dict):
        return None
    missing = [k for k in schema.get("required", []) if k not in value]
    if missing:
        return f"{at}: missing required {', '.join(map(repr, missing))}"
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            problem = schema_problem(item, properties[key], root=root, at=f"{at}.{key}")
        elif extra is False:
            problem = f"{at}: unexpected property {key!r}"
        else:
            problem = schema_problem(item, extra, root=root, at=f"{at}.{key}")
        if problem:
            return problem
    return None


def _check_array(value: Any, schema: dict[str, Any], root: Any, at: str) -> str | None:
    if not isinstance(value, list):
        return None
    if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
        return f"{at}: the number of items is out of range"
    items = schema.get("items")
    for i, item in enumerate(value):
        problem = schema_problem(item, items, root=root, at=f"{at}[{i}]")
        if problem:
            return problem
    return None
