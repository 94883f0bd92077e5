"""Format stage: the rendered modules in black's style, without paying for black.

Black is the reference for how generated code looks, but running it costs
about 0.7 ms per line, which was 84 % of a generation run and grows with
every query. The templates therefore emit black's layout directly (double
quotes, black's blank lines, docstrings indented), one logical line per
statement, and this stage only has to wrap the lines that are too long.
Those come in a handful of shapes (signatures and their return annotations,
imports, calls and subscripts at the end of a statement, assignments, lines
black cannot split), and :func:`format_module` wraps them the way black's
``left_hand_split``, ``right_hand_split`` and ``delimiter_split`` do. A module
with a long line of any other shape, or rendered from a user's template, goes
through black itself, so the output is black's in every case; the tests hold
the fast path to black on every corpus the project has.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

LINE_LENGTH = 88
_INDENT = "    "
_OPENING = "([{"
_CLOSING = ")]}"
_TRIPLE_QUOTE = '"""'

# What may come after the last bracket pair of a line black splits there.
_TAIL = re.compile(r"^(?:|:|,|: \.\.\.| as \w+:)$")
# Statement prefixes after which black's invisible parentheses are omitted
# because the value is a single call, subscript or literal.
_VALUE_PREFIX = re.compile(
    r"^(?:return |class |for \w+ in |(?:async )?with |[\w.]+(?:: .+)? = |\w+=)?(?:await )?"
)
# A primary: a name with attribute access and bracket trailers, nothing else at depth 0.
_PRIMARY = re.compile(r"^(?:[A-Za-z_][\w.]*)?$")
# A name and a type annotation without brackets, as in a dataclass field or a parameter.
_ANNOTATED = re.compile(r"^(\w+): ([\w. |]+?)(,?)$")
# A plain string assigned to a name: black puts a long one in parentheses.
_ASSIGNED_STRING = re.compile(r"^([\w.]+(?:: [\w.\[\], |]+)? = )(\"[^\"\\]*\")$")
# A string alone on its line (a docstring, or an argument): black leaves it long.
_LONE_STRING = re.compile(r"^[rRbBfFuU]{0,2}[\"']")
# A name assigned a string that continues on the next lines: black cannot
# split the line, however long the name, and leaves it.
_OPENS_BLOCK_STRING = re.compile(r'^[\w.]+ = """\\$')
# Lines black has no place to split: a class without bases, and the opening
# line of a call the templates already laid out one argument per line.
_UNSPLITTABLE = re.compile(r"^(?:class \w+:|(?:return |[\w.]+ = )?[\w.]+\()$")
# A name annotated with a subscript and assigned a name: black splits it in
# the annotation's brackets, the only ones it has.
_ANNOTATED_NAME = re.compile(r"^(\w+: [\w.]+\[)(.+)(\] = [\w.]+)$")
# The target of a plain assignment statement.
_ASSIGNMENT_TARGET = re.compile(r"^[\w.]+ = ")
# The return annotation closing a signature split at its parameters.
_RETURNS = re.compile(r"^\) -> (.+?)(:|: \.\.\.)$")


class _Unsupported(Exception):
    """A long line of a shape this module does not wrap; black will."""


@dataclass(frozen=True)
class _Bracket:
    open: int
    close: int


