"""What PostgreSQL itself knows: its types, its built-in functions, and throwaway
clusters of the local server binaries for tests and verification.

Imports: the standard library, sqlglot, psycopg (cluster only, lazily), and
``pgsqlgen.errors``. Nothing here knows about a user's schema or queries.
"""
