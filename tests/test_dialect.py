"""Our PostgreSQL dialect: each form sqlglot's PostgreSQL grammar lacks or misreads.

One test per form, with the smallest statement that shows it: the syntax tree
the catalog stage reads, and the ``.sql()`` round trip where sqlglot's
generator can write the form back.
"""

from __future__ import annotations

from pathlib import Path

import parse_corpus
import pg_keywords
import psycopg
import pytest
from psycopg.rows import TupleRow
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres

from pgsqlgen.sql import dialect, expressions
from pgsqlgen.sql.dialect import Tokenizer, unread_token
from pgsqlgen.sql.keywords import KEYWORDS
from pgsqlgen.sql.parse import ParseFailure, node_offset, parse_chunk, parse_file, tokenize
from pgsqlgen.sql.source import SourceFile


def parse(sql: str) -> exp.Expr:
    parsed = parse_chunk(tokenize(sql), sql)
    assert not isinstance(parsed, ParseFailure), parsed
    return parsed


def failure(sql: str) -> ParseFailure:
    parsed = parse_chunk(tokenize(sql), sql)
    assert isinstance(parsed, ParseFailure), parsed
    return parsed


def round_trip(sql: str) -> str:
    return " ".join(parse(sql).sql(dialect="postgres", comments=False).split())


def action(sql: str) -> exp.Expr:
    alter = parse(sql)
    assert isinstance(alter, exp.Alter)
    [only] = alter.args["actions"]
    assert isinstance(only, exp.Expr)
    return only


# --- COMMENT ON ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["TRIGGER", "CONSTRAINT", "POLICY", "RULE"])
def test_comment_on_object_of_a_relation(kind: str) -> None:
    comment = parse(f"COMMENT ON {kind} x ON s.t IS 'why'")
    assert isinstance(comment, exp.Comment)
    assert comment.args["kind"] == kind
    assert comment.this.name == "x"
    assert comment.args["on"].sql() == "s.t"
    assert not comment.args["on_domain"]
    assert comment.expression.name == "why"


def test_comment_on_constraint_of_a_domain() -> None:
    comment = parse("COMMENT ON CONSTRAINT c ON DOMAIN d IS 'why'")
    assert comment.args["on_domain"] and comment.args["on"].name == "d"


def test_comment_on_function_with_array_argument() -> None:
    comment = parse("COMMENT ON FUNCTION f(integer[], OUT b text) IS 'why'")
    assert isinstance(comment.this, exp.UserDefinedFunction)
    first, second = comment.this.expressions
    assert first.sql(dialect="postgres") == "INT[]"
    assert isinstance(second, exp.ColumnDef) and second.name == "b"
    assert round_trip("COMMENT ON FUNCTION f(integer[]) IS 'why'") == (
        "COMMENT ON FUNCTION f(INT[]) IS 'why'"
    )


def test_comment_on_type_naming_a_row_type() -> None:
    comment = parse("COMMENT ON TYPE public.users IS 'rows'")
    assert comment.args["kind"] == "TYPE" and comment.this.sql() == "public.users"


def test_comment_is_null_removes_the_comment() -> None:
    assert isinstance(parse("COMMENT ON TABLE t IS NULL").expression, exp.Null)
    assert round_trip("COMMENT ON TABLE t IS NULL") == "COMMENT ON TABLE t IS NULL"


@pytest.mark.parametrize(
    "statement",
    [
        "COMMENT ON EXTENSION pg_trgm IS 'x'",
        "COMMENT ON SCHEMA s IS 'x'",
        "COMMENT ON DOMAIN d IS 'x'",
        "COMMENT ON INDEX s.i IS 'x'",
        "COMMENT ON SEQUENCE q IS 'x'",
        "COMMENT ON MATERIALIZED VIEW v IS 'x'",
        "COMMENT ON COLUMN t.c IS 'x'",
        "COMMENT ON PROCEDURE p(int) IS 'x'",
        "COMMENT ON TEXT SEARCH CONFIGURATION c IS 'x'",
        "COMMENT ON OPERATOR + (int, int) IS 'x'",
        "COMMENT ON CAST (int AS text) IS 'x'",
        "COMMENT ON LARGE OBJECT 42 IS 'x'",
        "COMMENT ON ROLE r IS 'x'",
    ],
)
def test_comment_on_every_object_kind(statement: str) -> None:
    comment = parse(statement)
    assert isinstance(comment, exp.Comment)
    assert comment.expression.name == "x"


