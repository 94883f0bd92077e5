"""A sound shortcut for the drift check when nothing has changed.

The pre-commit hook runs ``sqlgen check`` on every commit, and most commits
touch neither the schema nor the queries. Regenerating costs a second or
more; hashing the files that decide the answer costs milliseconds. The key
covers everything that decides whether the check passes:

* the generator itself (every source file and template of this package) and
  the versions of the libraries whose behaviour reaches the output;
* the resolved configuration, and every file under its input paths and its
  custom templates directory;
* every file in the output directory, the ownership manifest
  (``.sqlgen-manifest``) included, so a hand edit of a generated file, a
  deleted file, a stray extra file or a change to what sqlgen owns changes
  the key and gets the full check.

Only a clean result is remembered, and only after a full check (or a
``generate``) established it: a key that is found means "this exact state
was checked and was clean". This module imports nothing heavy, so a cache
hit costs no more than reading the files.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from pgsqlgen.codegen.write import existing_files
from pgsqlgen.config.model import Config
from pgsqlgen.sql.source import digest_as_read

CACHE_DIR = ".sqlgen-cache"
# Packages whose versions can change the generated text or its verdict (the
# compiled sqlglotc distribution installs into the sqlglot package).
_LIBRARIES = ("sqlglot", "jinja2", "black")
_PACKAGE = Path(__file__).parent


def _files_below(top: str) -> list[str]:
    """Every file below the directory ``top``, relative to it with ``/``, in order;
    ``__pycache__`` directories left out."""
    found: list[str] = []
    for root, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        relative = os.path.relpath(root, top).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found.extend(prefix + name for name in names)
    return sorted(found)


def _add_tree(digest: hashlib._Hash, path: Path, label: str) -> None:
    """Hash the names and contents of ``path`` (a file, or every file below a
    directory): the digest of each file's bytes, as the run in this process read
    them if it did (:func:`pgsqlgen.sql.source.digest_as_read`). Plain strings and
    ``open``: a long migration history is thousands of files, and path objects
    cost more than reading them."""
    top = os.fspath(path)
    if os.path.isfile(top):
        files = [(".", top)]
    elif os.path.isdir(top):
        files = [(name, os.path.join(top, name)) for name in _files_below(top)]
    else:
        files = []
    digest.update(f"{label}:{path}:{len(files)}\0".encode())
    for name, full in files:
        digest.update(name.encode())
        digest.update(b"\0")
        found = digest_as_read(full)
        if found is None:
            try:
                with open(full, "rb") as file:
                    found = hashlib.sha256(file.read()).digest()
            except OSError as error:
                # The run that follows reports it, located; the key only has to differ.
                found = f"unreadable: {error.strerror}".encode()
        digest.update(found)
        digest.update(b"\0")


def _installed_version(library: str) -> str:
    """The ``name-version.dist-info`` beside an installed package, found without
    importing it or ``importlib.metadata`` (which alone costs 50 ms)."""
    spec = importlib.util.find_spec(library)
    if spec is None or spec.origin is None:
        return "absent"
    site = Path(spec.origin).parent.parent
    return ",".join(
        sorted(n for n in os.listdir(site) if n.startswith(library) and n.endswith(".dist-info"))
    )


def generator_digest(config: Config) -> hashlib._Hash:
    """The hash of what decides the output besides the schema and query files: this
    package (every source file and template), the versions of the libraries whose
    behaviour reaches the output, the resolved configuration and the files of its
    custom templates directory."""
    digest = hashlib.sha256(b"sqlgen-generator-1\0")
    _add_tree(digest, _PACKAGE, "generator")
    for library in _LIBRARIES:
        digest.update(f"{library}={_installed_version(library)}\0".encode())
    digest.update(repr(config).encode())
    if config.templates is not None:
        _add_tree(digest, config.templates, "templates")
    return digest


def state_key(config: Config) -> str:
    """The hash of everything that decides what ``sqlgen check`` says for ``config``."""
    digest = generator_digest(config)
    digest.update(b"sqlgen-check-1\0")
    for path in (*config.schema, *config.queries):
        _add_tree(digest, path, "input")
    digest.update(b"output\0")
    for relative in sorted(existing_files(config.out)):
        digest.update(relative.encode() + b"\0")
        with open(config.out / relative, "rb") as file:
            # A slice at a time: a large package's modules are tens of megabytes.
            while chunk := file.read(1 << 20):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _entry(config: Config) -> Path:
    name = hashlib.sha256(str(config.out).encode()).hexdigest()[:16]
    return config.root / CACHE_DIR / f"check-{name}"


def known_clean(config: Config) -> bool:
    """Whether this exact state was checked before and found clean."""
    try:
        remembered = _entry(config).read_text(encoding="ascii")
    except OSError:
        return False
    return remembered == state_key(config)


def remember_clean(config: Config) -> None:
    """Record the current state as clean (after a passing check or a generate)."""
    entry = _entry(config)
    try:
        entry.parent.mkdir(exist_ok=True)
        (entry.parent / ".gitignore").write_text("*\n", encoding="ascii")
        temporary = entry.with_suffix(".tmp")
        temporary.write_text(state_key(config), encoding="ascii")
        temporary.replace(entry)
    except OSError:
        pass  # a read-only checkout simply gets no shortcut
