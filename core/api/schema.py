"""OpenAPI post-processing for what drf-spectacular cannot see from serializers alone."""

GENERIC_FIELD_ERROR = "FieldError"


def relax_validation_error_items(result, generator, request, public):
    """drf-standardized-errors documents a 400's items as exactly one of the serializer's fields,
    with the codes its validators raise. Our serializers also reject unknown fields (StrictSerializer:
    any `attr`, code `unknown_field`) and services raise InvalidInput with domain codes, so an item
    is any of the documented ones or a generic field error: `anyOf` without the `attr` discriminator."""
    schemas = result.get("components", {}).get("schemas", {})
    schemas[GENERIC_FIELD_ERROR] = {
        "type": "object",
        "description": "An error about a field the serializer does not document (e.g. `unknown_field`), "
        "or with a domain code raised by a service.",
        "properties": {
            "attr": {"type": "string", "nullable": True},
            "code": {"type": "string"},
            "detail": {"type": "string"},
        },
        "required": ["attr", "code", "detail"],
    }
    generic = {"$ref": f"#/components/schemas/{GENERIC_FIELD_ERROR}"}
    for schema in schemas.values():
        if schema.get("discriminator", {}).get("propertyName") == "attr" and "oneOf" in schema:
            schema["anyOf"] = [*schema.pop("oneOf"), generic]
            schema.pop("discriminator")
    return result


GENERIC_VALIDATION_ERROR = "ValidationErrorResponse"
GENERIC_CONFLICT = "ErrorResponse409"
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _error_response(name):
    return {"content": {"application/json": {"schema": _ref(name)}}, "description": ""}


def document_every_error_status(result, generator, request, public):
    """Statuses any operation can answer but drf-standardized-errors only documents when it can
    see why from the view: a 400 `validation_error` (page_size, query parameters, services'
    InvalidInput), a 403 (object and role checks inside services), a 404 (scoped querysets, ids
    in bodies) and, for writes, a 409 (a transition from the wrong state, a conflict)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[GENERIC_VALIDATION_ERROR] = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["validation_error"]},
            "errors": {"type": "array", "items": _ref(GENERIC_FIELD_ERROR)},
        },
        "required": ["type", "errors"],
    }
    schemas[GENERIC_CONFLICT] = {
        "type": "object",
        "properties": {
            "type": {"type": "string", "enum": ["client_error"]},
            "errors": {"type": "array", "items": _ref(GENERIC_FIELD_ERROR)},
        },
        "required": ["type", "errors"],
    }
    for name, schema in schemas.items():
        mapping = schema.get("discriminator", {}).get("mapping")
        if name.endswith("ErrorResponse400") and mapping is not None and "validation_error" not in mapping:
            schema["oneOf"].append(_ref(GENERIC_VALIDATION_ERROR))
            mapping["validation_error"] = f"#/components/schemas/{GENERIC_VALIDATION_ERROR}"
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in WRITE_METHODS | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault("400", _error_response(GENERIC_VALIDATION_ERROR))
            responses.setdefault("404", _error_response("ErrorResponse404"))
            if operation.get("security") and {} not in operation["security"]:
                responses.setdefault("403", _error_response("ErrorResponse403"))
            if method in WRITE_METHODS:
                responses.setdefault("409", _error_response(GENERIC_CONFLICT))
    return result