def test_comment_on_unknown_kind_is_located_error() -> None:
    assert failure("COMMENT ON GADGET g IS 'x'").message == (
        'syntax error at or near "GADGET": unrecognized object kind in COMMENT ON'
    )


# --- Strings ---------------------------------------------------------------------------


def test_adjacent_strings_across_a_newline_are_one_string() -> None:
    comment = parse("COMMENT ON TABLE t IS 'a'\n  'b'")
    assert comment.expression == exp.Literal.string("ab")


def test_adjacent_strings_in_defaults_and_checks() -> None:
    assert round_trip("CREATE TABLE t (a text DEFAULT 'a'\n'b' CHECK (a <> 'x' -- why\n'y'))") == (
        "CREATE TABLE t (a TEXT DEFAULT 'ab' CHECK (a <> 'xy'))"
    )


def test_strings_on_one_line_are_not_joined() -> None:
    # PostgreSQL rejects 'a' 'b' on one line; we do not make it one string.
    assert "'ab'" not in round_trip("SELECT 'a' 'b'")


def test_values_is_a_name_where_no_list_follows() -> None:
    select = parse("WITH values AS (SELECT 1 AS a) SELECT values.a FROM values")
    assert select.args["with_"].expressions[0].alias == "values"
    assert isinstance(parse("INSERT INTO t DEFAULT VALUES"), exp.Insert)
    assert parse("INSERT INTO t VALUES (1)").find(exp.Values) is not None


# --- ALTER TABLE -------------------------------------------------------------------------


def test_rename_without_column_renames_the_column() -> None:
    rename = action("ALTER TABLE t RENAME a TO b")
    assert isinstance(rename, exp.RenameColumn)
    assert (rename.this.name, rename.args["to"].name) == ("a", "b")
    assert round_trip("ALTER TABLE t RENAME a TO b") == "ALTER TABLE t RENAME COLUMN a TO b"


def test_rename_to_still_renames_the_table() -> None:
    assert isinstance(action("ALTER TABLE t RENAME TO u"), exp.AlterRename)


def test_set_storage_parameters() -> None:
    assert isinstance(action("ALTER TABLE t SET (fillfactor = 70)"), exp.AlterSet)


def test_reset_storage_parameters() -> None:
    reset = action("ALTER TABLE t RESET (fillfactor, autovacuum_enabled)")
    assert isinstance(reset, exp.Anonymous) and reset.name == "RESET"
    assert [p.name for p in reset.expressions] == ["fillfactor", "autovacuum_enabled"]
    assert round_trip("ALTER TABLE t RESET (fillfactor)") == "ALTER TABLE t RESET(fillfactor)"


@pytest.mark.parametrize("option", ["LOGGED", "UNLOGGED"])
def test_set_logged_or_unlogged(option: str) -> None:
    assert action(f"ALTER TABLE t SET {option}").args["option"].name == option


def test_validate_constraint() -> None:
    validate = action("ALTER TABLE t VALIDATE CONSTRAINT t_a_fkey")
    assert isinstance(validate, exp.Command) and validate.name == "VALIDATE CONSTRAINT"
    assert validate.expression.name == "t_a_fkey"
    assert (
        round_trip("ALTER TABLE t VALIDATE CONSTRAINT c") == "ALTER TABLE t VALIDATE CONSTRAINT c"
    )


@pytest.mark.parametrize("key", ["PRIMARY KEY", "UNIQUE"])
def test_add_key_using_index(key: str) -> None:
    add = action(f"ALTER TABLE t ADD CONSTRAINT k {key} USING INDEX i DEFERRABLE")
    assert isinstance(add, exp.AddConstraint)
    [constraint] = add.expressions
    assert constraint.name == "k"
    [kind] = constraint.expressions
    using, deferrable = kind.args["options"]
    assert using.args["using"].name == "i" and deferrable.name == "DEFERRABLE"