# The characters that decide a split, found in one pass; strings are matched
# whole so that nothing inside them counts.
_TOKEN = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[()\[\]{},#]| for | if ")


# One split cuts the same text at several levels (a signature's parameters,
# then each parameter): tokenized once, not at every level.
@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[tuple[int, str, int], ...]:
    """(position, token, depth before it) of every bracket, comma and clause keyword."""
    if _TRIPLE_QUOTE in text:
        raise _Unsupported
    found: list[tuple[int, str, int]] = []
    depth = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token[0] in "\"'":
            continue
        if token == "#":
            break
        if token in _CLOSING:
            depth -= 1
            if depth < 0:
                raise _Unsupported
        found.append((match.start(), token, depth))
        if token in _OPENING:
            depth += 1
    if depth:
        raise _Unsupported
    return tuple(found)


def _top_level_brackets(text: str) -> list[_Bracket]:
    """Bracket pairs at depth 0 of ``text``, in order."""
    pairs: list[_Bracket] = []
    start = 0
    for position, token, depth in _tokens(text):
        if depth == 0 and token in _OPENING:
            start = position
        elif depth == 0 and token in _CLOSING:
            pairs.append(_Bracket(start, position))
    return pairs


def _split_commas(body: str) -> list[str]:
    """``body`` cut at its depth-0 commas, items stripped (a trailing comma adds none)."""
    cuts = [position for position, token, depth in _tokens(body) if token == "," and depth == 0]
    items = [body[a + 1 : b].strip() for a, b in zip([-1, *cuts], [*cuts, len(body)], strict=True)]
    if items[-1] == "":
        items.pop()
    return items


def _items_in(text: str, pair: _Bracket) -> list[str]:
    """``_split_commas`` of what the depth-0 ``pair`` of ``text`` holds, cut with
    the tokens ``text`` already has rather than tokenizing the part again."""
    cuts = [pair.open]
    cuts += [
        p
        for p, token, depth in _tokens(text)
        if token == "," and depth == 1 and pair.open < p < pair.close
    ]
    items = [text[a + 1 : b].strip() for a, b in zip(cuts, [*cuts[1:], pair.close], strict=True)]
    if items[-1] == "":
        items.pop()
    return items


def _fits(indent: str, text: str) -> bool:
    return len(indent) + len(text) <= LINE_LENGTH


def _split_comprehension(body: str) -> list[str]:
    """``body`` cut before its depth-0 ``for`` and ``if`` clauses (one part if none)."""
    clauses = [(p, t) for p, t, depth in _tokens(body) if depth == 0 and t in (" for ", " if ")]
    if clauses and clauses[0][1] == " if ":
        raise _Unsupported  # a conditional expression, not a comprehension clause
    positions = [position for position, _ in clauses]
    starts = [0, *(position + 1 for position in positions)]
    return [body[a:b] for a, b in zip(starts, [*positions, len(body)], strict=True)]


def _explode(indent: str, head: str, items: list[str], tail: str) -> list[str]:
    """``head`` / one item per line with a trailing comma / ``tail``."""
    inner = indent + _INDENT
    room = LINE_LENGTH - len(inner) - len(",")
    lines = [indent + head]
    for item in items:
        if len(item) <= room:
            lines.append(f"{inner}{item},")
        else:
            lines.extend(_wrap_inside(inner, item + ","))
    lines.append(indent + tail)
    return lines


def _wrap_body(
    indent: str, head: str, body: str, tail: str, *, force: bool, items: list[str]
) -> list[str]:
    """A bracket's contents on their own line, or split at their delimiters
    (commas: ``items``, which is ``_split_commas(body)``; else comprehension
    clauses) when they do not fit."""
    inner = indent + _INDENT
    # A trailing comma keeps a collection exploded, except in a one-item tuple, where it is syntax.
    one_tuple = head.endswith((" (", "=(")) or head == "("
    magic_comma = body.rstrip().endswith(",") and not (one_tuple and len(items) == 1)
    if not force and not magic_comma and _fits(inner, body):
        return [indent + head, inner + body, indent + tail]
    if len(items) > 1 or force or magic_comma:
        return _explode(indent, head, items, tail)
    lines = [indent + head]
    for part in _split_comprehension(body):
        lines.extend(_wrap_inside(inner, part))
    lines.append(indent + tail)
    return lines


def _wrap_inside(indent: str, text: str) -> list[str]:
    """A line inside brackets: kept when it fits, else split at its last bracket."""
    if _fits(indent, text) or _LONE_STRING.match(text):
        return [indent + text]
    annotated = _ANNOTATED.match(text)
    if annotated:
        # In a parameter list black parenthesizes only an annotation it could split (a union).
        if " | " not in annotated.group(2):
            return [indent + text]
        return _wrap_annotation(indent, *annotated.groups())
    return _right_hand_split(indent, text)


def _wrap_annotation(indent: str, name: str, annotation: str, comma: str) -> list[str]:
    """Black puts a long type annotation in parentheses on a line of its own."""
    head = f"{name}: ("
    if not _fits(indent, head) or not _fits(indent + _INDENT, annotation):
        raise _Unsupported
    return [indent + head, indent + _INDENT + annotation, f"{indent}){comma}"]


def _right_hand_split(indent: str, text: str) -> list[str]:
    """Split a primary at its last bracket pair, as black's ``rhs`` does; the
    head must fit, as black requires before it settles on a split."""
    value = text[_VALUE_PREFIX.match(text).end() :]  # type: ignore[union-attr]
    pairs = [pair for pair in _top_level_brackets(value) if pair.close > pair.open + 1]
    if not pairs and _PRIMARY.match(value.removesuffix(",")):
        return [indent + text]  # a lone name: nothing to split, black leaves it long too
    if not pairs or not _PRIMARY.match(_without_brackets(value, pairs)):
        raise _Unsupported
    offset = len(text) - len(value)
    last = _Bracket(pairs[-1].open + offset, pairs[-1].close + offset)
    head, body, tail = text[: last.open + 1], text[last.open + 1 : last.close], text[last.close :]
    if not _fits(indent, head):
        # An assignment whose value fits in new parentheses gets them; one
        # whose target alone is too long for that is split at the bracket.
        target = _ASSIGNMENT_TARGET.match(text)
        if target is None:
            raise _Unsupported
        if _fits(indent, target.group() + "("):
            if not _fits(indent + _INDENT, value):
                raise _Unsupported
            return [indent + target.group() + "(", indent + _INDENT + value, indent + ")"]
    # Black always explodes a literal (not a call or subscript) holding several items.
    is_literal = last.open == 0 or text[last.open - 1] in " ([{,"
    items = _items_in(value, pairs[-1])
    return _wrap_body(indent, head, body, tail, force=is_literal and len(items) > 1, items=items)


# A wrapper method's delegation to its inner querier, ``return self._around("name",
# functools.partial(self._inner.name, a=a))``: ``wrappers.py`` has one per query
# method and flavour, most too long for a line.
_DELEGATION = re.compile(
    r'(?P<head>return (?:await )?self\._\w+\()(?P<name>"\w+"), '
    r"(?P<call>[\w.]+\()(?P<args>[\w.]+(?:, \w+=\w+)+)\)\)$"
)


def _wrap_delegation(indent: str, delegation: re.Match[str]) -> list[str]:
    """A delegation wrapped as :func:`_right_hand_split` wraps it, worked out from
    its lengths alone: its brackets, commas and lone string are where the pattern
    puts them, so nothing needs tokenizing. A shape the general path would split
    further (an argument too long for its line) is left to it."""
    head, name, call, args = delegation.group("head", "name", "call", "args")
    inner = indent + _INDENT
    item = f"{call}{args})"
    if not _fits(indent, head):
        raise _Unsupported
    if _fits(inner, f"{name}, {item}"):
        return [indent + head, f"{inner}{name}, {item}", indent + ")"]
    lines = [indent + head, f"{inner}{name},"]
    if _fits(inner, item + ","):
        lines.append(f"{inner}{item},")
    else:
        deeper = inner + _INDENT
        if _fits(deeper, args):
            lines += [inner + call, deeper + args, inner + "),"]
        else:
            arguments = args.split(", ")
            if not all(_fits(deeper, argument + ",") for argument in arguments):
                raise _Unsupported
            lines += [inner + call, *(f"{deeper}{a}," for a in arguments), inner + "),"]
    lines.append(indent + ")")
    return lines


def _wrap_statement(indent: str, text: str) -> list[str]:
    """A long statement line of a supported shape, wrapped as black wraps it."""
    if text.startswith(("def ", "async def ")):
        return _wrap_signature(indent, text)
    delegation = _DELEGATION.match(text)
    if delegation is not None:
        try:
            return _wrap_delegation(indent, delegation)
        except _Unsupported:
            pass
    if _LONE_STRING.match(text) or text.startswith("#"):
        return [indent + text]
    if _OPENS_BLOCK_STRING.match(text) or _UNSPLITTABLE.match(text):
        return [indent + text]
    if text.startswith("from ") and " import " in text and "(" not in text:
        module, names = text.split(" import ", 1)
        return _explode(indent, f"{module} import (", _split_commas(names), ")")
    annotated = _ANNOTATED.match(text)
    if annotated and not annotated.group(3):
        return _wrap_annotation(indent, *annotated.groups())
    if "#" in text:
        raise _Unsupported  # black may move a trailing comment into new parentheses
    annotated_name = _ANNOTATED_NAME.match(text)
    if annotated_name:
        head, body, tail = annotated_name.groups()
        if not (_fits(indent, head) and _fits(indent + _INDENT, body)):
            raise _Unsupported
        return [indent + head, indent + _INDENT + body, indent + tail]
    assigned = _ASSIGNED_STRING.match(text)
    if assigned:
        target, value = assigned.groups()
        if not _fits(indent + _INDENT, value):
            return [indent + text]  # parentheses would not make it fit: black leaves it
        return [f"{indent}{target}(", indent + _INDENT + value, indent + ")"]
    return _right_hand_split(indent, text)


# What makes a parameter list more than names, subscripted annotations and commas.
_NESTED = re.compile(r"[(){}\"'#]")


def _split_parameters(body: str) -> list[str]:
    """``_split_commas(body)`` for a body with no brackets but square ones and no
    strings (most parameter lists): its commas outside square brackets, found
    without tokenizing."""
    items: list[str] = []
    pending = ""
    for piece in body.split(","):
        pending = f"{pending},{piece}" if pending else piece
        if pending.count("[") == pending.count("]"):
            items.append(pending.strip())
            pending = ""
    if pending:
        raise _Unsupported  # unbalanced: not a parameter list black could read
    if items and items[-1] == "":
        items.pop()
    return items


def _wrap_signature(indent: str, text: str) -> list[str]:
    """A long ``def`` line split as black's ``left_hand_split`` does: at the
    parameters' bracket, however long the head. The bracket's pair is the first
    ``)`` after it unless the parameters hold round brackets, braces or strings,
    which only the tokenizer reads right."""
    opening = text.index("(")
    closing = text.find(")", opening)
    plain = closing > 0 and _NESTED.search(text, opening + 1, closing) is None
    if not plain:
        first = _top_level_brackets(text)[0]
        opening, closing = first.open, first.close
    body = text[opening + 1 : closing]
    if not body:
        raise _Unsupported  # black would split the return annotation instead
    head, tail = text[: opening + 1], text[closing:]
    return [indent + head, *_parameter_lines(indent, body, plain), *_wrap_returns(indent, tail)]


@cache
def _parameter_lines(indent: str, body: str, plain: bool) -> tuple[str, ...]:
    """The lines a signature's parameters ``body`` takes between its head and its
    ``)`` (``plain``: no brackets but square ones, no strings). The same parameters
    come back in every flavour and page of a method (six times, in a package with
    both flavours): each list is laid out once per render (:func:`forget_layouts`)."""
    items = _split_parameters(body) if plain else _split_commas(body)
    return tuple(_wrap_body(indent, "", body, "", force=len(items) == 1, items=items)[1:-1])


def forget_layouts() -> None:
    """Drop what formatting remembers (parameter lists laid out, lines tokenized):
    a render's, done with, not to be held through the rest of the run."""
    _parameter_lines.cache_clear()
    _tokens.cache_clear()


def _wrap_returns(indent: str, tail: str) -> list[str]:
    """The line ``) -> annotation:`` of a split signature, split again as black
    does when it is too long: at the annotation's last bracket, or in new
    parentheses around a union (one member per line when it does not fit)."""
    if _fits(indent, tail):
        return [indent + tail]
    returns = _RETURNS.match(tail)
    if returns is None:
        raise _Unsupported
    annotation, colon = returns.groups()
    inner = indent + _INDENT
    union = _union_members(annotation)
    if len(union) > 1:
        if _fits(inner, annotation):
            return [indent + ") -> (", inner + annotation, indent + ")" + colon]
        first, *rest = union
        members = [inner + first, *(f"{inner}| {member}" for member in rest)]
        if any(not _fits("", m) and _top_level_brackets(m) for m in members):
            raise _Unsupported  # black would split the member at its brackets too
        return [indent + ") -> (", *members, indent + ")" + colon]
    pairs = _top_level_brackets(annotation)
    if not pairs or not _PRIMARY.match(_without_brackets(annotation, pairs)):
        return [indent + tail]  # a lone name: black leaves it long
    last = pairs[-1]
    head = ") -> " + annotation[: last.open + 1]
    body, close = annotation[last.open + 1 : last.close], annotation[last.close :]
    return _wrap_body(indent, head, body, close + colon, force=False, items=_split_commas(body))


def _union_members(annotation: str) -> list[str]:
    """The members of a type annotation's union at depth 0 (one if it is none)."""
    if " | " not in annotation:
        return [annotation]
    if not any(bracket in annotation for bracket in _OPENING):
        return annotation.split(" | ")
    depth, cuts = 0, []
    for position, char in enumerate(annotation):
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth -= 1
        elif annotation.startswith(" | ", position - 1) and depth == 0:
            cuts.append(position)
    starts = [0, *(cut + 2 for cut in cuts)]
    ends = [*(cut - 1 for cut in cuts), len(annotation)]
    return [annotation[a:b] for a, b in zip(starts, ends, strict=True)]


def _without_brackets(text: str, pairs: list[_Bracket]) -> str:
    """``text`` with its bracket pairs and a final tail removed: what is left at depth 0."""
    kept: list[str] = []
    start = 0
    for pair in pairs:
        kept.append(text[start : pair.open])
        start = pair.close + 1
    tail = text[start:]
    if not _TAIL.match(tail):
        raise _Unsupported
    return "".join(kept)


# A line too long for black, found without walking the lines in Python.
_LONG_LINE = re.compile(rf"^.{{{LINE_LENGTH + 1},}}$", re.MULTILINE)


def fast_format(source: str) -> str | None:
    """``source`` with its long lines wrapped, or None when one has a shape
    this module does not wrap. A long line inside a triple-quoted string
    (after an odd number of triple quotes) is text, and stays as it is."""
    pieces: list[str] = []
    done = quotes = 0
    try:
        for match in _LONG_LINE.finditer(source):
            quotes += source.count(_TRIPLE_QUOTE, done, match.start())
            line = match.group()
            pieces.append(source[done : match.start()])
            if quotes % 2:
                pieces.append(line)
            else:
                text = line.lstrip(" ")
                pieces.append("\n".join(_wrap_statement(line[: len(line) - len(text)], text)))
            quotes += line.count(_TRIPLE_QUOTE)
            done = match.end()
    except _Unsupported:
        return None
    pieces.append(source[done:])
    return "".join(pieces)


def format_python(source: str) -> str:
    """One module in black's style: wrapped here when every long line has a
    known shape, by black otherwise."""
    return format_module(source, ours=True).text


Span = tuple[int, int]
"""Where a part lies in its formatted module."""


def part_key(part: str) -> bytes:
    """A rendered part's key among formatted parts: a digest rather than the text,
    which on a large layer would hold the package's text once more."""
    return hashlib.blake2b(part.encode(), digest_size=16).digest()


Segment = tuple[Span, dict[bytes, Span]]
"""Where a segment lies in its formatted module, and each of its parts with a long
line in it (relative to the segment's start)."""

EarlierSegment = tuple[str, dict[bytes, Span]]
"""A segment as an earlier run formatted it, and where its parts lie in that text."""


class Formatted(NamedTuple):
    text: str
    by_black: bool
    parts: dict[bytes, Span]
    """Each part with a long line (:func:`fast_format_parts`), when formatted by parts."""
    segments: dict[bytes, Segment]
    """Each segment, when formatted by segments (:func:`fast_format_segments`)."""


def _parts(source: str) -> Iterator[str]:
    """``source`` cut at blank lines that are not inside a triple-quoted string."""
    begin = start = quotes = 0
    while (cut := source.find("\n\n", start)) >= 0:
        quotes += source.count(_TRIPLE_QUOTE, start, cut)
        start = cut + 2
        if quotes % 2 == 0:
            yield source[begin:start]
            begin = start
    yield source[begin:]


def fast_format_parts(
    source: str, known: Mapping[bytes, str], learned: dict[bytes, Span]
) -> str | None:
    """:func:`fast_format`, with the parts formatted by earlier runs taken from
    ``known`` (by :func:`part_key`); where each part with a long line lies in the
    result goes into ``learned``.

    :func:`fast_format` wraps each long line on its own; all it carries from one
    line to the next is whether a triple-quoted string is open. So a module cut
    at blank lines outside such strings formats part by part to the same text,
    and after a one-query edit only the parts holding that query are new.
    """
    pieces: list[str] = []
    length = 0
    for part in _parts(source):
        if _LONG_LINE.search(part) is None:
            pieces.append(part)
            length += len(part)
            continue
        key = part_key(part)
        formatted = known.get(key)
        if formatted is None:
            formatted = fast_format(part)
            if formatted is None:
                return None
        learned[key] = (length, length + len(formatted))
        pieces.append(formatted)
        length += len(formatted)
    return "".join(pieces)


def _formats_alone(source: str, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` formats alone as it does in ``source``: it holds
    whole lines, and as many triple quotes as close the strings it opens."""
    return (
        (start == 0 or source[start - 1] == "\n")
        and (end == len(source) or source[end - 1] == "\n")
        and source.count(_TRIPLE_QUOTE, start, end) % 2 == 0
    )


def fast_format_segments(
    source: str,
    segments: Sequence[tuple[bytes, Span]],
    earlier: Mapping[bytes, EarlierSegment],
    learned: dict[bytes, Segment],
) -> str | None:
    """:func:`fast_format` of a module made of ``segments`` (each a key and where
    that text lies in ``source``, in order) and the text around them. A segment
    an earlier run formatted is taken from ``earlier`` by its key; a new one is
    formatted by parts (:func:`fast_format_parts`), taking the parts of the
    earlier segments it replaces (an edited module's earlier version). Where each
    segment and its parts lie in the result goes into ``learned``. None when a
    segment cannot be formatted alone (see :func:`fast_format_parts` for why whole
    lines outside triple-quoted strings can), or a long line has a shape not
    wrapped here.

    The modules that gather every query are one segment per query module: after a
    one-query edit, one segment is formatted, and no part of the others is looked at.
    """
    pieces: list[str] = []
    length = done = 0
    replaced: dict[bytes, str] | None = None
    for key, (start, end) in segments:
        if start < done or not _formats_alone(source, done, start):
            return None
        between = fast_format(source[done:start])
        found = earlier.get(key)
        formatted: str | None
        if found is not None:
            formatted, inner = found
        elif _formats_alone(source, start, end):
            if replaced is None:
                replaced = _replaced_parts(earlier, {key for key, _ in segments})
            inner = {}
            formatted = fast_format_parts(source[start:end], replaced, inner)
        else:
            return None
        if between is None or formatted is None:
            return None
        length += len(between)
        learned[key] = ((length, length + len(formatted)), inner)
        pieces += [between, formatted]
        length += len(formatted)
        done = end
    rest = fast_format(source[done:])
    return "".join([*pieces, rest]) if rest is not None else None


def _replaced_parts(
    earlier: Mapping[bytes, EarlierSegment], kept: AbstractSet[bytes]
) -> dict[bytes, str]:
    """The parts of the ``earlier`` segments a module no longer has (not in ``kept``)."""
    return {
        key: text[start:end]
        for segment, (text, parts) in earlier.items()
        if segment not in kept
        for key, (start, end) in parts.items()
    }


def _fast_format(
    source: str,
    known: Mapping[bytes, str] | None,
    segments: Sequence[tuple[bytes, Span]],
    earlier: Mapping[bytes, EarlierSegment],
) -> Formatted | None:
    if known is None:
        fast = fast_format(source)
        return Formatted(fast, False, {}, {}) if fast is not None else None
    if segments:
        learned: dict[bytes, Segment] = {}
        fast = fast_format_segments(source, segments, earlier, learned)
        if fast is not None:
            return Formatted(fast, False, {}, learned)
    parts: dict[bytes, Span] = {}
    fast = fast_format_parts(source, known, parts)
    return Formatted(fast, False, parts, {}) if fast is not None else None


def format_module(
    source: str,
    *,
    ours: bool,
    known: Mapping[bytes, str] | None = None,
    segments: Sequence[tuple[bytes, Span]] = (),
    earlier: Mapping[bytes, EarlierSegment] | None = None,
) -> Formatted:
    """One module in black's style. The fast path only wraps long lines, so it
    is for the layout of ``ours`` (our templates); a module from a user's
    template goes through black whole, as does one of ours with a long line
    this module does not know (``generate -v`` counts them; none is expected).
    With ``known``, the parts formatted before, the module is formatted by its
    ``segments`` when it has them (:func:`fast_format_segments`, with the
    ``earlier`` segments), else by parts (:func:`fast_format_parts`)."""
    fast = _fast_format(source, known, segments, earlier or {}) if ours else None
    if fast is None:
        return Formatted(format_with_black(source), by_black=True, parts={}, segments={})
    return fast


def format_with_black(source: str) -> str:
    """Black itself: the reference, and the fallback for shapes not wrapped here."""
    import black

    mode = black.Mode(target_versions={black.mode.TargetVersion.PY311})
    return black.format_str(source, mode=mode)
