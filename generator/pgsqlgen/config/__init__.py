"""Configuration: ``sqlgen.toml``, ``[tool.sqlgen]`` in ``pyproject.toml``, and sqlc's
``sqlc.yaml``/``sqlc.yml``/``sqlc.json``, all read into one ``Config``.

``model`` holds the ``Config`` and the readers every file format shares; ``toml`` and
``sqlc`` read one format each; ``find`` picks the file and dispatches. Imports run
model <- toml, sqlc <- find. Imports from the rest of pgsqlgen: ``errors`` only.
"""
