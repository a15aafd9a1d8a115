"""Renderers, on reports built by hand."""
from __future__ import annotations

import io
import json
import re

import pytest

from apiops.diff.model import (
    Change,
    DiffReport,
    GroupDiff,
    ResourceDiff,
    ResourceKey,
    Revision,
    SecurityChange,
)
from apiops.report import make_console
from apiops.report.diff import as_json, markdown, md, text

HOSTILE = ("<img src=x onerror=alert(1)></details><script>x</script> **bold** _it_ `code` "
           "[link](https://evil.example) ![img](x) @org/team :smile: $x^2$ | a | b | "
           "www.evil.example ~~gone~~ # heading \\ &amp; [bold]rich markup[/bold]\nsecond line")
ANSI = re.compile(r"\x1b\[")


def report(value: str = "billing:read") -> DiffReport:
    route = ResourceKey("gateway.networking.k8s.io/v1", "HTTPRoute", "tenant-acme", "billing")
    job = ResourceKey("batch/v1", "Job", "tenant-acme", "keycloak-config-cli-1")
    changes = (Change("spec.rules[billing-read].name", "changed", "billing-read", value),
               Change("spec.hostnames[api.acme.example]", "added", None, "api.acme.example"),
               Change("metadata.labels.team", "removed", "billing", None))
    return DiffReport(
        Revision("origin/main", "a" * 40), Revision("working tree", None),
        (GroupDiff("acme", "customer", "changed", (ResourceDiff(route, "configs/acme/gateway/billing.yaml",
                                                               "changed", changes),
                                                  ResourceDiff(job, "configs/acme/keycloak/job.yaml",
                                                               "added"))),
         GroupDiff("hooli", "customer", "added", (ResourceDiff(route, "configs/hooli/gateway/billing.yaml",
                                                              "added"),) * 2)),
        (SecurityChange("acme", "became-public", "GET /billing/v1/invoices",
                        f"GET /billing/v1/invoices is now public (required {value})",
                        route.title, [[value]], "public"),))


def render(renderer: object, data: DiffReport, color: str = "auto") -> str:
    out = io.StringIO()
    renderer(make_console(color=color, file=out), data)  # type: ignore[operator]
    return out.getvalue()


def test_markdown_escapes_every_user_string() -> None:
    out = render(markdown, report(HOSTILE))
    for dangerous in ("<img", "<script", "</details><", "**bold**", "_it_", "`code`", "](", "![",
                      "@org", ":smile:", "$x", "| a |", "www.evil", "~~", "\\ ", "&amp;", "\nsecond line"):
        assert dangerous not in out, dangerous
    assert out.count("<details>") == out.count("</details>") == 2
    assert md("a<b & @c") == "a&#60;b &#38; &#64;c"


def test_markdown_layout() -> None:
    out = render(markdown, report())
    assert out.startswith("## apiops diff\n\n**2 customers touched · resources: 3 added, 0 removed, "
                          "1 changed · 1 security change**\n")
    assert out.index("### Security changes (1)") < out.index("<details>")
    assert "<summary><b>hooli</b> (added): 2 added</summary>\n\n- **added**: HTTPRoute ×2\n" in out
    assert "origin/main (aaaaaaaaaaaa) → working tree" in out


def test_text_is_plain_when_piped_and_never_markup() -> None:
    out = render(text, report("[bold]x[/bold]"))
    assert not ANSI.search(out)
    assert "[bold]x[/bold]" in out
    lines = out.splitlines()
    assert lines[0] == "apiops diff: origin/main (aaaaaaaaaaaa) → working tree"
    assert lines[2] == "Security changes (1)"
    assert "      ~ spec.rules[billing-read].name: billing-read → \"[bold]x[/bold]\"" in lines
    assert "      + spec.hostnames[api.acme.example]: added api.acme.example" in lines
    assert "      - metadata.labels.team: removed (was billing)" in lines
    assert "  + 2 resources: HTTPRoute ×2" in lines
    assert lines[-1] == "2 customers touched · resources: 3 added, 0 removed, 1 changed · 1 security change"


def test_text_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ANSI.search(render(text, report(), color="always"))
    monkeypatch.setenv("FORCE_COLOR", "1")            # a terminal, as far as rich can tell
    assert ANSI.search(render(text, report()))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", render(text, report()))   # no colours left


def test_json_structure() -> None:
    data = json.loads(render(as_json, report()))
    assert list(data) == ["format", "base", "head", "summary", "security", "groups"]
    assert data["format"] == "apiops-diff/1"
    assert data["base"] == {"revision": "origin/main", "commit": "a" * 40}
    assert data["summary"] == {"customers": 2, "resources": {"added": 3, "removed": 0, "changed": 1},
                               "security": 1}
    assert data["groups"][0]["resources"][0]["changes"][0] == {
        "path": "spec.rules[billing-read].name", "change": "changed", "old": "billing-read",
        "new": "billing:read"}


def test_only_some_customers() -> None:
    data = report().only({"hooli"})
    assert [g.name for g in data.groups] == ["hooli"] and data.security == ()
    assert data.summary.customers == 1
