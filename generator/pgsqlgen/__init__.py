"""sqlgen: typed psycopg 3 data-access code from PostgreSQL migrations and annotated SQL."""

__version__ = "0.1.0"
