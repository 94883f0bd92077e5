"""Format stage: black, so generated code reads like hand-written code."""

from __future__ import annotations

import black

_MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311})


def format_python(source: str) -> str:
    """Format one module; a failure here is a bug in a template, not in user input."""
    return black.format_str(source, mode=_MODE)
