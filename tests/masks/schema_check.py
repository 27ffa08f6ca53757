"""A small JSON Schema validator for the 2020 store model (``store_model_2020.schema.json``).

The ``jsonschema`` package is not a dependency of this project, and the model needs only a few
keywords: ``type``, ``enum``, ``properties``, ``required``, ``additionalProperties``, ``items``,
``pattern``, ``minLength``, ``maxLength``, ``minimum``, ``maximum`` and local ``$ref``. They are
implemented here with JSON's semantics (``true`` is not an integer, ``1.0`` is; patterns are
unanchored searches). Any other keyword is refused when the schema is loaded, so the schema can never
rely on a rule this validator silently skips. ``test_store_model_schema.py`` tests every keyword.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("store_model_2020.schema.json")
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "$defs"})
ASSERTIONS = frozenset(
    {
        "$ref",
        "type",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
    }
)
#: Which v1 endpoint answers with which model of the schema.
ENDPOINT_MODEL = {
    "stores/json": "StoresPage",
    "sales/json": "SalesPage",
    "storesByGeo/json": "StoresByGeo",
    "storesByAddr/json": "StoresByAddr",
}


class SchemaError(ValueError):
    """The schema itself uses something this validator does not implement."""


def _check_keywords(schema: Any, where: str = "#") -> None:
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise SchemaError(f"{where}: a schema must be an object or a boolean")
    unknown = set(schema) - ANNOTATIONS - ASSERTIONS
    if unknown:
        raise SchemaError(f"{where}: unsupported keyword(s) {sorted(unknown)}")
    for name, sub in schema.get("$defs", {}).items():
        _check_keywords(sub, f"{where}/$defs/{name}")
    for name, sub in schema.get("properties", {}).items():
        _check_keywords(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties"):
        if key in schema:
            _check_keywords(schema[key], f"{where}/{key}")


def load(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    schema = json.loads(path.read_text(encoding="utf-8"))
    _check_keywords(schema)
    return schema  # type: ignore[no-any-return]


@cache
def store_model() -> dict[str, Any]:
    return load()


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise SchemaError(f"unknown type {name!r}")


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON means it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    return a == b


def _resolve(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise SchemaError(f"only local references are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def errors(instance: Any, schema: Any, root: dict[str, Any], path: str = "") -> list[str]:
    """Every way ``instance`` breaks ``schema`` (empty when it conforms), each with its JSON pointer."""
    if schema is True:
        return []
    if schema is False:
        return [f"{path or '/'}: no value is allowed here"]
    found: list[str] = []
    at = path or "/"
    if "$ref" in schema:
        found += errors(instance, _resolve(root, schema["$ref"]), root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(instance, t) for t in types):
            found.append(f"{at}: {json.dumps(instance, ensure_ascii=False)[:60]} is not of type {' or '.join(types)}")
            return found  # the other rules assume the type
    if "enum" in schema and not any(_json_equal(instance, v) for v in schema["enum"]):
        found.append(f"{at}: {instance!r} is not one of {schema['enum']}")
    if isinstance(instance, str):
        if "pattern" in schema and re.search(schema["pattern"], instance) is None:
            found.append(f"{at}: {instance!r} does not match {schema['pattern']}")
        if "minLength" in schema and len(instance) < schema["minLength"]:
            found.append(f"{at}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            found.append(f"{at}: longer than {schema['maxLength']} characters")
    if isinstance(instance, int | float) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            found.append(f"{at}: {instance} is less than {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            found.append(f"{at}: {instance} is more than {schema['maximum']}")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                found.append(f"{at}: {name!r} is required")
        for name, value in instance.items():
            child = f"{path}/{name}"
            if name in props:
                found += errors(value, props[name], root, child)
            elif "additionalProperties" in schema:
                extra = schema["additionalProperties"]
                if extra is False:
                    found.append(f"{at}: {name!r} is not a field of this model")
                else:
                    found += errors(value, extra, root, child)
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            found += errors(item, schema["items"], root, f"{path}/{i}")
    return found


def model_errors(instance: Any, model: str) -> list[str]:
    root = store_model()
    if model not in root["$defs"]:
        raise SchemaError(f"no model {model!r} in the schema")
    return errors(instance, root["$defs"][model], root)


def assert_conforms(instance: Any, model: str) -> None:
    problems = model_errors(instance, model)
    assert not problems, f"not a 2020 {model}:\n  " + "\n  ".join(problems[:20])