def test_add_unnamed_primary_key_using_index() -> None:
    add = action("ALTER TABLE t ADD PRIMARY KEY USING INDEX i")
    assert isinstance(add.expressions[0], exp.PrimaryKeyColumnConstraint)


def test_our_actions_mix_with_sqlglots() -> None:
    alter = parse("ALTER TABLE t RENAME a TO b")
    mixed = parse("ALTER TABLE t VALIDATE CONSTRAINT c, ALTER COLUMN a SET NOT NULL")
    assert isinstance(alter, exp.Alter)
    assert [type(a) for a in mixed.args["actions"]] == [exp.Command, exp.AlterColumn]


# --- Other statements ----------------------------------------------------------------


def test_exclude_constraint() -> None:
    statement = "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist (a WITH &&)"
    add = action(statement)
    assert add.find(exp.ExcludeColumnConstraint) is not None
    assert round_trip(statement) == "ALTER TABLE t ADD CONSTRAINT e EXCLUDE USING gist(a WITH &&)"


def test_create_type_as_range() -> None:
    create = parse("CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)")
    assert isinstance(create, exp.Create) and create.args["kind"] == "TYPE"
    subtype, diff = create.expression.expressions
    assert subtype.name == "subtype" and subtype.args["value"].is_type("double")
    assert diff.args["value"].name == "float8mi"


def test_create_type_as_range_needs_a_subtype() -> None:
    assert "subtype" in failure("CREATE TYPE r AS RANGE (subtype_diff = f)").message


def test_drop_extension() -> None:
    drop = parse("DROP EXTENSION IF EXISTS pg_trgm, ltree CASCADE")
    assert isinstance(drop, exp.Drop) and drop.kind == "EXTENSION"
    assert [t.name for t in drop.args["tables"]] == ["pg_trgm", "ltree"]
    assert drop.args["exists"] and drop.args["cascade"]
    assert round_trip("DROP EXTENSION ltree") == "DROP EXTENSION ltree"


def test_alter_index_if_exists() -> None:
    alter = parse("ALTER INDEX IF EXISTS i RENAME TO j")
    assert alter.args["kind"] == "INDEX" and alter.args["exists"]


@pytest.mark.parametrize("kind", ["VIEW", "MATERIALIZED VIEW"])
def test_view_column_names(kind: str) -> None:
    create = parse(f"CREATE {kind} v (a, b) AS SELECT 1, 2")
    assert isinstance(create.this, exp.Schema)
    assert [c.name for c in create.this.expressions] == ["a", "b"]


@pytest.mark.parametrize(("clause", "no"), [("WITH NO DATA", True), ("WITH DATA", False)])
def test_materialized_view_with_or_without_data(clause: str, no: bool) -> None:
    create = parse(f"CREATE MATERIALIZED VIEW v AS SELECT 1 AS a {clause}")
    assert isinstance(create, exp.Create)
    assert create.find(exp.WithDataProperty).args["no"] is no
    assert round_trip(f"CREATE MATERIALIZED VIEW v AS SELECT 1 AS a {clause}") == (
        f"CREATE MATERIALIZED VIEW v AS SELECT 1 AS a {clause}"
    )


def test_index_on_only_the_partitioned_table() -> None:
    create = parse("CREATE INDEX i ON ONLY t (a)")
    assert create.this.args["table"].args["only"]


def test_bit_varying_is_varbit() -> None:
    assert round_trip("CREATE TABLE t (a bit varying(3))") == "CREATE TABLE t (a varbit(3))"


def test_insert_on_conflict_after_a_cross_join() -> None:
    insert = parse("INSERT INTO t (a) SELECT x FROM u CROSS JOIN v ON CONFLICT (a) DO NOTHING")
    assert isinstance(insert, exp.Insert)
    assert insert.args["conflict"].args["conflict_keys"][0].name == "a"
    assert not insert.expression.args["joins"][0].args.get("on")


