"""SQL text: source files, statement splitting, and parsing with our extension of
sqlglot's PostgreSQL dialect; ``sqlc_layout`` lists and reads schema files as sqlc
does (a plain directory of ``.sql`` files, each tool's down part left out).

Imports: the standard library, sqlglot, and ``pgsqlgen.errors`` only.
"""
