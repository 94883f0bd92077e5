"""PostgreSQL's built-in functions as the analyser types them: result type and
nullability by name, set-returning functions' columns, and the signatures whose
parameters are typed from their arguments.
"""

from __future__ import annotations

from pgsqlgen.pg.types import (
    BOOL,
    FLOAT8,
    INT4,
    INT8,
    NUMERIC,
    TEXT,
    TIMESTAMPTZ,
    PgType,
)

BYTEA = PgType("bytea")


JSON = PgType("json")


JSONB = PgType("jsonb")


INTERVAL = PgType("interval")


VOID = PgType("void")


UUID = PgType("uuid")


FLOAT4 = PgType("float4")


# The result is the first argument's type.
ARG = "arg"


# The result is the first argument's element type (unnest of a set-returning call).
ELEMENT = "element"


# Math functions defined for float8 and numeric (ceil, round, sqrt, ...): PostgreSQL
# picks numeric for a numeric argument and float8 otherwise, integers included,
# because float8 is the preferred type of the numeric category.
FLOAT_OR_NUMERIC = "float_or_numeric"


# name -> (result type, nullability: None means null exactly when an argument is)
FUNCTIONS: dict[str, tuple[PgType | str, bool | None]] = {
    "now": (TIMESTAMPTZ, False),
    "statement_timestamp": (TIMESTAMPTZ, False),
    "clock_timestamp": (TIMESTAMPTZ, False),
    "transaction_timestamp": (TIMESTAMPTZ, False),
    "current_date": (PgType("date"), False),
    "gen_random_uuid": (PgType("uuid"), False),
    "row_number": (INT8, False),
    "rank": (INT8, False),
    "dense_rank": (INT8, False),
    "length": (INT4, None),
    "char_length": (INT4, None),
    "octet_length": (INT4, None),
    "array_length": (INT4, True),
    "cardinality": (INT4, None),
    "lower": (TEXT, None),
    "upper": (TEXT, None),
    "btrim": (TEXT, None),
    "ltrim": (TEXT, None),
    "rtrim": (TEXT, None),
    "substring": (TEXT, None),
    "replace": (TEXT, None),
    "concat": (TEXT, False),
    "concat_ws": (TEXT, None),
    "md5": (TEXT, None),
    "encode": (TEXT, None),
    "decode": (BYTEA, None),
    "sha256": (BYTEA, None),
    "string_agg": (TEXT, True),
    "array_to_string": (TEXT, None),
    "to_jsonb": (JSONB, None),
    "jsonb_build_object": (JSONB, False),
    "jsonb_build_array": (JSONB, False),
    "jsonb_agg": (JSONB, True),
    "jsonb_object_agg": (JSONB, True),
    "jsonb_typeof": (TEXT, None),
    "date_trunc": (ARG, None),
    "abs": (ARG, None),
    "generate_series": (ARG, None),
    "unnest": (ELEMENT, True),
    "bool_and": (BOOL, True),
    "bool_or": (BOOL, True),
    "every": (BOOL, True),
    # Math (checked with pg_typeof on PostgreSQL 15).
    "round": (FLOAT_OR_NUMERIC, None),
    "ceil": (FLOAT_OR_NUMERIC, None),
    "ceiling": (FLOAT_OR_NUMERIC, None),
    "floor": (FLOAT_OR_NUMERIC, None),
    "trunc": (FLOAT_OR_NUMERIC, None),
    "sign": (FLOAT_OR_NUMERIC, None),
    "sqrt": (FLOAT_OR_NUMERIC, None),
    "exp": (FLOAT_OR_NUMERIC, None),
    "ln": (FLOAT_OR_NUMERIC, None),
    "log": (FLOAT_OR_NUMERIC, None),
    "power": (FLOAT_OR_NUMERIC, None),
    "cbrt": (FLOAT8, None),
    "degrees": (FLOAT8, None),
    "radians": (FLOAT8, None),
    "pi": (FLOAT8, False),
    "random": (FLOAT8, False),
    "scale": (INT4, None),
    "width_bucket": (INT4, None),
    "div": (NUMERIC, None),
    "factorial": (NUMERIC, None),
    "stddev": (NUMERIC, True),
    "variance": (NUMERIC, True),
    # Dates and times. extract() is numeric since PostgreSQL 14.
    "extract": (NUMERIC, None),
    "age": (INTERVAL, None),
    "make_interval": (INTERVAL, None),
    "justify_interval": (INTERVAL, None),
    "to_char": (TEXT, None),
    "to_date": (PgType("date"), None),
    "to_timestamp": (TIMESTAMPTZ, None),
    "to_number": (NUMERIC, None),
    "date_bin": (TIMESTAMPTZ, None),
    # Strings.
    "initcap": (TEXT, None),
    "left": (TEXT, None),
    "right": (TEXT, None),
    "repeat": (TEXT, None),
    "reverse": (TEXT, None),
    "split_part": (TEXT, None),
    "lpad": (TEXT, None),
    "rpad": (TEXT, None),
    "regexp_replace": (TEXT, None),
    "translate": (TEXT, None),
    "format": (TEXT, False),
    "chr": (TEXT, None),
    "ascii": (INT4, None),
    "strpos": (INT4, None),
    "starts_with": (BOOL, None),
    "quote_ident": (TEXT, None),
    "quote_literal": (TEXT, None),
    "version": (TEXT, False),
    # JSON.
    "to_json": (JSON, None),
    "row_to_json": (JSON, None),
    "json_build_object": (JSON, False),
    "json_build_array": (JSON, False),
    "json_agg": (JSON, True),
    "json_object_agg": (JSON, True),
    "json_array_length": (INT4, None),
    "jsonb_array_length": (INT4, None),
    "jsonb_set": (JSONB, None),
    "jsonb_extract_path": (JSONB, True),
    "json_extract_path": (JSON, True),
    "jsonb_extract_path_text": (TEXT, True),
    "json_extract_path_text": (TEXT, True),
    "jsonb_strip_nulls": (JSONB, None),
    # Arrays.
    "array_append": (ARG, False),
    "array_cat": (ARG, False),
    "array_remove": (ARG, None),
    "array_position": (INT4, True),
    # Window functions.
    "ntile": (INT4, True),
    "percent_rank": (FLOAT8, False),
    "cume_dist": (FLOAT8, False),
    # Sequences, locks and extensions.
    "nextval": (INT8, False),
    "currval": (INT8, False),
    "txid_current": (INT8, False),
    "pg_sleep": (VOID, False),
    "pg_advisory_lock": (VOID, False),
    "pg_advisory_xact_lock": (VOID, False),
    "pg_advisory_lock_shared": (VOID, False),
    "pg_advisory_xact_lock_shared": (VOID, False),
    "pg_advisory_unlock_all": (VOID, False),
    "pg_advisory_unlock": (BOOL, False),
    "pg_advisory_unlock_shared": (BOOL, False),
    "pg_try_advisory_lock": (BOOL, False),
    "pg_try_advisory_xact_lock": (BOOL, False),
    "uuid_generate_v4": (UUID, False),
    "uuid_generate_v1": (UUID, False),
    "uuid_generate_v5": (UUID, None),
    "word_similarity": (FLOAT4, None),
    "similarity": (FLOAT4, None),
    "digest": (BYTEA, None),
}


