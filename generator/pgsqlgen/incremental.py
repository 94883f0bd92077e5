"""Incremental regeneration: after a small edit, redo only what the edit can reach.

:mod:`pgsqlgen.cache` answers a no-op ``sqlgen check`` at once; this module is for
the run after an edit. It keeps, under ``.sqlgen-cache/incremental-<out>/``:

* ``schema.pickle``: the catalog, the IR plan, the schema dump and the problems of
  the down migrations, keyed by the text of every schema file, and
  ``before-last.pickle``, the catalog before the last up migration. A query-only
  edit skips the migrations; an added migration, or an edit of the last one,
  replays only that one. ``known-files.pickle``: the schema files by their
  ``stat`` (:mod:`pgsqlgen.known_files`), so that a run whose schema is unchanged
  finds its state without reading them.
* ``files/<key>.pickle``: per query file, what analysing it produced (its IR
  module, its problems, the names and lines of its queries), keyed by the
  file's name and text, and the fingerprint of every catalog object the
  analysis and the IR build read (:class:`ReadLog`). After a schema edit an
  entry is reused when each object it read is unchanged, so a migration edit
  re-analyses only the query files that the change can reach. With it, what
  each query block gave (:class:`QueryPiece`, by :func:`piece_key`) and what
  its analysis read: a new version of the file (found through
  ``latest/<path>``) re-analyses only the blocks that changed, and a schema
  edit only the queries whose own reads changed.
* ``pages.pickle``: each generated module keyed by what it is rendered from,
  with where its formatted parts lie in it
  (:func:`pgsqlgen.codegen.fmt.fast_format_parts`), so that a query module is
  laid out again only where a query changed, and, for the modules that gather
  every query, where each query module's segment and its parts lie
  (:func:`pgsqlgen.codegen.fmt.fast_format_segments`), so that only the
  segment of an edited module is laid out again, by parts; and
  ``parts/<template>.pickle``, those modules as rendered with where each
  module's part lies (:class:`pgsqlgen.codegen.render.ModuleParts`), so that
  they are rendered again only for the modules that changed.

Texts are stored after each entry's pickle, encoded a slice at a time: pickle
copies a text whole before writing it, which on a large layer raised the run's
peak memory by the size of its largest module.

Every key also covers :func:`pgsqlgen.cache.generator_digest`: this package's
own files, the versions of the libraries that reach the output, and the
resolved configuration. Soundness comes first: a read is recorded at the
mapping it goes through (a lookup by name, or the whole mapping when it is
iterated), so anything an analysis could have seen is compared. An entry
that cannot be read (corrupt, truncated, another version's) is a miss, never
an error; writes are atomic (a temporary file renamed into place).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import io
import os
import pickle
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar, cast

from pgsqlgen.cache import CACHE_DIR, generator_digest
from pgsqlgen.catalog.model import Catalog, Function, View
from pgsqlgen.codegen.fmt import EarlierSegment, Formatted, Segment, Span
from pgsqlgen.codegen.ir.build import BuiltQuery, IrPlan
from pgsqlgen.codegen.ir.imports import Annotations, method_annotations
from pgsqlgen.codegen.ir.model import Ir, QueryModule
from pgsqlgen.codegen.ir.types import TypeNamer
from pgsqlgen.codegen.render import GATHERING_PAGES, ModuleParts, PartSpans
from pgsqlgen.codegen.render import pages as render_pages
from pgsqlgen.config.model import Config
from pgsqlgen.errors import Diagnostic
from pgsqlgen.inputs import SchemaSources
from pgsqlgen.known_files import KnownSchema, Names, schema_names
from pgsqlgen.queries.files import QueryBlock
from pgsqlgen.sql.source import SourceFile, known_as_read

K = TypeVar("K")
V = TypeVar("V")

Read = tuple[str, object]
"""What an analysis read: a mapping's name (a catalog field, ``functions``,
``models`` or ``naming``) and a key in it, or None for the whole mapping."""

QueryPlace = tuple[str, str, int]
"""A query's name, file and line."""

