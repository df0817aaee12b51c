"""Which collectors `liveq serve` starts, from the settings that are present."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kit.settings import ApiSettings


def collector_factories(load: Callable[[Any], Any]) -> dict[str, Any]:
    """A factory per configured collector (a collector with no credentials is not started)."""
    factories: dict[str, Any] = {}
    return factories


def secrets_to_redact(api: ApiSettings) -> list[str]:
    return [s for s in (api.admin_token,) if s]
