"""``config pull`` / ``config push``: a charger's configuration through the control API of a
running studio, as a template or a whole snapshot."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from .common import add_api_client_options, api_failure, read_token

Post = Callable[[dict[str, Any]], Any]


def register(commands: argparse._SubParsersAction) -> None:
    config = commands.add_parser("config", help="read or write a charger's configuration "
                                 "through the control API of a running studio")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    pull = config_commands.add_parser(
        "pull", help="read every setting now and write a template (or the whole snapshot)")
    push = config_commands.add_parser(
        "push", help="show what a template or settings file changes, then write it")
    for sub in (pull, push):
        add_api_client_options(sub)
    pull.add_argument("--out", required=True, metavar="FILE.json", help="file to write")
    pull.add_argument("--snapshot", action="store_true",
                      help="write the whole snapshot (all settings, read-only ones and "
                      "descriptions) instead of a template")
    pull.add_argument("--keys", help="comma-separated settings to put in the template")
    pull.add_argument("--name", default="", help="template name")
    pull.add_argument("--full", action="store_true",
                      help="2.0.1: FullInventory instead of ConfigurationInventory")
    pull.set_defaults(func=pull_configuration)
    push.add_argument("file", help="a template (see schemas/config-template.schema.json) or a "
                      "JSON object {setting: value}")
    push.add_argument("--yes", action="store_true",
                      help="do not ask; also confirms settings that can cut the charger off")
    push.add_argument("--dry-run", action="store_true", help="only show the plan")
    push.set_defaults(func=push_configuration)


def _path(charger: str) -> str:
    return f"/chargers/{quote(charger, safe='')}/configuration"


# ------------------------------------------------------------------------- pull
def pull_configuration(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, request
    token = read_token(args)
    try:
        data = request(args.api, token, "GET", _path(args.charger) + ("?full=1" if args.full
                                                                        else ""))
        return _write_pull(args, data)
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)


def _write_pull(args: argparse.Namespace, data: dict) -> int:
    from ..configuration.model import Snapshot
    from ..configuration.templates import make_template, save_template
    from ..core.frames import dumps
    data = json.loads(dumps(data))  # numbers as plain JSON numbers, not Decimal
    snapshot = Snapshot.from_json(data)
    for note in snapshot.notes:
        print(f"note: {note}", file=sys.stderr)
    if not snapshot.items:
        # an empty template would read as "this charger has no settings": say what happened
        print(f"error: nothing was read from {args.charger} (OCPP {snapshot.version}); "
              f"{args.out} was not written. "
              + ("See the notes above." if snapshot.notes else
                 "The charger reported no settings."), file=sys.stderr)
        return 1
    keys = [k.strip() for k in args.keys.split(",") if k.strip()] if args.keys else None
    for key in keys or []:
        if key not in snapshot.items:
            print(f"warning: {args.charger} has no setting {key}", file=sys.stderr)
    if args.snapshot:
        Path(args.out).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
        print(f"{len(snapshot.items)} settings of {args.charger} (OCPP {snapshot.version}) "
              f"written to {args.out}")
        return 0
    template = make_template(snapshot, keys, name=args.name)
    save_template(template, args.out)
    print(f"{len(template['settings'])} writable settings of {args.charger} "
          f"(OCPP {snapshot.version}) written to {args.out}")
    return 0


# ------------------------------------------------------------------------- push
def push_configuration(args: argparse.Namespace) -> int:
    from ..api.client import ApiError, request
    token = read_token(args)
    path = _path(args.charger)
    try:
        return _push(args, lambda body: request(args.api, token, "POST", path, body))
    except (ApiError, OSError) as exc:
        return api_failure(args, exc)


def _push(args: argparse.Namespace, post: Post) -> int:
    data = _read_changes(args.file)
    if data is None:
        return 2
    preview = post({"changes": data, "dry_run": True})
    plan = preview["plan"]
    changing = [p for p in plan if not p.get("unchanged")]
    print(f"{args.charger} (OCPP {preview['version']}): {len(changing)} of {len(plan)} "
          f"settings would change")
    _print_plan(plan)
    if args.dry_run or not changing:
        return 0
    dangerous = any(p.get("danger") and not p.get("problem") for p in changing)
    if not args.yes and not _confirmed(dangerous):
        return 1
    return _print_results(post({"changes": data, "confirm_dangerous": True}))


def _read_changes(file: str) -> dict[str, Any] | None:
    """A template or a JSON object {setting: string value}; None after saying why not."""
    from ..configuration.templates import TemplateError, check_template
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        if isinstance(data, dict) and "format" in data:
            check_template(data)
        elif not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise TemplateError(f"{file} is neither a template nor a JSON object of "
                                f"setting -> string value")
    except (OSError, ValueError) as exc:
        print(f"Cannot use {file}: {exc}", file=sys.stderr)
        return None
    return data


def _print_plan(plan: list[dict]) -> None:
    for change in plan:
        if change.get("unchanged"):
            continue
        mark = "  "
        if change.get("problem"):
            mark = "✗ "
        elif change.get("danger"):
            mark = "! "
        print(f"{mark}{change['key']}: {change['before']!s} -> {change['after']}")
        if change.get("problem"):
            print(f"      will not be sent: {change['problem']}")
        elif change.get("danger"):
            print(f"      DANGER: {change['danger']}")


def _confirmed(dangerous: bool) -> bool:
    """Ask on a terminal (typing 'yes' for settings that can cut the charger off)."""
    if not sys.stdin.isatty():
        print("Not applied: pass --yes to apply without asking.", file=sys.stderr)
        return False
    prompt = ("Some settings can cut the charger off (see DANGER). Type 'yes' to apply: "
              if dangerous else "Apply? [y/N] ")
    answer = input(prompt).strip().lower()
    if answer not in (("yes",) if dangerous else ("y", "yes")):
        print("Nothing written.")
        return False
    return True


def _print_results(result: dict[str, Any]) -> int:
    failed = 0
    for item in result["results"]:
        ok = item["status"] in ("Accepted", "RebootRequired")
        failed += not ok
        detail = f" ({item['detail']})" if item.get("detail") else ""
        print(f"{'ok' if ok else '!!'} {item['key']} = {item['value']}: {item['status']}{detail}")
    if result.get("reboot_required"):
        print("The charger needs a reset for some settings to take effect "
              "(ocpp-studio call ... Reset).")
    if result.get("undo"):
        print("Previous values (to undo): " + json.dumps(result["undo"]))
    return 1 if failed else 0