_WHOLE = None
_ABSENT = b"absent"
_NAMING: Read = ("naming", _WHOLE)


@dataclass(frozen=True)
class FileUnit:
    """What one query file contributes to a run: its IR module (none when no query
    of it could be built), the problems found, where each query is (for the
    duplicate check across files), and the annotations of its methods (which the
    package's imports are worked out from: read once, when the file is analysed)."""

    modules: tuple[QueryModule, ...]
    problems: tuple[Diagnostic, ...]
    places: tuple[QueryPlace, ...]
    methods: Annotations

    @classmethod
    def of(
        cls,
        modules: tuple[QueryModule, ...],
        problems: tuple[Diagnostic, ...],
        places: tuple[QueryPlace, ...],
    ) -> FileUnit:
        return cls(modules, problems, places, method_annotations(modules))


@dataclass(frozen=True)
class QueryOutcome:
    """What analysing one query gave: with ``analysed``, the query built (None when
    building it failed) and the build's problems; else the analysis's problem."""

    analysed: bool
    built: BuiltQuery | None
    problems: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class QueryPiece:
    """What one query block gave its file's unit: where its query is (or the problem
    that stops it parsing), and, unless it was a repeated name, what analysing it
    gave, with what that read. A later run reuses it for the same block
    (:func:`piece_key`) when what it read is unchanged."""

    parsed: QueryPlace | Diagnostic
    outcome: QueryOutcome | None = None
    reads: AbstractSet[Read] = frozenset()


def piece_key(block: QueryBlock) -> bytes:
    """What decides a block's piece besides what its analysis reads: its file, its
    text, the line it starts on (every position reported in it) and whether it ends
    the file (a missing semicolon is then the file's)."""
    source = block.source
    where = f"{source.path}\0{source.display}\0{block.line}\0{block.ends_file}\0"
    return hashlib.sha256((where + block.text).encode()).digest()


@dataclass(frozen=True)
class SchemaState:
    """What the schema decides, whatever the queries: kept whole after a run."""

    catalog: Catalog
    plan: IrPlan
    dump: str
    downs: tuple[tuple[Diagnostic, ...], ...]
    """The problems of each down migration."""
    statements: int
    ups: tuple[bytes, ...] = ()
    """The digest of each up migration replayed into ``catalog``, in order."""
    down_digests: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Replay:
    """Where replaying the up migrations can start: a catalog kept from an earlier
    run (none: from scratch), the number of up files it holds, and of statements."""

    catalog: Catalog | None
    files: int
    statements: int


@dataclass(frozen=True)
class Snapshot:
    """A catalog as it was after the ``files`` first up migrations (``statements``
    statements), pickled at once since replaying goes on changing it; kept for the
    next run, which starts there when only later migrations changed."""

    files: int
    catalog: bytes
    statements: int
    ups: tuple[bytes, ...] = ()

    @classmethod
    def of(cls, catalog: Catalog, files: int, statements: int) -> Snapshot:
        return cls(files, pickle.dumps(catalog, protocol=5), statements)


class ReadLog:
    """The reads of the catalog and the plan, while :meth:`recording`."""

    def __init__(self) -> None:
        self._reads: set[Read] | None = None

    @contextmanager
    def recording(self) -> Iterator[set[Read]]:
        """Collect the reads made inside the block into the yielded set (and into
        that of an enclosing recording)."""
        reads: set[Read] = set()
        previous, self._reads = self._reads, reads
        try:
            yield reads
        finally:
            self._reads = previous
            self.note_all(reads)

    def note_all(self, reads: Iterable[Read]) -> None:
        """Count ``reads`` as made here: those of a result reused from an earlier run."""
        if self._reads is not None:
            self._reads.update(reads)

    def note(self, read: Read) -> None:
        if self._reads is not None:
            self._reads.add(read)


