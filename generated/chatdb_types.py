"""Hand-written types the generated ``chatdb`` package uses (type overrides in
``[tool.sqlgen]`` of pyproject.toml). Not generated: the drift check covers
``generated/chatdb`` only, and this module is edited by hand."""

from __future__ import annotations

from typing import Any, TypedDict


class ModelConfig(TypedDict, total=False):
    """``chats.model_config``: which model an agent chat runs, and how.

    A TypedDict is a dict at run time, so psycopg loads the jsonb column into it
    and the generated code sends it wrapped in ``Jsonb`` as any jsonb value; the
    override only makes the keys known to a type checker.
    """

    provider: str
    model: str
    temperature: float
    max_tokens: int
    tools: list[str]
    thinking: dict[str, Any] | None
