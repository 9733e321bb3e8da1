"""Comparing two JSON Schemas of one value, by the direction the value travels.

The rules (see ``docs/contract-gate.md``):

- **input** (what a caller sends and our code accepts: activity arguments, Nexus inputs):
  the new schema must accept everything the old one did. Breaking: a property removed, a
  property newly required, a type or an enum value removed, a bound tightened (or added), a
  pattern added or changed, ``additionalProperties`` closed. Additions: a new optional
  property, a new type or enum value, a bound loosened.
- **output** (what our code produces and a consumer reads: results, events, CLI JSON): the
  new values must all be values the old schema allowed. Breaking: a property removed (or
  renamed), a required property made optional, a type added (``null`` included: made
  nullable) or changed, a new enum value (consumers switch on our enums: ``FileStatus``,
  error types), a bound loosened (or removed), ``additionalProperties`` opened. Additions: a
  new property.

A union (``anyOf``/``oneOf``/a ``type`` list) is compared branch by branch, a branch keyed by
its JSON type (and ``format``); ``$ref`` is resolved against each side's own ``$defs``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Direction", "SchemaChange", "diff_schemas"]

Direction = Literal["input", "output"]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_ANY = "any"


@dataclass(frozen=True)
class SchemaChange:
    """One difference: ``breaking`` or an addition, where (``path``) and what."""

    breaking: bool
    path: str
    message: str


class _Side:
    """One schema document, to resolve its ``$ref``s."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen: set[str] = set()
        while "$ref" in schema:
            ref = str(schema["$ref"])
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, Mapping) else {}
            # Keywords beside the $ref (a description, a default) are kept, the target's win.
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**rest, **target}
        return schema


