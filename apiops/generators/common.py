"""Small helpers shared by the built-in generators (pure, no I/O)."""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from apiops.model import CustomerPlan

MANAGED_BY = {"app.kubernetes.io/managed-by": "apiops"}
_NOT_DNS = re.compile(r"[^a-z0-9]+")
_LABEL_VALUE = re.compile(r"[^A-Za-z0-9._-]")


def content_hash(data: Any, length: int = 10) -> str:
    """Stable hash of plain data, independent of key order."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def dns_name(text: str, max_length: int = 63) -> str:
    """`billing:read` -> `billing-read`; long names keep a hash so they stay unique."""
    name = _NOT_DNS.sub("-", text.lower()).strip("-") or "x"
    if len(name) <= max_length:
        return name
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return name[: max_length - 9].rstrip("-") + "-" + digest


def label_value(text: str) -> str:
    return _LABEL_VALUE.sub("_", text)[:63].strip("._-")


def customer_labels(plan: CustomerPlan) -> dict[str, str]:
    return {**MANAGED_BY, "apiops.io/customer": plan.customer.name}
