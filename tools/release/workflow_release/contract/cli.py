"""``cli.json``: the apps' and the migration tool's command lines.

Read from the argument parsers the programs themselves build (`build_parser` for each app
with its own commands, the migration tool's parser): subcommands, positional arguments,
flags (type, choices, required, default), the exit codes (``ExitCode``), and the JSON Schema
of every machine-readable output, derived from the model each command prints through
(``Command.outputs``; the waiting ``start`` from the app's workflow result types).
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from pydantic import TypeAdapter

from workflow_release.contract._apps import app_packages
from workflow_release.contract._schema_diff import diff_schemas
from workflow_release.contract._types import Change

__all__ = ["compare_cli", "extract_cli"]


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _action(action: argparse.Action) -> dict[str, Any]:
    kind = type(action).__name__.removeprefix("_").removesuffix("Action") or "Store"
    type_ = getattr(action.type, "__name__", None) if action.type is not None else None
    return {
        "action": kind,
        "choices": _plain(sorted(action.choices)) if action.choices else None,
        "default": _plain(action.default),
        "nargs": _plain(action.nargs),
        "required": bool(action.required),
        "type": type_,
    }


def _describe(parser: argparse.ArgumentParser) -> dict[str, Any]:
    positionals: list[dict[str, Any]] = []
    flags: dict[str, Any] = {}
    commands: dict[str, Any] = {}
    for action in parser._actions:  # argparse has no public listing
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                commands[name] = _describe(sub)
        elif isinstance(action, argparse._HelpAction):
            continue
        elif action.option_strings:
            flags[max(action.option_strings, key=len)] = _action(action)
        else:
            positionals.append({"name": action.metavar or action.dest, **_action(action)})
    described: dict[str, Any] = {"flags": flags, "positionals": positionals}
    if commands:
        described["commands"] = commands
    return described


def _schema(model: Any) -> dict[str, Any]:
    return TypeAdapter(model).json_schema(mode="serialization")


def _app(package: str) -> tuple[str, dict[str, Any]] | None:
    from workflow_shared_activities.app.cli import ExitCode, build_parser
    from workflow_shared_activities.app.outputs import (
        StartFailedOutput,
        start_output_schema,
        workflow_result_types,
    )

    try:
        module = importlib.import_module(f"{package}.cli")
    except ModuleNotFoundError:
        return None
    app, commands = module.APP, getattr(module, "COMMANDS", [])
    parser, by_name = build_parser(app, commands)
    described = _describe(parser)
    for name, command in by_name.items():
        outputs = {}
        for flags, model in command.outputs.items():
            if model is StartFailedOutput:  # the waiting start: the result, or this
                outputs[flags] = start_output_schema(workflow_result_types(app.workflows))
            else:
                outputs[flags] = _schema(model)
        described["commands"][name]["outputs"] = outputs
    described["exit_codes"] = {code.name: int(code) for code in ExitCode}
    return app.name, described


def extract_cli() -> dict[str, Any]:
    """Program name -> its commands, flags, exit codes and JSON outputs."""
    from workflow_file_status import migrate

    programs = dict(found for found in map(_app, app_packages()) if found is not None)
    described = _describe(migrate._parser())  # the tool's own parser
    described["exit_codes"] = {code.name: int(code) for code in migrate.ExitCode}
    programs["python -m workflow_file_status.migrate"] = described
    return {"programs": programs}


def compare_cli(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Programs, commands, arguments, exit codes and JSON outputs (see the module docstring)."""
    changes: list[Change] = []
    for program in sorted(old["programs"]):
        if program not in new["programs"]:
            changes.append(Change(True, "cli", program, "program removed"))
        else:
            changes += _command(program, old["programs"][program], new["programs"][program])
    for program in sorted(new["programs"].keys() - old["programs"].keys()):
        changes.append(Change(False, "cli", program, "program added"))
    return changes


def _command(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for name, code in sorted(old.get("exit_codes", {}).items()):
        if new.get("exit_codes", {}).get(name) != code:
            changes.append(
                Change(True, "cli", where, f"exit code {name}={code} changed or removed")
            )
    old_cmds, new_cmds = old.get("commands", {}), new.get("commands", {})
    for name in sorted(old_cmds):
        if name not in new_cmds:
            changes.append(Change(True, "cli", f"{where} {name}", "command removed"))
        else:
            changes += _command(f"{where} {name}", old_cmds[name], new_cmds[name])
    for name in sorted(new_cmds.keys() - old_cmds.keys()):
        changes.append(Change(False, "cli", f"{where} {name}", "command added"))
    changes += _arguments(where, old, new)
    old_out, new_out = old.get("outputs", {}), new.get("outputs", {})
    for flags in sorted(old_out):
        label = f"{where} {flags}".rstrip() + " output"
        if flags not in new_out:
            changes.append(Change(True, "cli", label, "JSON output removed"))
        else:
            changes += Change.of(
                "cli", diff_schemas(old_out[flags], new_out[flags], "output", label)
            )
    for flags in sorted(new_out.keys() - old_out.keys()):
        changes.append(Change(False, "cli", f"{where} {flags}".rstrip(), "JSON output added"))
    return changes


def _arguments(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes: list[Change] = []
    for flag, spec in sorted(old.get("flags", {}).items()):
        after = new.get("flags", {}).get(flag)
        if after is None:
            changes.append(Change(True, "cli", f"{where} {flag}", "flag removed"))
        else:
            changes += _argument(f"{where} {flag}", spec, after)
    for flag, spec in sorted(new.get("flags", {}).items()):
        if flag not in old.get("flags", {}):
            state = "required flag" if spec["required"] else "flag"
            changes.append(Change(spec["required"], "cli", f"{where} {flag}", f"{state} added"))
    old_pos, new_pos = old.get("positionals", []), new.get("positionals", [])
    for index, spec in enumerate(old_pos):
        label = f"{where} {spec['name']}"
        if index >= len(new_pos):
            changes.append(Change(True, "cli", label, "positional argument removed"))
        else:
            changes += _argument(label, spec, new_pos[index])
    for spec in new_pos[len(old_pos) :]:
        required = spec["nargs"] not in ("?", "*")
        changes.append(
            Change(required, "cli", f"{where} {spec['name']}", "positional argument added")
        )
    return changes


def _argument(where: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    changes = []
    if new["required"] and not old["required"]:
        changes.append(Change(True, "cli", where, "made required"))
    for key in ("action", "type", "nargs", "default"):
        if old[key] != new[key]:
            changes.append(Change(True, "cli", where, f"{key} {old[key]!r} -> {new[key]!r}"))
    if old["choices"] is not None:
        for choice in sorted(set(old["choices"]) - set(new["choices"] or old["choices"])):
            changes.append(Change(True, "cli", where, f"choice {choice!r} removed"))
    return changes