# Built-in functions returning rows of several columns, by the columns' names and types.
TABLE_FUNCTIONS: dict[str, list[tuple[str, PgType]]] = {
    "jsonb_each": [("key", TEXT), ("value", JSONB)],
    "json_each": [("key", TEXT), ("value", JSON)],
    "jsonb_each_text": [("key", TEXT), ("value", TEXT)],
    "json_each_text": [("key", TEXT), ("value", TEXT)],
}


# name -> every signature (argument types) of a built-in whose parameters we type
# from its arguments. digest(text, text) stands for its text and bytea overloads:
# PostgreSQL resolves an untyped argument to the string category's text.
SIGNATURES: dict[str, list[tuple[PgType, ...]]] = {
    "random": [()],
    "pi": [()],
    "now": [()],
    "lower": [(TEXT,)],
    "upper": [(TEXT,)],
    "md5": [(TEXT,)],
    "initcap": [(TEXT,)],
    "digest": [(TEXT, TEXT)],
    "uuid_generate_v5": [(UUID, TEXT)],
    "pg_advisory_lock": [(INT8,), (INT4, INT4)],
    "pg_advisory_xact_lock": [(INT8,), (INT4, INT4)],
    "pg_advisory_unlock": [(INT8,), (INT4, INT4)],
    "pg_try_advisory_lock": [(INT8,), (INT4, INT4)],
    "pg_try_advisory_xact_lock": [(INT8,), (INT4, INT4)],
    # Every argument has a default, so each prefix of the full list is a signature.
    "make_interval": [(*(INT4,) * 6, FLOAT8)[:n] for n in range(8)],
}


# name -> argument name -> type, for calls with ``name => value`` arguments.
KEYWORD_ARGUMENTS: dict[str, dict[str, PgType]] = {
    "make_interval": {
        "years": INT4,
        "months": INT4,
        "weeks": INT4,
        "days": INT4,
        "hours": INT4,
        "mins": INT4,
        "secs": FLOAT8,
    },
}


NUMERIC_RANK = ["int2", "int4", "int8", "numeric", "float4", "float8"]


def wider_numeric(a: PgType, b: PgType) -> PgType:
    if a.name in NUMERIC_RANK and b.name in NUMERIC_RANK:
        return a if NUMERIC_RANK.index(a.name) >= NUMERIC_RANK.index(b.name) else b
    return a


def float_or_numeric(args: list[PgType | None]) -> PgType:
    """float8 unless an argument is numeric and none is a float (see FLOAT_OR_NUMERIC)."""
    names = {a.name for a in args if a is not None}
    return NUMERIC if "numeric" in names and not names & {"float4", "float8"} else FLOAT8


def sum_type(arg: PgType | None) -> PgType | None:
    if arg is None:
        return None
    return {"int2": INT8, "int4": INT8, "int8": NUMERIC, "float4": PgType("float4")}.get(
        arg.name, arg
    )