class _Recorded(Mapping[K, V]):
    """A read-only view of a mapping that logs each key looked up, and the whole
    mapping when it is iterated or measured. Every other read of a ``Mapping``
    (``in``, ``get``, ``items``, equality) goes through these three methods."""

    def __init__(self, kind: str, data: Mapping[K, V], log: ReadLog) -> None:
        self._kind, self._data, self._log = kind, data, log
        # One object per read: each query keeps its reads, and they repeat.
        self._reads: dict[object, Read] = {}
        self._whole: Read = (kind, _WHOLE)

    def __getitem__(self, key: K) -> V:
        read = self._reads.get(key)
        if read is None:
            read = self._reads[key] = (self._kind, key)
        self._log.note(read)
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        self._log.note(self._whole)
        return iter(self._data)

    def __len__(self) -> int:
        self._log.note(self._whole)
        return len(self._data)


_CATALOG_MAPPINGS = tuple(f.name for f in dataclasses.fields(Catalog) if f.name != "warnings")


class _RecordingCatalog(Catalog):
    """The catalog with every mapping recorded, ``functions`` included (which the
    plain catalog derives from all routines, and which is read by name here)."""

    def __init__(self, catalog: Catalog, log: ReadLog) -> None:
        recorded = {
            name: _Recorded(name, getattr(catalog, name), log) for name in _CATALOG_MAPPINGS
        }
        super().__init__(**cast(dict[str, Any], recorded), warnings=catalog.warnings)
        self._functions = _Recorded("functions", catalog.functions, log)

    @property
    def functions(self) -> Mapping[str, list[Function]]:
        return self._functions


def recording(catalog: Catalog, plan: IrPlan) -> tuple[Catalog, IrPlan, ReadLog]:
    """``catalog`` and ``plan`` with their reads logged: the catalog's mappings,
    the plan's type namer (which reads domains) and its models by relation."""
    log = ReadLog()
    watched = _RecordingCatalog(catalog, log)
    namer = TypeNamer(watched, plan.namer.enums, plan.namer.composites, plan.shape)
    models = _Recorded("models", plan.table_models, log)
    return watched, dataclasses.replace(plan, namer=namer, table_models=models), log


def _digest(value: object) -> bytes:
    """The hash of ``value``'s content: pickled without the memo (``fast``), so that
    objects shared or merely equal hash alike. Content that cannot be pickled so (a
    cycle) gets a random digest, which matches nothing: a miss, never a wrong hit."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    try:
        pickler.dump(value)
    except (pickle.PicklingError, RecursionError, TypeError, ValueError):
        return os.urandom(32)
    return hashlib.sha256(buffer.getbuffer()).digest()


def modules_digest(unit: FileUnit) -> bytes:
    """What the pages of ``unit``'s modules are keyed by."""
    return _digest(unit.modules)


def _source_digest(source: SourceFile) -> bytes:
    """A schema file's name and content: its bytes' digest when it was read from a
    file (a long history's text is not encoded again), else its text."""
    if source.digest is not None:
        return _read_digest(os.fspath(source.path), source.display, source.digest)
    where = f"{source.path}\0{source.display}\0".encode()
    return hashlib.sha256(b"text\0" + where + source.text.encode()).digest()


def _read_digest(path: str, display: str, digest: bytes) -> bytes:
    """:func:`_source_digest` of a file read from ``path``, its bytes' digest ``digest``."""
    return hashlib.sha256(f"read\0{path}\0{display}\0".encode() + digest).digest()


