"""Configuration: ``sqlgen.toml``, ``[tool.sqlgen]`` in ``pyproject.toml``, and sqlc's
``sqlc.yaml``/``sqlc.yml``/``sqlc.json`` (version 1 or 2), all read into one ``Config``.

``model`` holds the ``Config`` and the readers every file format shares; ``sqlc``
reads sqlc's files as sqlc reads them; ``load`` finds the file (in the current
directory or the nearest parent, as ruff and git do), reads the TOML formats
and dispatches. Imports run model <- sqlc <- load. Imports from the rest of
pgsqlgen: ``errors`` only.
"""
