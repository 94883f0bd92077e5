"""Python names for SQL names: predictable, escaped, and collision-free."""

from __future__ import annotations

import keyword
import re


def snake_case(name: str) -> str:
    """``GetChatByID`` -> ``get_chat_by_id``; ``ListChatsByIDs`` -> ``list_chats_by_ids``."""
    name = re.sub(r"([A-Z]{2,})s(?=[A-Z_]|$)", r"\1S", name)
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


def pascal_case(name: str) -> str:
    """``workspace_agent_context_body_kind`` -> ``WorkspaceAgentContextBodyKind``."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    result = "".join(part[:1].upper() + part[1:] for part in parts if part)
    return escape_identifier(result or "Unnamed")


def singular(name: str) -> str:
    """English singular of a table name's last word, the way sqlc names structs."""
    if name.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if name.endswith(("sses", "shes", "ches", "xes", "zes", "uses")):
        return name[:-2]
    if name.endswith("s") and not name.endswith(("ss", "us", "is")):
        return name[:-1]
    return name


def escape_identifier(name: str) -> str:
    """A valid Python identifier: keywords get a trailing ``_``, a leading digit a ``_``."""
    name = re.sub(r"\W", "_", name)
    if not name or name[0].isdigit():
        name = "_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def field_name(name: str) -> str:
    """A column or parameter name as a Python attribute or argument."""
    return escape_identifier(name)


def constant_name(value: str) -> str:
    """An enum member name for a label: ``in-progress`` -> ``IN_PROGRESS``, ``=`` -> ``VALUE_3D``."""
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", value).strip("_").upper()
    if not cleaned:
        cleaned = "VALUE_" + "".join(f"{ord(ch):X}" for ch in value)
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned


def unique_names(names: list[str]) -> list[str]:
    """Suffix repeats with ``_2``, ``_3``... in order of appearance."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        candidate = name if count == 1 else f"{name}_{count}"
        while candidate in seen and count > 1:
            count += 1
            candidate = f"{name}_{count}"
        seen.setdefault(candidate, 1)
        result.append(candidate)
    return result