def test_routines_are_kept_whole() -> None:
    create = parse("CREATE FUNCTION f(a integer[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
    assert isinstance(create, exp.Command) and create.name == "CREATE"


# --- Files ------------------------------------------------------------------------------


def test_psql_meta_commands_are_skipped(tmp_path: Path) -> None:
    text = "\\restrict abc123\nCREATE TABLE t (a int);\n\\unrestrict abc123\n"
    statements, problems = parse_file(SourceFile(tmp_path / "dump.sql", "dump.sql", text))
    assert problems == []
    assert [s.text for s in statements] == ["CREATE TABLE t (a int)"]


# --- No partial reads ---------------------------------------------------------------------


def test_a_quoted_name_missing_from_the_tree_is_found() -> None:
    # The tree sqlglot alone made of this statement had no place for "ON t":
    # that reading, with the relation dropped, must not pass for the statement.
    sql = 'COMMENT ON TRIGGER "trg" ON "t" IS \'x\''
    tokens = tokenize(sql)
    tree = parse(sql)
    assert unread_token(tokens, tree) is None
    tree.set("on", None)
    missing = unread_token(tokens, tree)
    assert missing is not None and missing.start == sql.index('"t"')


def test_an_unquoted_name_missing_from_the_tree_is_found() -> None:
    sql = "COMMENT ON POLICY p ON accounts IS 'x'"
    tree = parse(sql)
    tree.set("on", None)
    missing = unread_token(tokenize(sql), tree)
    assert missing is not None and missing.text == "accounts"


def test_keywords_and_function_names_are_not_names_to_account_for() -> None:
    sql = "CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY, b text DEFAULT lower('X'))"
    assert unread_token(tokenize(sql), parse(sql)) is None


def test_keyword_list_is_postgresqls(conn: psycopg.Connection[TupleRow]) -> None:
    assert set(pg_keywords.keywords(conn.info.dsn)) == KEYWORDS


def test_option_words_kept_by_meaning_are_read() -> None:
    # MODULUS and REMAINDER are no keywords of PostgreSQL's: its grammar reads them as names.
    parse("CREATE TABLE t PARTITION OF u FOR VALUES WITH (MODULUS 2, REMAINDER 0)")


def test_quoted_builtin_type_and_option_words_are_read() -> None:
    parse('CREATE TABLE t (a "int4", b "char") WITH (autovacuum_enabled = "false")')


# --- The real-world corpus -------------------------------------------------------------


@pytest.mark.skipif(
    not parse_corpus.CORPUS.is_dir(), reason=f"no real-world corpus at {parse_corpus.CORPUS}"
)
def test_every_statement_of_the_realworld_corpus_parses() -> None:
    root = parse_corpus.CORPUS
    failures = [
        failure
        for paths in parse_corpus.corpus_files(root).values()
        for failure in parse_corpus.tally(paths, root).failures
    ]
    assert failures == []


def test_char_length_keeps_its_name() -> None:
    # sqlglot folds char_length and character_length into its Length node (``length``);
    # PostgreSQL has each as a function of its own.
    select = parse("SELECT char_length(a), CHARACTER_LENGTH(b), length(c), (char_length(d))")
    assert round_trip("SELECT char_length(a)") == "SELECT CHAR_LENGTH(a)"
    names = [e.unnest() for e in select.expressions]
    assert [type(n).__name__ for n in names] == ["Anonymous", "Anonymous", "Length", "Anonymous"]
    assert [str(n.this) for n in names if isinstance(n, exp.Anonymous)] == [
        "char_length",
        "character_length",
        "char_length",
    ]


def test_drop_type_takes_a_list() -> None:
    drop = parse("DROP TYPE IF EXISTS a, s.b CASCADE")
    assert isinstance(drop, exp.Drop)
    assert [t.sql() for t in drop.args["tables"]] == ["a", "s.b"]
    assert drop.args["kind"] == "TYPE" and drop.args["exists"] and drop.args["cascade"]


def test_date_part_keeps_its_name() -> None:
    # PostgreSQL's date_part returns double precision, EXTRACT numeric.
    assert round_trip("SELECT date_part('year', d), date_part($1, (d)) FROM t") == (
        "SELECT DATE_PART('year', d), DATE_PART($1, (d)) FROM t"
    )
    assert round_trip("SELECT extract(year FROM d) FROM t") == "SELECT EXTRACT(YEAR FROM d) FROM t"


def test_a_call_with_more_arguments_than_the_node_takes_stays_a_call() -> None:
    select = parse("SELECT lower(a, b), lower(a), abs(1, 2)")
    calls = select.expressions
    assert [type(c).__name__ for c in calls] == ["Anonymous", "Lower", "Anonymous"]
    assert [len(list(c.iter_expressions())) for c in calls] == [2, 1, 2]
    assert not any(c.comments for c in calls)


@pytest.mark.parametrize("symbol", [">>=", "<<="])
def test_operators_sqlglot_splits_are_read_whole(symbol: str) -> None:
    # sqlglot tokenizes >>= as > and >=, and has no node for inet's containment operators.
    assert round_trip(f"SELECT a {symbol} b, a{symbol}b") == (
        f"SELECT a OPERATOR({symbol}) b, a OPERATOR({symbol}) b"
    )
    assert round_trip(f"SELECT a OPERATOR(pg_catalog.{symbol}) b") == (
        f"SELECT a OPERATOR(pg_catalog.{symbol}) b"
    )


def test_shift_operators_stay_sqlglots() -> None:
    assert round_trip("SELECT a >> b, a << b, a >= b") == "SELECT a >> b, a << b, a >= b"


def test_at_sign_followed_by_space_is_absolute_value() -> None:
    # A prefix operator binds less tightly than + - * / ^ and ::, more than comparisons.
    select = parse("SELECT @ a, @ -b + 2 * f(c)::int AS r, (@ d) FROM t WHERE @ e > 1")
    first, second, third = (e.unalias().unnest() for e in select.expressions)
    assert isinstance(first, exp.Operator) and first.this is None
    assert first.sql(dialect="postgres") == "OPERATOR(@) a"
    assert isinstance(second, exp.Operator) and isinstance(second.expression, exp.Add)
    assert isinstance(third, exp.Operator)
    where = select.args["where"].this
    assert isinstance(where, exp.GT) and isinstance(where.this, exp.Operator)


def test_at_sign_before_a_name_is_a_parameter() -> None:
    # @name is sqlc's named parameter (the query files stage replaces it before parsing).
    assert isinstance(parse("SELECT @a").expressions[0], exp.Parameter)


@pytest.mark.parametrize(
    ("sql", "near"),
    [
        ("SELECT varchar(name) AS r FROM t", "name"),
        ("SELECT numeric(id) AS r FROM t", "AS"),
        ("SELECT int(id) FROM t", "("),
        ("SELECT varchar(1+1) FROM t", "+"),
        ("SELECT a FROM t WHERE b = numeric(c)", ")"),
    ],
)
def test_a_type_keyword_before_a_parenthesis_is_a_type_name(sql: str, near: str) -> None:
    # PostgreSQL's grammar: a type name with modifiers, which a string constant must follow.
    problem = failure(sql)
    assert problem.message == f'syntax error at or near "{near}"'
    assert sql[problem.offset :].startswith(near)


def test_a_type_keyword_before_an_unclosed_parenthesis_is_an_error() -> None:
    assert failure("SELECT varchar(").message.startswith("syntax error")


def test_type_names_with_modifiers_where_types_are_written_parse() -> None:
    assert round_trip("SELECT numeric(10) '1', x::numeric(10, 2), CAST(x AS varchar(3))") == (
        "SELECT CAST('1' AS DECIMAL(10)), CAST(x AS DECIMAL(10, 2)), CAST(x AS VARCHAR(3))"
    )
    # int4 is no keyword and a quoted name is never one: both are calls.
    assert all(isinstance(e, exp.Func) for e in parse('SELECT int4(x), "varchar"(x)').expressions)
    assert isinstance(parse("CREATE TABLE t (a numeric(10), b varchar(3))"), exp.Create)


@pytest.mark.parametrize(
    ("sql", "name"),
    [
        ("SELECT 1 + nosuch(id) FROM t", "nosuch"),
        ("SELECT lower(a, b) FROM t", "lower"),
        ("SELECT x,\n  date_part('year', d) FROM t", "date_part"),
    ],
)
def test_a_call_is_located_at_its_functions_name(sql: str, name: str) -> None:
    # PostgreSQL locates "function f(integer) does not exist" at the function's name.
    call = parse(sql).find(exp.Anonymous)
    assert call is not None
    assert node_offset(call, -1) == sql.index(name)


def _every_pass(sql: str) -> list[tuple[object, str, int, int]]:
    """The tokens with every pass run, whatever the text holds."""
    tokens = Postgres.Tokenizer().tokenize(sql)
    tokens = dialect._without_not_deferrable(dialect._without_meta_commands(tokens, sql))
    tokens = dialect._join_bit_varying(dialect._values_as_name(tokens))
    tokens = dialect._join_continued_strings(tokens, sql)
    tokens = expressions.split_operators_named(tokens)
    tokens = expressions.absolute_value_calls(tokens, sql)
    tokens = expressions.overfull_calls_anonymous(tokens)
    return [(t.token_type, t.text, t.start, t.end) for t in tokens]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'a'\n'b', E'c' -- why\n'd', $$e$$\n'f'",
        "CREATE TABLE t (b BiT VaRyInG(3), c int UNIQUE NoT DeFeRrAbLe)",
        "WITH VaLuEs AS (SELECT 1 AS x) SELECT values.x FROM values",
        "SELECT a >>= b, a <<= b, @ -5, lower('a', 1)",
        "\\restrict key\nSELECT 1",
        "SELECT 'no continuation' || 'here'",
    ],
)
def test_a_token_pass_skipped_for_its_text_would_have_changed_nothing(sql: str) -> None:
    """The tokenizer runs a pass only when the text holds what it rewrites: the
    tokens are those of every pass run."""
    tokens = Tokenizer().tokenize(sql)
    assert [(t.token_type, t.text, t.start, t.end) for t in tokens] == _every_pass(sql)


