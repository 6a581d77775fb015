"""The registry of outbox consumers. Apps register a handler per event kind (``"item.*"`` matches all)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from voronka.events.models import OutboxEvent

Handler = Callable[[OutboxEvent], None]
_handlers: list[tuple[str, Handler]] = []


def register(pattern: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _handlers.append((pattern, handler))
        return handler

    return decorator


def handlers_for(kind: str) -> list[Handler]:
    return [handler for pattern, handler in _handlers if fnmatch.fnmatchcase(kind, pattern)]
