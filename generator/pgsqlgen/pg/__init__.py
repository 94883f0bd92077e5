"""What PostgreSQL itself knows: its types; its built-in functions, operators, casts
and system relations (``builtins``, read lazily from ``data/pg15.json.gz``, which
``extract`` writes from a live server: ``make pgcatalog``); its resolution rules for
calls and operators (``resolve``); and throwaway clusters of the local server binaries
for tests, verification and extraction.

Imports: the standard library, sqlglot, psycopg (cluster and extract only), and
``pgsqlgen.errors``. Nothing here knows about a user's schema or queries.
"""
