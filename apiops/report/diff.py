"""Renderers of a DiffReport: text (rich), markdown (pull-request comments and
$GITHUB_STEP_SUMMARY) and json (the structure documented in docs/diff.md)."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from apiops.diff.model import Change, DiffReport, GroupDiff, ResourceDiff, SecurityChange, Summary

FORMAT = "apiops-diff/1"
VALUE_WIDTH = 160
MARKDOWN_CHANGES_PER_RESOURCE = 50
MARKDOWN_LIMIT = 900_000     # GitHub refuses a job summary over 1 MiB
_MARKS = {"added": "+", "removed": "-", "changed": "~"}
_STYLES = {"added": "green", "removed": "red", "changed": "yellow"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(summary: Summary) -> str:
    if not (summary.customers or summary.added or summary.removed or summary.changed or summary.security):
        return "no changes to configs/ or deploy/"
    return (f"{_plural(summary.customers, 'customer')} touched · resources: {summary.added} added, "
            f"{summary.removed} removed, {summary.changed} changed · "
            f"{_plural(summary.security, 'security change')}")


def _flow(value: Any) -> str:
    """YAML-like flow style, quoting only where a reader could be misled."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and value and value.strip() == value and not any(
            c in value for c in ",{}[]\n\"") and value not in ("null", "true", "false"):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def compact(value: Any, width: int = VALUE_WIDTH) -> str:
    text = _flow(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _revision(report: DiffReport) -> str:
    def one(label: str, commit: str | None) -> str:
        return f"{label} ({commit[:12]})" if commit and commit[:12] != label[:12] else label
    return f"{one(report.base.label, report.base.commit)} → {one(report.head.label, report.head.commit)}"


def kinds(resources: tuple[ResourceDiff, ...]) -> str:
    """`HTTPRoute ×3, Job, Namespace`: what a whole customer added or removed holds."""
    counts = Counter(r.key.kind for r in resources)
    return ", ".join(kind if n == 1 else f"{kind} ×{n}"
                     for kind, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _change_words(change: Change) -> str:
    if change.change == "added":
        return f"{change.path}: added {compact(change.new)}"
    if change.change == "removed":
        return f"{change.path}: removed (was {compact(change.old)})"
    return f"{change.path}: {compact(change.old)} → {compact(change.new)}"


# -- text -------------------------------------------------------------------------------

def text(console: Any, report: DiffReport) -> None:
    from rich.text import Text

    console.print(Text(f"apiops diff: {_revision(report)}", style="bold"))
    if report.security:
        console.print()
        console.print(Text(f"Security changes ({len(report.security)})", style="bold red"))
        for note in report.security:
            line = Text("  ")
            line.append(note.customer, style="bold")
            line.append(f": {note.message}")
            if note.resource:
                line.append(f"  ({note.resource})", style="dim")
            console.print(line)
    for group in report.groups:
        console.print()
        console.print(Text(f"{group.name} ({group.status})", style="bold"))
        if group.status != "changed":       # a whole customer: summarized, not dumped
            line = Text(f"  {_MARKS[group.status]} ", style=_STYLES[group.status])
            console.print(line + Text(f"{_plural(len(group.resources), 'resource')}: "
                                      f"{kinds(group.resources)}"))
            continue
        for resource in group.resources:
            line = Text(f"  {_MARKS[resource.status]} ", style=_STYLES[resource.status])
            line.append(resource.key.title)
            line.append(f"  {resource.file}", style="dim")
            console.print(line)
            for change in resource.changes:
                console.print(Text(f"      {_MARKS[change.change]} ", style=_STYLES[change.change])
                              + Text(_change_words(change)))
    console.print()
    console.print(Text(summary_line(report.summary), style="bold"))


# -- markdown ---------------------------------------------------------------------------

# Every character that could start markdown or HTML, a link, a mention (@), an emoji
# (:name:) or math ($) becomes a numeric character reference: renders as itself, means nothing.
# User strings never start a line here, so list and heading markers need no escaping.
_ESCAPE = {ord(c): f"&#{ord(c)};" for c in "&<>\"'`*_[]#|\\~!@:$"}
_ESCAPE.update({ord("\n"): " ", ord("\r"): " "})


def md(value: str) -> str:
    # "www." starts an autolink even without a scheme
    return value.translate(_ESCAPE).replace("www.", "www&#46;").replace("WWW.", "WWW&#46;")


def _code(value: str) -> str:
    return f"<code>{md(value)}</code>"


def _md_change(change: Change) -> str:
    if change.change == "added":
        return f"{_code(change.path)} added: {_code(compact(change.new))}"
    if change.change == "removed":
        return f"{_code(change.path)} removed (was {_code(compact(change.old))})"
    return f"{_code(change.path)}: {_code(compact(change.old))} → {_code(compact(change.new))}"


def _md_resource(resource: ResourceDiff) -> list[str]:
    lines = [f"- **{resource.status}** {_code(resource.key.title)} <sub>{md(resource.file)}</sub>"]
    shown = resource.changes[:MARKDOWN_CHANGES_PER_RESOURCE]
    lines += [f"  - {_md_change(change)}" for change in shown]
    if len(resource.changes) > len(shown):
        lines.append(f"  - … and {len(resource.changes) - len(shown)} more")
    return lines


def _md_group(group: GroupDiff, notes: int) -> list[str]:
    counts = {status: sum(1 for r in group.resources if r.status == status)
              for status in ("added", "removed", "changed")}
    parts = [f"{n} {status}" for status, n in counts.items() if n]
    if notes:
        parts.append(_plural(notes, "security change"))
    title = "deploy/ (all customers)" if group.type == "repository" else group.name
    lines = ["<details>", f"<summary><b>{md(title)}</b> ({group.status}): {', '.join(parts)}</summary>", ""]
    if group.status != "changed":
        lines.append(f"- **{group.status}**: {md(kinds(group.resources))}")
    else:
        for resource in group.resources:
            lines += _md_resource(resource)
    return [*lines, "", "</details>", ""]


def _md_security(note: SecurityChange) -> str:
    where = f" ({_code(note.resource)})" if note.resource else ""
    return f"- **{md(note.customer)}**: {md(note.message)}{where}"


def markdown(console: Any, report: DiffReport) -> None:
    lines = ["## apiops diff", "", f"**{summary_line(report.summary)}**", "",   # numbers only
             f"<sub>{md(_revision(report))}</sub>", ""]
    if report.security:
        lines += [f"### Security changes ({len(report.security)})", ""]
        lines += [_md_security(note) for note in report.security]
        lines.append("")
    if report.groups:
        lines += ["### Changes by customer", ""]
    size = sum(len(line) + 1 for line in lines)
    for i, group in enumerate(report.groups):
        section = _md_group(group, sum(1 for s in report.security if s.customer == group.name))
        size += sum(len(line) + 1 for line in section)
        if size > MARKDOWN_LIMIT:
            lines.append(f"_… {len(report.groups) - i} more section(s) left out to stay under the "
                         "size limit of a job summary; run `apiops diff` locally for all of them._")
            break
        lines += section
    _write(console, "\n".join(lines).rstrip("\n") + "\n")


def _write(console: Any, text: str) -> None:
    """Markdown and JSON are data: written as they are, past rich's rendering."""
    console.file.write(text)
    console.file.flush()


# -- json -------------------------------------------------------------------------------

def as_data(report: DiffReport) -> dict[str, Any]:
    summary = report.summary
    return {
        "format": FORMAT,
        "base": {"revision": report.base.label, "commit": report.base.commit},
        "head": {"revision": report.head.label, "commit": report.head.commit},
        "summary": {"customers": summary.customers,
                    "resources": {"added": summary.added, "removed": summary.removed,
                                  "changed": summary.changed},
                    "security": summary.security},
        "security": [{"customer": s.customer, "kind": s.kind, "subject": s.subject,
                      "message": s.message, "resource": s.resource, "old": s.old, "new": s.new}
                     for s in report.security],
        "groups": [{"name": g.name, "type": g.type, "status": g.status, "resources": [
            {"apiVersion": r.key.api_version, "kind": r.key.kind, "namespace": r.key.namespace,
             "name": r.key.name, "title": r.key.title, "file": r.file, "status": r.status,
             "changes": [{"path": c.path, "change": c.change, "old": c.old, "new": c.new}
                         for c in r.changes]}
            for r in g.resources]} for g in report.groups],
    }


def as_json(console: Any, report: DiffReport) -> None:
    _write(console, json.dumps(as_data(report), indent=2, ensure_ascii=False, default=str) + "\n")


RENDERERS: dict[str, Callable[[Any, DiffReport], None]] = {
    "text": text, "markdown": markdown, "json": as_json,
}
