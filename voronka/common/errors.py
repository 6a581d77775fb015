"""Errors every layer raises and every edge (API, web, facade) renders the same way.

The body contract is ``{"errors": [{"field": <slug or None>, "code": <machine code>, "message": <text>}]}``.
Messages are lazy translations so they render in the language of the user who receives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.encoding import force_str


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: which field, a machine code, and a human message."""

    field: str | None
    code: str
    message: Any  # str or a lazy translation

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "code": self.code, "message": force_str(self.message)}


class VoronkaError(Exception):
    """Base of the errors a client can cause; ``status`` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(f"{p.field or '-'}: {force_str(p.message)}" for p in self.problems))

    def as_body(self) -> dict[str, list[dict[str, str | None]]]:
        return {"errors": [p.as_dict() for p in self.problems]}


class ValidationFailed(VoronkaError):
    status = 422


class AccessDenied(VoronkaError):
    status = 403


class NotFound(VoronkaError):
    status = 404


class Conflict(VoronkaError):
    status = 409


class ProblemCollector:
    """Gathers every problem of a write so the client hears about all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str | None, code: str, message: Any) -> None:
        self.problems.append(Problem(field, code, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ValidationFailed(list(self.problems))