def _branches(side: _Side, schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The schema as alternatives keyed by JSON type (``any`` for an unconstrained one)."""
    schema = side.resolve(schema)
    found: dict[str, Mapping[str, Any]] = {}
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        for alternative in alternatives:
            for key, branch in _branches(side, alternative).items():
                found.setdefault(key, branch)
        return found
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _branches(side, {**schema, **schema["allOf"][0], "allOf": None})
    types = schema.get("type")
    if types is None and "const" in schema:
        types = type(schema["const"]).__name__
        types = {"str": "string", "int": "integer", "bool": "boolean", "NoneType": "null"}.get(
            types, "number"
        )
    if types is None and "enum" in schema:
        types = "string"
    if types is None:
        return {_ANY: schema}
    for json_type in types if isinstance(types, list) else [types]:
        key = str(json_type)
        if json_type == "string" and "format" in schema:
            key = f"string({schema['format']})"
        found[key] = schema
    return found


def _enum(schema: Mapping[str, Any]) -> set[str] | None:
    if "const" in schema:
        return {repr(schema["const"])}
    if "enum" in schema:
        return {repr(v) for v in schema["enum"]}
    return None


def diff_schemas(
    old: Mapping[str, Any], new: Mapping[str, Any], direction: Direction, path: str
) -> list[SchemaChange]:
    """The breaking changes and additions from ``old`` to ``new`` (each a whole document)."""
    return list(_diff(_Side(old), old, _Side(new), new, direction, path, set()))


def _diff(
    old_side: _Side,
    old: Mapping[str, Any],
    new_side: _Side,
    new: Mapping[str, Any],
    direction: Direction,
    path: str,
    seen: set[tuple[str, str, str]],
) -> Iterator[SchemaChange]:
    key = (str(old.get("$ref")), str(new.get("$ref")), path)
    if "$ref" in old and key in seen:  # a recursive type: compared once
        return
    seen.add(key)
    old_branches = _branches(old_side, old)
    new_branches = _branches(new_side, new)
    narrowing = direction == "input"  # losing a type breaks inputs, gaining one outputs
    if _ANY in old_branches and _ANY not in new_branches:
        yield SchemaChange(narrowing, path, f"type narrowed from any to {_names(new_branches)}")
        return
    if _ANY in new_branches and _ANY not in old_branches:
        yield SchemaChange(not narrowing, path, f"type widened from {_names(old_branches)} to any")
        return
    for name in sorted(old_branches.keys() - new_branches.keys()):
        yield SchemaChange(narrowing, path, f"type '{name}' removed")
    for name in sorted(new_branches.keys() - old_branches.keys()):
        suffix = " (made nullable)" if name == "null" else ""
        yield SchemaChange(not narrowing, path, f"type '{name}' added{suffix}")
    for name in sorted(old_branches.keys() & new_branches.keys()):
        yield from _same_type(
            old_side, old_branches[name], new_side, new_branches[name], direction, path, seen
        )


def _names(branches: Mapping[str, Any]) -> str:
    return " | ".join(sorted(branches))


def _same_type(
    old_side: _Side,
    old: Mapping[str, Any],
    new_side: _Side,
    new: Mapping[str, Any],
    direction: Direction,
    path: str,
    seen: set[tuple[str, str, str]],
) -> Iterator[SchemaChange]:
    narrowing = direction == "input"
    old_enum, new_enum = _enum(old), _enum(new)
    if old_enum is not None or new_enum is not None:
        if old_enum is None:
            yield SchemaChange(narrowing, path, f"restricted to {sorted(new_enum or ())}")
        elif new_enum is None:
            yield SchemaChange(not narrowing, path, f"no longer restricted to {sorted(old_enum)}")
        else:
            for value in sorted(old_enum - new_enum):
                yield SchemaChange(narrowing, path, f"enum value {value} removed")
            for value in sorted(new_enum - old_enum):
                yield SchemaChange(not narrowing, path, f"enum value {value} added")
    yield from _bounds(old, new, narrowing, path)
    if old.get("pattern") != new.get("pattern"):
        tighter = "pattern" in new  # a new or changed pattern rejects values the old allowed
        yield SchemaChange(
            narrowing if tighter else not narrowing,
            path,
            f"pattern {old.get('pattern')!r} -> {new.get('pattern')!r}",
        )
    yield from _object(old_side, old, new_side, new, direction, path, seen)
    for keyword in ("items", "contains"):
        if isinstance(old.get(keyword), Mapping) and isinstance(new.get(keyword), Mapping):
            yield from _diff(
                old_side, old[keyword], new_side, new[keyword], direction, f"{path}[]", seen
            )
    old_items, new_items = old.get("prefixItems") or [], new.get("prefixItems") or []
    for index, (old_item, new_item) in enumerate(zip(old_items, new_items, strict=False)):
        yield from _diff(
            old_side, old_item, new_side, new_item, direction, f"{path}[{index}]", seen
        )


def _bounds(
    old: Mapping[str, Any], new: Mapping[str, Any], narrowing: bool, path: str
) -> Iterator[SchemaChange]:
    for keyword, lower in [(k, True) for k in _LOWER_BOUNDS] + [(k, False) for k in _UPPER_BOUNDS]:
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        if before is None:
            tightened = True
        elif after is None:
            tightened = False
        else:
            tightened = after > before if lower else after < before
        word = "tightened" if tightened else "loosened"
        yield SchemaChange(
            narrowing if tightened else not narrowing,
            path,
            f"{keyword} {word}: {before} -> {after}",
        )


def _object(
    old_side: _Side,
    old: Mapping[str, Any],
    new_side: _Side,
    new: Mapping[str, Any],
    direction: Direction,
    path: str,
    seen: set[tuple[str, str, str]],
) -> Iterator[SchemaChange]:
    old_props: Mapping[str, Any] = old.get("properties") or {}
    new_props: Mapping[str, Any] = new.get("properties") or {}
    old_required, new_required = set(old.get("required") or ()), set(new.get("required") or ())
    is_input = direction == "input"
    for name in sorted(old_props.keys() - new_props.keys()):
        yield SchemaChange(True, path, f"property '{name}' removed")
    for name in sorted(new_props.keys() - old_props.keys()):
        if is_input and name in new_required:
            yield SchemaChange(True, path, f"required property '{name}' added")
        else:
            state = "required" if name in new_required else "optional"
            yield SchemaChange(False, path, f"{state} property '{name}' added")
    for name in sorted(old_props.keys() & new_props.keys()):
        if is_input and name in new_required - old_required:
            yield SchemaChange(True, path, f"property '{name}' made required")
        if not is_input and name in old_required - new_required:
            yield SchemaChange(True, path, f"property '{name}' made optional")
        yield from _diff(
            old_side, old_props[name], new_side, new_props[name], direction, f"{path}.{name}", seen
        )
    old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
    if old_extra is not False and new_extra is False:
        yield SchemaChange(is_input, path, "additionalProperties closed")
    elif old_extra is False and new_extra is not False:
        yield SchemaChange(not is_input, path, "additionalProperties opened")
    elif isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
        yield from _diff(old_side, old_extra, new_side, new_extra, direction, f"{path}.*", seen)
