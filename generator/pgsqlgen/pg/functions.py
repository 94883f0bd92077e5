"""What the analyser needs to know about functions beyond the built-ins extracted from
``pg_proc`` (:mod:`pgsqlgen.pg.builtins`): the functions of common extensions, which a
plain PostgreSQL does not have, and whether a built-in returns NULL where ``pg_proc``
does not say (``proisstrict`` tells only that NULL in means NULL out).
"""

from __future__ import annotations

from pgsqlgen.pg.types import TEXT, PgType

UUID = PgType("uuid")

BYTEA = PgType("bytea")

FLOAT4 = PgType("float4")

# Functions of extensions (uuid-ossp, pgcrypto, pg_trgm) by result type; each is STRICT.
EXTENSION_FUNCTIONS: dict[str, PgType] = {
    "uuid_generate_v4": UUID,
    "uuid_generate_v1": UUID,
    "uuid_generate_v5": UUID,
    "word_similarity": FLOAT4,
    "similarity": FLOAT4,
    "digest": BYTEA,
}

# Every signature (argument types) of an extension function whose parameters we type from
# its arguments. digest(text, text) stands for its text and bytea overloads: PostgreSQL
# resolves an untyped argument to the string category's text.
EXTENSION_SIGNATURES: dict[str, list[tuple[PgType, ...]]] = {
    "digest": [(TEXT, TEXT)],
    "uuid_generate_v5": [(UUID, TEXT)],
}

# Built-ins that are not STRICT, or are window functions, and never return NULL.
NEVER_NULL = frozenset(
    {
        "concat",
        "format",
        "jsonb_build_object",
        "jsonb_build_array",
        "json_build_object",
        "json_build_array",
        "array_append",
        "array_prepend",
        "array_cat",
        "row_number",
        "rank",
        "dense_rank",
        "percent_rank",
        "cume_dist",
        "gen_random_uuid",
        "random",
        "nextval",
        "currval",
        "txid_current",
        "pg_sleep",
        "pg_advisory_lock",
        "pg_advisory_xact_lock",
        "pg_advisory_lock_shared",
        "pg_advisory_xact_lock_shared",
        "pg_advisory_unlock_all",
        "pg_advisory_unlock",
        "pg_advisory_unlock_shared",
        "pg_try_advisory_lock",
        "pg_try_advisory_xact_lock",
    }
)

# STRICT built-ins that return NULL for some arguments none of which is NULL: the
# length of an empty array, a missing JSON path, an element not found.
MAY_BE_NULL = frozenset(
    {
        "array_length",
        "array_position",
        "array_upper",
        "array_lower",
        "jsonb_extract_path",
        "jsonb_extract_path_text",
        "json_extract_path",
        "json_extract_path_text",
        "ntile",
        "unnest",
        "substring",
        "regexp_match",
    }
)

# SQL value functions sqlglot reads as calls: keywords in PostgreSQL's grammar, not pg_proc
# functions, and never NULL.
SQL_VALUE_FUNCTIONS: dict[str, PgType] = {
    "current_date": PgType("date"),
    "current_time": PgType("timetz"),
    "localtime": PgType("time"),
    "localtimestamp": PgType("timestamp"),
    "current_user": PgType("name"),
    "session_user": PgType("name"),
    "current_schema": PgType("name"),
}