NESTINGS = {
    "subqueries": ("SELECT (SELECT ", "1", ")"),
    "parentheses": ("SELECT (", "1", ")"),
    "calls": ("SELECT f(", "1", ")"),
    "cases": ("SELECT CASE WHEN a THEN ", "1", " END"),
    "exists": ("SELECT EXISTS (SELECT ", "1", ")"),
    "not": ("SELECT NOT ", "a", ""),
    "minus": ("SELECT - ", "1", ""),
    "casts": ("SELECT (", "1", ")::int"),
    "subscripts": ("SELECT (", "a", ")[1]"),
    "json": ("SELECT (", "a", ") -> 'k'"),
    "or": ("SELECT a OR ", "b", ""),
    "rows": ("SELECT ROW(1, ", "1", ")"),
}


@pytest.mark.parametrize(("head", "core", "tail"), NESTINGS.values(), ids=NESTINGS.keys())
def test_no_nesting_makes_more_tree_levels_than_the_depth_check_assumes(
    head: str, core: str, tail: str
) -> None:
    """A statement is walked for its depth only when its tokens could make a tree
    deeper than MAX_DEPTH (parse.LEVELS_PER_TOKEN levels a token at most)."""
    from pgsqlgen.sql import parse

    levels = 200
    sql = head + (head.removeprefix("SELECT ") * (levels - 1)) + core + tail * levels
    tokens = parse.tokenize(sql)
    tree = parse.parse_chunk(tokens, sql)
    assert isinstance(tree, exp.Expr), tree
    assert parse._tree_depth(tree) <= parse.LEVELS_PER_TOKEN * len(tokens)
