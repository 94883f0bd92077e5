"""SQL text: source files, statement splitting, and parsing with our extension of
sqlglot's PostgreSQL dialect.

Imports: the standard library, sqlglot, and ``pgsqlgen.errors`` only.
"""
