"""The catalog model (schemas, relations, columns, types, constraints, indexes,
functions) and the canonical SQL forms its expressions are stored in.

Imports: ``pgsqlgen.pg`` and the standard library. DDL replay (``pgsqlgen.schema``)
and query analysis (``pgsqlgen.queries``) both build on this package.
"""
