"""Bulk generation of N deals with companies and contacts (filled in by the bulk-demo work)."""

from __future__ import annotations

from typing import Any


def generate_deals(count: int, *, batch: int, seed: int, out: Any) -> None:
    raise NotImplementedError
