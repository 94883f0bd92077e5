"""The schema as PostgreSQL would hold it: DDL replay into the catalog (``ddl``),
the canonical dump, and live introspection of a database.

Imports: ``pgsqlgen.queries`` (a view's columns are the analysis of its query),
``pgsqlgen.catalog``, ``pgsqlgen.pg``, ``pgsqlgen.sql``, ``pgsqlgen.errors``.
"""
