"""Query files and their annotations, and the analysis of each query against the
catalog: scopes and FROM items, parameters, output columns, expression types and
nullability.

Imports: ``pgsqlgen.catalog``, ``pgsqlgen.pg``, ``pgsqlgen.sql``, ``pgsqlgen.errors``.
"""