def _content(value: object) -> object:
    """``value`` without what is cached in it: a view's ``relations``, which its query
    decides, filled in when first asked for (and a set, pickled in hash order)."""
    if isinstance(value, View):
        return dataclasses.replace(value, relations=None)
    if isinstance(value, list):
        return [_content(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_content(item) for item in value)
    return value


class Fingerprints:
    """The fingerprint of each object a read can reach, in this run's catalog and
    plan, computed when first asked for."""

    def __init__(self, catalog: Catalog, plan: IrPlan) -> None:
        self._catalog, self._plan = catalog, plan
        self._known: dict[Read, bytes] = {}
        self._functions: Mapping[str, object] | None = None

    def _mapping(self, kind: str) -> Mapping[Any, object]:
        if kind == "models":
            return self._plan.table_models
        if kind == "functions":
            if self._functions is None:
                self._functions = self._catalog.functions
            return self._functions
        return cast(Mapping[Any, object], getattr(self._catalog, kind))

    def learn(self, fingerprints: Mapping[Read, bytes]) -> None:
        """Take the fingerprints an entry made against this very schema (the same
        schema key): the same objects, so the same fingerprints, not worked out again."""
        self._known.update(fingerprints)

    def of(self, read: Read) -> bytes:
        found = self._known.get(read)
        if found is None:
            kind, key = read
            if kind == "naming":
                namer = self._plan.namer
                value: object = (
                    sorted(m.class_name for m in self._plan.models),
                    sorted(namer.enums.items()),
                    sorted(namer.composites.items()),
                )
            elif key is _WHOLE:
                value = list(self._mapping(kind).items())
            else:
                value = self._mapping(kind).get(key, _ABSENT)
            found = self._known[read] = _digest(_content(value))
        return found


@dataclass(frozen=True)
class _FileEntry:
    schema_key: str
    reads: dict[Read, bytes]
    unit: FileUnit
    digest: bytes
    """Of the unit's modules: what their pages are keyed by."""
    pieces: dict[bytes, QueryPiece]
    """By :func:`piece_key`: what each query block gave, for a later version of the file."""


class _KeptPage(NamedTuple):
    """A page a run kept: its key (:meth:`Store.pages`), text, and where its formatted
    parts and segments lie in it."""

    key: str
    text: str
    parts: dict[bytes, Span]
    segments: dict[bytes, Segment]


T = TypeVar("T")
_SLICE = 1 << 20


class Store:
    """The incremental cache of one output package (one configuration)."""

    def __init__(self, config: Config) -> None:
        name = hashlib.sha256(str(config.out).encode()).hexdigest()[:16]
        self._directory = config.root / CACHE_DIR / f"incremental-{name}"
        self._base = generator_digest(config).hexdigest()
        self._schema_key = ""
        self._ups: tuple[bytes, ...] = ()
        self._downs: tuple[bytes, ...] = ()
        self._previous: object = None
        self._fingerprints: Fingerprints | None = None
        self._used: set[str] = set()
        self._latest_used: set[str] = set()
        self._page_keys: dict[str, str] | None = None
        self._keyed: tuple[Ir, bool] | None = None
        self._remembered: dict[str, _KeptPage] = {}
        self._module_digests: dict[str, bytes] = {}
        self._listed: tuple[tuple[Path, ...], Names] | None = None
        self._known_files = self._directory / "known-files.pickle"

    @property
    def compiled_templates(self) -> Path:
        """Where runs keep Jinja's compiled templates (shared by every output)."""
        return self._directory.parent / "templates"

    def _load(self, path: Path, expected: type[T]) -> T | None:
        """The entry at ``path``, or None when it is missing or cannot be trusted."""
        found = self._load_with_texts(path, expected)
        return found[0] if found is not None else None

    def _load_with_texts(self, path: Path, expected: type[T]) -> tuple[T, list[str]] | None:
        """The entry at ``path`` and the texts saved after it (:meth:`_save`)."""
        try:
            data = memoryview(path.read_bytes())
        except OSError:
            return None
        return self._entry(data, expected)

    def _entry(self, data: memoryview, expected: type[T]) -> tuple[T, list[str]] | None:
        """The entry ``data`` holds and the texts saved after it (:meth:`_save`)."""
        size = int.from_bytes(data[:8], "little")
        entry = self._unpickle(data[8 : 8 + size])
        if not isinstance(entry, tuple) or len(entry) != 3 or entry[0] != self._base:
            return None
        _, value, lengths = entry
        try:
            text = str(data[8 + size :], "utf-8")
        except UnicodeDecodeError:
            return None
        if not isinstance(value, expected) or not isinstance(lengths, list):
            return None
        if sum(lengths) != len(text):
            return None
        texts, start = [], 0
        for length in lengths:
            texts.append(text[start : start + length])
            start += length
        return value, texts

    @staticmethod
    def _unpickle(data: bytes | memoryview) -> object:
        """What ``data`` pickles, or None when it is damaged."""
        was_enabled = gc.isenabled()
        gc.disable()  # unpickling builds many objects at once; a collection pass per batch only costs
        try:
            return pickle.loads(data)
        except Exception:  # any damage to a cache file is a miss
            return None
        finally:
            if was_enabled:
                gc.enable()

    def _save(self, path: Path, value: object, texts: Sequence[str] = ()) -> None:
        """Write an entry atomically, ``texts`` after it; a cache that cannot be
        written is no cache. Both streamed: the pages are tens of megabytes on a
        large layer, and pickle copies a text whole before writing it; encoded a
        slice at a time, none is held twice at the run's peak."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            (self._directory.parent / ".gitignore").write_text("*\n", encoding="ascii")
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with temporary.open("wb") as file:
                file.write(bytes(8))
                pickle.dump((self._base, value, [len(t) for t in texts]), file, protocol=5)
                size = file.tell() - 8
                for text in texts:
                    for start in range(0, len(text), _SLICE):
                        file.write(text[start : start + _SLICE].encode())
                file.seek(0)
                file.write(size.to_bytes(8, "little"))
            temporary.replace(path)
        except (OSError, pickle.PicklingError, RecursionError, TypeError, AttributeError):
            pass

    def _save_text(self, path: Path, text: str) -> None:
        """Write a small text atomically; a cache that cannot be written is no cache."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(text, encoding="ascii")
            temporary.replace(path)
        except OSError:
            pass

    def known_schema(self, config: Config) -> SchemaState | None:
        """The state remembered for the schema files when each is as the run that read
        them recorded it (:mod:`pgsqlgen.known_files`): found without reading one."""
        paths = config.schema
        names = schema_names(paths) if config.schema_layout == "migrations" else None
        if names is None:
            return None
        self._listed = (paths, names)
        try:
            with self._known_files.open("rb") as file:
                written = os.fstat(file.fileno()).st_mtime_ns
                found = self._entry(memoryview(file.read()), KnownSchema)
        except OSError:
            return None
        known = found[0] if found is not None else None
        if known is None or not known.holds(names, written):
            return None
        files = list(known.files())
        digests = tuple(_read_digest(*file) for file in files)
        state = self._remembered_schema(digests[: known.ups], digests[known.ups :])
        if state is not None:
            for path, _, digest in files:
                known_as_read(path, digest)
        return state

    def schema(self, sources: SchemaSources) -> SchemaState | None:
        """The state remembered for exactly these schema files, if any. After
        :meth:`known_schema`, the files are recorded for the next run's."""
        state = self._remembered_schema(
            tuple(map(_source_digest, sources.up)), tuple(map(_source_digest, sources.down))
        )
        if self._listed is not None and schema_names(self._listed[0]) == self._listed[1]:
            known = KnownSchema.of(self._listed[1], sources.up, sources.down)
            if known is not None:
                self._save(self._known_files, known)
        return state

    def _remembered_schema(
        self, ups: tuple[bytes, ...], downs: tuple[bytes, ...]
    ) -> SchemaState | None:
        self._ups, self._downs = ups, downs
        digest = hashlib.sha256(self._base.encode())
        digest.update(b"up\0" + b"".join(self._ups) + b"\0down\0" + b"".join(self._downs))
        self._schema_key = digest.hexdigest()
        state = self._load(self._directory / "schema.pickle", tuple)
        self._previous = state[1] if state is not None and len(state) == 2 else None
        if state is None or state[0] != self._schema_key:
            return None
        return self._previous if isinstance(self._previous, SchemaState) else None

    def replay_start(self) -> Replay:
        """Where to replay the up migrations :meth:`schema` was given from: the catalog
        of the last run when they only add migrations to its, or its catalog before
        its last migration when that one changed (or more were added after it)."""
        previous = self._previous
        if isinstance(previous, SchemaState) and self._ups[: len(previous.ups)] == previous.ups:
            return Replay(previous.catalog, len(previous.ups), previous.statements)
        snapshot = self._load(self._directory / "before-last.pickle", Snapshot)
        if snapshot is not None and self._ups[: len(snapshot.ups)] == snapshot.ups:
            catalog = self._unpickle(snapshot.catalog)
            if isinstance(catalog, Catalog):
                return Replay(catalog, len(snapshot.ups), snapshot.statements)
        return Replay(None, 0, 0)

    def known_downs(self) -> list[tuple[Diagnostic, ...] | None]:
        """The problems of each down migration :meth:`schema` was given, where the run
        before checked the same file."""
        previous = self._previous
        known = (
            dict(zip(previous.down_digests, previous.downs, strict=True))
            if isinstance(previous, SchemaState)
            else {}
        )
        return [known.get(digest) for digest in self._downs]

    def keep_schema(self, state: SchemaState, before_last: Snapshot | None) -> None:
        """Remember ``state`` and, when the run made one, the catalog before the last
        up migration (the migrations of both as :meth:`schema` was given them)."""
        state = dataclasses.replace(state, ups=self._ups, down_digests=self._downs)
        self._save(self._directory / "schema.pickle", (self._schema_key, state))
        if before_last is not None:
            ups = self._ups[: before_last.files]
            self._save(
                self._directory / "before-last.pickle", dataclasses.replace(before_last, ups=ups)
            )

    def _file_path(self, source: SourceFile) -> Path:
        digest = hashlib.sha256(f"{self._base}\0".encode() + _source_digest(source))
        name = digest.hexdigest()[:32]
        self._used.add(name)
        self._latest_used.add(self._latest_name(source))
        return self._directory / "files" / f"{name}.pickle"

    @staticmethod
    def _latest_name(source: SourceFile) -> str:
        return hashlib.sha256(f"{source.path}\0{source.display}".encode()).hexdigest()[:32]

    def reusable(
        self, files: Sequence[SourceFile], catalog: Catalog, plan: IrPlan
    ) -> dict[str, FileUnit]:
        """The units of ``files`` (by display name) whose entries still hold: the same
        text, and every object their analysis read unchanged in ``catalog``/``plan``."""
        self._fingerprints = Fingerprints(catalog, plan)
        found: dict[str, FileUnit] = {}
        for source in files:
            entry = self._load(self._file_path(source), _FileEntry)
            if entry is None:
                continue
            if entry.schema_key == self._schema_key:
                self._note_modules(entry)
                found[source.display] = entry.unit
            elif all(self._fingerprints.of(r) == f for r, f in entry.reads.items()):
                self._note_modules(entry)
                found[source.display] = entry.unit
                # Valid under this schema too: the next run need not compare again.
                self._save(
                    self._file_path(source), dataclasses.replace(entry, schema_key=self._schema_key)
                )
        return found

    def earlier_pieces(
        self, source: SourceFile, known: Fingerprints | None = None
    ) -> dict[bytes, QueryPiece]:
        """The pieces of the entry last kept for ``source``'s file (an earlier version
        of it, or the same text under another schema) whose reads are unchanged in
        ``known`` (by default this run's, from :meth:`reusable`)."""
        known = known if known is not None else self._fingerprints
        assert known is not None, "reusable() comes first"
        try:
            name = (self._directory / "latest" / self._latest_name(source)).read_text("ascii")
        except (OSError, UnicodeDecodeError):
            return {}
        entry = self._load(self._directory / "files" / f"{name.strip()}.pickle", _FileEntry)
        if entry is None:
            return {}
        if entry.schema_key == self._schema_key:
            known.learn(entry.reads)
            return dict(entry.pieces)
        return {
            key: piece
            for key, piece in entry.pieces.items()
            if all(known.of(r) == entry.reads.get(r) for r in piece.reads | {_NAMING})
        }

    def file_entry(
        self,
        unit: FileUnit,
        reads: set[Read],
        pieces: dict[bytes, QueryPiece],
        known: Fingerprints | None = None,
        digest: bytes | None = None,
    ) -> _FileEntry:
        """What remembers ``unit`` and its ``pieces``: the fingerprints of what producing
        it read, in ``known``, those of the catalog it was analysed against (by
        default this run's, from :meth:`reusable`; a child analysing beside the run
        has its own, and tells the run what it kept with :meth:`note_kept`); and
        the ``digest`` of its modules (:func:`modules_digest`), unless given."""
        known = known if known is not None else self._fingerprints
        assert known is not None, "reusable() comes first"
        fingerprints = {read: known.of(read) for read in reads | {_NAMING}}
        digest = digest if digest is not None else modules_digest(unit)
        return _FileEntry(self._schema_key, fingerprints, unit, digest, pieces)

    def keep_entry(self, source: SourceFile, entry: _FileEntry) -> None:
        """Remember ``entry`` for ``source``, and as its file's latest (whose pieces
        the next version of the file can reuse)."""
        self._note_modules(entry)
        path = self._file_path(source)
        self._save(path, entry)
        self._save_text(self._directory / "latest" / self._latest_name(source), path.stem)

    def keep_file(
        self, source: SourceFile, unit: FileUnit, reads: set[Read], pieces: dict[bytes, QueryPiece]
    ) -> None:
        """Remember ``unit`` and ``pieces`` with the fingerprints of what producing it read."""
        self.keep_entry(source, self.file_entry(unit, reads, pieces))

    def note_kept(self, source: SourceFile, unit: FileUnit, digest: bytes) -> None:
        """``unit``, which a child remembered (:meth:`keep_file` there), is this run's:
        its entry is kept by :meth:`prune`, and its modules' pages keyed by ``digest``."""
        self._file_path(source)
        self._note_modules(_FileEntry(self._schema_key, {}, unit, digest, {}))

    def _note_modules(self, entry: _FileEntry) -> None:
        for module in entry.unit.modules:
            self._module_digests[module.source] = entry.digest

    def pages(self, ir: Ir, custom: bool) -> dict[str, str]:
        """The modules of the package that the cache holds for exactly this IR (by
        :meth:`_keys`, worked out here only when some page is remembered: a cold
        run needs them only to keep its pages)."""
        self._keyed, self._page_keys = (ir, custom), None
        self._remembered = self._remembered_pages()
        if not self._remembered:
            return {}
        keys = self._keys()
        return {
            path: page.text for path, page in self._remembered.items() if keys.get(path) == page.key
        }

    def _keys(self) -> dict[str, str]:
        """The key of each page of the IR :meth:`pages` was given.

        A query module's page is keyed by its module and the IR's module page
        settings (:class:`~pgsqlgen.codegen.ir.model.ModulePageSettings`): all our
        template can read. The pages gathering every query
        (:data:`~pgsqlgen.codegen.render.GATHERING_PAGES`), and every page of a
        user's templates (which may read anything), are keyed by the whole IR; our
        other pages by the IR without its query modules, so that a query edit
        renders them again only when it changes what they show."""
        if self._page_keys is not None:
            return self._page_keys
        assert self._keyed is not None, "pages() is given the IR first"
        ir, custom = self._keyed
        shared = _digest(dataclasses.replace(ir, modules=()))
        settings = _digest(ir.module_page_settings)
        by_module = {m.module: self._module_digests[m.source] for m in ir.modules}
        every = b"".join(self._module_digests[m.source] for m in ir.modules)
        self._page_keys = {}
        for path, (template, context) in render_pages(ir).items():
            module = context.get("module")
            if isinstance(module, QueryModule) and not custom:
                reads = settings + by_module[module.module]
            elif custom or path in GATHERING_PAGES:
                reads = shared + every
            else:
                reads = shared
            key = hashlib.sha256(f"{path}\0{template}\0".encode() + reads)
            self._page_keys[path] = key.hexdigest()
        return self._page_keys

    def _remembered_pages(self) -> dict[str, _KeptPage]:
        """Each page the last run kept."""
        found = self._load_with_texts(self._directory / "pages.pickle", dict)
        if found is None or len(found[0]) != len(found[1]):
            return {}
        index, texts = found
        return {
            path: _KeptPage(key, text, parts, segments)
            for (path, (key, parts, segments)), text in zip(index.items(), texts, strict=True)
        }

    def known_parts(self) -> dict[bytes, str]:
        """The formatted parts of the remembered pages that this run renders again
        (:meth:`pages` found which): each cut from its page where the run that
        formatted it found it (:func:`pgsqlgen.codegen.fmt.fast_format_parts`)."""
        return {
            key: page.text[start:end]
            for path, page in self._remembered.items()
            if self._keys().get(path) != page.key
            for key, (start, end) in page.parts.items()
        }

    def earlier_segments(self, path: str) -> dict[bytes, EarlierSegment]:
        """The formatted segments of the remembered page at ``path``, each cut from it
        (:func:`pgsqlgen.codegen.fmt.fast_format_segments`)."""
        page = self._remembered.get(path)
        if page is None:
            return {}
        return {
            key: (page.text[start:end], parts)
            for key, ((start, end), parts) in page.segments.items()
        }

    def module_parts(self) -> ModuleParts:
        """The module parts of the aggregate pages (:class:`ModuleParts`), those of an
        earlier run read per part template when first needed; the modules are keyed
        as their pages are (:meth:`pages`)."""
        return ModuleParts(self._module_digests, self._earlier_parts)

    def _earlier_parts(self, template: str) -> PartSpans | None:
        found = self._load_with_texts(self._directory / "parts" / f"{template}.pickle", dict)
        return (found[1][0], found[0]) if found is not None and len(found[1]) == 1 else None

    def keep_module_parts(self, parts: ModuleParts) -> None:
        """Remember the module parts of the pages this run rendered (every module's,
        so they replace the earlier run's): each page with where its parts lie."""
        for template, (page, spans) in parts.used.items():
            self._save(self._directory / "parts" / f"{template}.pickle", spans, [page])

    def keep_pages(self, texts: Mapping[str, str], formatted: Mapping[str, Formatted]) -> None:
        """Remember this run's pages (``texts``, keyed by :meth:`_keys`), each
        with where its formatted parts and segments lie: as ``formatted`` in this
        run, or as remembered for the others (their text is the remembered text).
        One file: a page and its parts never come from two runs."""
        pages: dict[str, tuple[str, dict[bytes, Span], dict[bytes, Segment]]] = {}
        for path, key in self._keys().items():
            page = formatted.get(path) or self._remembered.get(path)
            pages[path] = (key, page.parts, page.segments) if page is not None else (key, {}, {})
        self._save(self._directory / "pages.pickle", pages, [texts[path] for path in pages])

    def prune(self) -> None:
        """Drop the entries of file versions this run did not see (edited or removed
        files), and the latest-entry records of files it did not see (removed ones)."""
        for folder, used in (("files", self._used), ("latest", self._latest_used)):
            try:
                names = os.listdir(self._directory / folder)
            except OSError:
                continue
            for name in names:
                if name.removesuffix(".pickle") not in used and not name.startswith("."):
                    (self._directory / folder / name).unlink(missing_ok=True)
