"""Python names for SQL names: predictable, escaped, and collision-free."""

from __future__ import annotations

import functools
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


# The singular rules sqlc names structs by: github.com/jinzhu/inflection v1 (Rails'
# ActiveSupport rules), in its order, then sqlc's own fixes (internal/inflection).
_SINGULAR_RULES = (
    ("s$", ""),
    ("(ss)$", r"\1"),
    ("(n)ews$", r"\1ews"),
    ("([ti])a$", r"\1um"),
    ("((a)naly|(b)a|(d)iagno|(p)arenthe|(p)rogno|(s)ynop|(t)he)(sis|ses)$", r"\1sis"),
    ("(^analy)(sis|ses)$", r"\1sis"),
    ("([^f])ves$", r"\1fe"),
    ("(hive)s$", r"\1"),
    ("(tive)s$", r"\1"),
    ("([lr])ves$", r"\1f"),
    ("([^aeiouy]|qu)ies$", r"\1y"),
    ("(s)eries$", r"\1eries"),
    ("(m)ovies$", r"\1ovie"),
    ("(x|ch|ss|sh)es$", r"\1"),
    ("^(m|l)ice$", r"\1ouse"),
    ("(bus)(es)?$", r"\1"),
    ("(o)es$", r"\1"),
    ("(shoe)s$", r"\1"),
    ("(cris|test)(is|es)$", r"\1is"),
    ("^(a)x[ie]s$", r"\1xis"),
    ("(octop|vir)(us|i)$", r"\1us"),
    ("(alias|status)(es)?$", r"\1"),
    ("^(ox)en", r"\1"),
    ("(vert|ind)ices$", r"\1ex"),
    ("(matr)ices$", r"\1ix"),
    ("(quiz)zes$", r"\1"),
    ("(database)s$", r"\1"),
)
_IRREGULAR = (
    ("person", "people"),
    ("man", "men"),
    ("child", "children"),
    ("sex", "sexes"),
    ("move", "moves"),
    ("mombie", "mombies"),
)
_UNCOUNTABLE = (
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "jeans",
    "police",
)
_SQLC_SINGULARS = {
    "campus": None,
    "meta": None,
    "calories": "calorie",
    "waves": "wave",
    "metadata": "metadata",
}


@functools.cache
def _singulars() -> list[tuple[re.Pattern[str], str]]:
    """The rules, compiled when first needed: a run whose models are remembered
    never names a table."""
    rules = [(re.compile(f"(?i)^({word})$"), r"\1") for word in _UNCOUNTABLE]
    for single, plural in _IRREGULAR:
        for case in (str.upper, str.title, str):
            rules.append((re.compile(case(plural) + "$"), case(single)))
    for pattern, replacement in reversed(_SINGULAR_RULES):
        rules.append((re.compile(pattern.upper()), replacement.upper()))
        rules.append((re.compile(pattern), replacement))
        rules.append((re.compile("(?i)" + pattern), replacement))
    return rules


def singular(name: str, exclusions: tuple[str, ...] = ()) -> str:
    """The singular of a table name, exactly as sqlc makes struct names: its inflection
    rules, its fixes, and ``inflection_exclude_table_names`` left as they are."""
    if any(name.lower() == excluded.lower() for excluded in exclusions):
        return name
    if name.lower() in _SQLC_SINGULARS:
        fixed = _SQLC_SINGULARS[name.lower()]
        return name if fixed is None else fixed
    for pattern, replacement in _singulars():
        if pattern.search(name):
            return pattern.sub(replacement, name)
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
