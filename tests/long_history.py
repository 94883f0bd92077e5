"""A long, deterministic migration history to hold the catalog against PostgreSQL.

The example schema is twenty migrations; real projects carry hundreds, and the
forms that break a static catalog are the ones that pile up over years: enum
values added one at a time, views dropped and recreated around column
changes, functions replaced, triggers recreated, constraints renamed, tables
renamed under their sequences and indexes. :func:`write_history` writes such
a history in golang-migrate layout, every up with a down that undoes it.

The history is a simulation, not a template: each entity (a table with its
enum, views, functions and triggers) carries its current state, and every
step writes its up and down from that state at the moment it runs. Steps of
different entities interleave on a fixed schedule, so later migrations see
tables that earlier ones renamed or widened, exactly as in a real history,
and the downs, read in reverse, undo the history step by step.

Two limits are deliberate:

* ``ALTER TYPE ... ADD VALUE`` cannot be undone (PostgreSQL has no
  ``DROP VALUE``), so its down is a documented ``SELECT 1;``: the value goes
  when the down of the ``CREATE TYPE`` drops the type.
* ``DO`` blocks here backfill data or raise notices, and never change the
  schema: the static catalog cannot see inside a ``DO`` block, so a block
  that runs DDL (say ``IF NOT EXISTS (...) THEN ALTER TABLE ...``) is out of
  its reach by design, and no comparison could hold with one in the history.

Everything is plain PostgreSQL 15, and the same ``size`` gives the same files
byte for byte.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# (plural, singular) names of the entities of one ``size`` unit.
_ENTITY_NAMES = (
    ("projects", "project"),
    ("tickets", "ticket"),
    ("invoices", "invoice"),
    ("shipments", "shipment"),
    ("documents", "document"),
    ("builds", "build"),
    ("devices", "device"),
    ("campaigns", "campaign"),
    ("payments", "payment"),
)

# Rounds between the first steps of consecutive entities: entities overlap,
# so one's early steps run between another's late ones.
_STAGGER = 3

_ENUM_ADD_DOWN = (
    "-- PostgreSQL cannot drop an enum value: the value stays until the down\n"
    "-- migration that created the type drops it.\n"
    "SELECT 1;\n"
)


def _sql(text: str) -> str:
    """A statement block as written in a migration file: dedented, one final newline."""
    return textwrap.dedent(text).strip() + "\n"


@dataclass(frozen=True)
class Migration:
    """One numbered step of the history: its snake_case name and both directions."""

    name: str
    up: str
    down: str


@dataclass
class Entity:
    """A table and what hangs off it, with the state later steps depend on."""

    index: int
    plural: str
    singular: str
    parent: Entity | None
    table: str = field(init=False)
    name_column: str = "name"
    summary_extended: bool = False
    steps: list[Callable[[], Migration]] = field(init=False)

    def __post_init__(self) -> None:
        self.table = self.plural
        self.steps = [
            self.create_status_enum,
            self.create_table,
            self.create_imports,
            self.enum_add_in_review,
            self.create_indexes,
            self.add_notes,
            self.enum_add_closed,
            self.create_summary_view,
            self.touch_trigger,
            self.widen_name,
            self.enum_add_pending,
            self.extend_summary_view,
            self.directory_view,
            self.amount_precision,
            self.backfill_notes,
            self.enum_rename_closed,
            self.add_checks,
            self.rename_amount_check,
            self.rank_function,
            self.replace_rank_function,
            self.lookup_indexes,
            self.drop_imports,
            self.rename_name_to_title,
            self.self_reference,
            self.retrigger,
            self.status_events,
            self.event_feed_view,
            self.log_amount_changes,
            self.status_report_views,
            self.drop_label,
            self.add_code,
            self.code_to_bigint,
            self.rename_table,
            self.contact_columns,
            self.snapshot_type,
            self.defaults,
            self.unique_pair,
            self.enum_add_archived,
            self.swap_status_index,
            self.number_sequence,
            self.number_step,
            self.event_log_view,
            self.recomment,
        ]
        if self.parent is not None:
            self.steps.insert(24, self.parent_actions)

    # --- the identity of the entity -------------------------------------------------

    @property
    def enum(self) -> str:
        return f"{self.singular}_status"

    @property
    def id_column(self) -> str:
        """The primary key, varied over serial and both identity forms."""
        return (
            "id bigserial PRIMARY KEY",
            "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        )[self.index % 3]

    @property
    def id_type(self) -> str:
        return "integer" if self.index % 3 == 2 else "bigint"

    @property
    def on_delete(self) -> str:
        return ("CASCADE", "SET NULL", "RESTRICT")[self.index % 3]

    def _summary_view(self, replace: bool = False) -> str:
        columns = ["id", self.name_column, "status"]
        if self.summary_extended:
            columns += ["amount", "created_at"]
        head = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW"
        return _sql(
            f"""
            {head} {self.singular}_summaries AS
                SELECT {", ".join(columns)}
                FROM {self.table}
                WHERE status <> 'draft';
            """
        )

    def _around_summary(self, name: str, change: Callable[[], tuple[str, str]]) -> Migration:
        """A column change the summary view depends on: drop the view, change, recreate."""
        drop = f"DROP VIEW {self.singular}_summaries;\n"
        before = self._summary_view()
        up, down = change()
        after = self._summary_view()
        return Migration(name, drop + up + after, drop + down + before)

    # --- the steps, in order ---------------------------------------------------------

    def create_status_enum(self) -> Migration:
        return Migration(
            f"create_{self.enum}",
            _sql(
                f"""
                CREATE TYPE {self.enum} AS ENUM ('draft', 'open');
                COMMENT ON TYPE {self.enum} IS 'Lifecycle of a {self.singular}.';
                """
            ),
            f"DROP TYPE {self.enum};\n",
        )

    def create_table(self) -> Migration:
        parent = ""
        if self.parent is not None:
            parent = (
                f"\n    {self.parent.singular}_id {self.parent.id_type} "
                f"REFERENCES {self.parent.table} (id) ON DELETE {self.on_delete},"
            )
        up = _sql(
            f"""
            CREATE TABLE {self.table} (
                {self.id_column},{parent}
                name varchar(80) NOT NULL UNIQUE CHECK (char_length(name) > 0),
                status {self.enum} NOT NULL DEFAULT 'draft',
                amount numeric(10, 2) DEFAULT 0,
                label short_label,
                created_at timestamptz(3) NOT NULL DEFAULT now(),
                updated_at timestamptz(3) NOT NULL DEFAULT now(),
                tags text[] NOT NULL DEFAULT '{{}}',
                attrs jsonb NOT NULL DEFAULT '{{}}'::jsonb,
                CHECK (updated_at >= created_at)
            );
            COMMENT ON TABLE {self.table} IS 'Every {self.singular}, one row each.';
            COMMENT ON COLUMN {self.table}.attrs IS 'Free-form attributes set by integrations.';
            """
        )
        return Migration(f"create_{self.plural}", up, f"DROP TABLE {self.table};\n")

    def create_imports(self) -> Migration:
        up = _sql(
            f"""
            CREATE TABLE {self.singular}_imports (
                id serial PRIMARY KEY,
                {self.singular}_id {self.id_type} NOT NULL REFERENCES {self.table} ON DELETE CASCADE,
                payload jsonb,
                received_at timestamp(0) DEFAULT LOCALTIMESTAMP
            );
            """
        )
        return Migration(
            f"create_{self.singular}_imports", up, f"DROP TABLE {self.singular}_imports;\n"
        )

    def enum_add_in_review(self) -> Migration:
        return Migration(
            f"add_{self.enum}_in_review",
            f"ALTER TYPE {self.enum} ADD VALUE 'in_review' AFTER 'open';\n",
            _ENUM_ADD_DOWN,
        )

    def create_indexes(self) -> Migration:
        up = _sql(
            f"""
            CREATE INDEX {self.plural}_status_idx ON {self.table} (status);
            CREATE INDEX ON {self.table} (created_at DESC);
            CREATE INDEX ON {self.table} (lower(name));
            CREATE INDEX ON {self.table} USING gin (attrs jsonb_path_ops);
            CREATE INDEX {self.plural}_tags_idx ON {self.table} USING gin (tags);
            """
        )
        down = _sql(
            f"""
            DROP INDEX {self.plural}_tags_idx;
            DROP INDEX {self.plural}_attrs_idx;
            DROP INDEX {self.plural}_lower_idx;
            DROP INDEX {self.plural}_created_at_idx;
            DROP INDEX {self.plural}_status_idx;
            """
        )
        return Migration(f"index_{self.plural}", up, down)

    def add_notes(self) -> Migration:
        up = _sql(
            f"""
            ALTER TABLE {self.table} ADD COLUMN notes text;
            COMMENT ON COLUMN {self.table}.notes IS 'Written by people, never parsed.';
            """
        )
        return Migration(
            f"add_{self.plural}_notes", up, f"ALTER TABLE {self.table} DROP COLUMN notes;\n"
        )

    def enum_add_closed(self) -> Migration:
        return Migration(
            f"add_{self.enum}_closed",
            f"ALTER TYPE {self.enum} ADD VALUE 'closed';\n",
            _ENUM_ADD_DOWN,
        )

    def create_summary_view(self) -> Migration:
        return Migration(
            f"create_{self.singular}_summaries",
            self._summary_view(),
            f"DROP VIEW {self.singular}_summaries;\n",
        )

    def touch_trigger(self) -> Migration:
        up = (
            f"CREATE TRIGGER {self.plural}_touch BEFORE UPDATE ON {self.table}\n"
            "    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();\n"
        )
        return Migration(
            f"touch_{self.plural}", up, f"DROP TRIGGER {self.plural}_touch ON {self.table};\n"
        )

    def widen_name(self) -> Migration:
        def change() -> tuple[str, str]:
            alter = (
                f"ALTER TABLE {self.table} ALTER COLUMN {self.name_column} TYPE varchar({{}});\n"
            )
            return alter.format(200), alter.format(80)

        return self._around_summary(f"widen_{self.plural}_name", change)

    def enum_add_pending(self) -> Migration:
        return Migration(
            f"add_{self.enum}_pending",
            f"ALTER TYPE {self.enum} ADD VALUE 'pending' BEFORE 'open';\n",
            _ENUM_ADD_DOWN,
        )

    def extend_summary_view(self) -> Migration:
        before = self._summary_view()
        self.summary_extended = True
        return Migration(
            f"extend_{self.singular}_summaries",
            self._summary_view(replace=True),
            f"DROP VIEW {self.singular}_summaries;\n" + before,
        )

    def directory_view(self) -> Migration:
        """A view that stays while its columns and tables are renamed: PostgreSQL follows."""
        if self.parent is None:
            query = f"SELECT id, {self.name_column}, created_at FROM {self.table}"
        else:
            # Unaliased tables, so their renames show in the qualifiers too.
            child, parent = self.table, self.parent.table
            column = f"{self.parent.singular}_id"
            query = (
                f"SELECT {child}.id, {child}.{self.name_column}, {column},\n"
                f"        {parent}.{self.parent.name_column} AS parent_name\n"
                f"    FROM {child}\n"
                f"    LEFT JOIN {parent} ON {parent}.id = {column}"
            )
        return Migration(
            f"create_{self.singular}_directory",
            f"CREATE VIEW {self.singular}_directory AS\n    {query};\n",
            f"DROP VIEW {self.singular}_directory;\n",
        )

    def amount_precision(self) -> Migration:
        def change() -> tuple[str, str]:
            return (
                f"ALTER TABLE {self.table} ALTER COLUMN amount SET DATA TYPE numeric(14, 4)\n"
                "    USING round(amount, 4);\n",
                f"ALTER TABLE {self.table} ALTER COLUMN amount TYPE numeric(10, 2)\n"
                "    USING amount::numeric(10, 2);\n",
            )

        return self._around_summary(f"{self.plural}_amount_precision", change)

    def backfill_notes(self) -> Migration:
        up = _sql(
            f"""
            DO $$
            DECLARE
                touched integer;
            BEGIN
                UPDATE {self.table} SET notes = '' WHERE notes IS NULL;
                GET DIAGNOSTICS touched = ROW_COUNT;
                RAISE NOTICE 'backfilled % {self.plural}', touched;
            END
            $$;
            ALTER TABLE {self.table}
                ALTER COLUMN notes SET DEFAULT '',
                ALTER COLUMN notes SET NOT NULL;
            """
        )
        down = _sql(
            f"""
            ALTER TABLE {self.table} ALTER COLUMN notes DROP NOT NULL;
            ALTER TABLE {self.table} ALTER COLUMN notes DROP DEFAULT;
            """
        )
        return Migration(f"require_{self.plural}_notes", up, down)

    def enum_rename_closed(self) -> Migration:
        return Migration(
            f"rename_{self.enum}_closed",
            f"ALTER TYPE {self.enum} RENAME VALUE 'closed' TO 'done';\n",
            f"ALTER TYPE {self.enum} RENAME VALUE 'done' TO 'closed';\n",
        )

    def add_checks(self) -> Migration:
        up = _sql(
            f"""
            ALTER TABLE {self.table}
                ADD CONSTRAINT {self.plural}_amount_nonnegative CHECK (amount >= 0);
            ALTER TABLE {self.table} ADD CHECK (char_length(notes) < 10000);
            ALTER TABLE {self.table} ADD CHECK (status <> 'done' OR amount IS NOT NULL);
            """
        )
        down = _sql(
            f"""
            ALTER TABLE {self.table} DROP CONSTRAINT {self.table}_check1;
            ALTER TABLE {self.table} DROP CONSTRAINT {self.table}_notes_check;
            ALTER TABLE {self.table} DROP CONSTRAINT {self.plural}_amount_nonnegative;
            """
        )
        return Migration(f"check_{self.plural}", up, down)

    def rename_amount_check(self) -> Migration:
        rename = f"ALTER TABLE {self.table} RENAME CONSTRAINT {{}} TO {{}};\n"
        old, new = f"{self.plural}_amount_nonnegative", f"{self.plural}_amount_check"
        return Migration(
            f"rename_{self.plural}_amount_check",
            rename.format(old, new),
            rename.format(new, old),
        )

    def _rank_function(self, done_rank: int | None) -> str:
        done = f"\n        WHEN 'done' THEN {done_rank}" if done_rank is not None else ""
        return _sql(
            f"""
            CREATE OR REPLACE FUNCTION {self.singular}_rank(value {self.enum})
            RETURNS integer
            LANGUAGE plpgsql IMMUTABLE
            AS $$
            BEGIN
                RETURN CASE value
                    WHEN 'draft' THEN 0{done}
                    ELSE 1
                END;
            END;
            $$;
            """
        )

    def rank_function(self) -> Migration:
        up = self._rank_function(None) + (
            f"CREATE INDEX {self.plural}_rank_idx ON {self.table} ({self.singular}_rank(status));\n"
        )
        down = f"DROP INDEX {self.plural}_rank_idx;\nDROP FUNCTION {self.singular}_rank({self.enum});\n"
        return Migration(f"create_{self.singular}_rank", up, down)

    def replace_rank_function(self) -> Migration:
        return Migration(
            f"rank_{self.plural}_done_last",
            self._rank_function(2),
            self._rank_function(None),
        )

    def lookup_indexes(self) -> Migration:
        up = _sql(
            f"""
            CREATE UNIQUE INDEX {self.plural}_live_name_idx ON {self.table} (lower(name))
                WHERE status <> 'done';
            CREATE INDEX ON {self.table} (status, created_at);
            """
        )
        down = _sql(
            f"""
            DROP INDEX {self.plural}_status_created_at_idx;
            DROP INDEX {self.plural}_live_name_idx;
            """
        )
        return Migration(f"index_{self.plural}_lookups", up, down)

    def drop_imports(self) -> Migration:
        return Migration(
            f"drop_{self.singular}_imports",
            f"DROP TABLE {self.singular}_imports;\n",
            self.create_imports().up,
        )

    def rename_name_to_title(self) -> Migration:
        def change() -> tuple[str, str]:
            self.name_column = "title"
            rename = f"ALTER TABLE {self.table} RENAME COLUMN {{}} TO {{}};\n"
            return rename.format("name", "title"), rename.format("title", "name")

        return self._around_summary(f"rename_{self.plural}_name_to_title", change)

    def self_reference(self) -> Migration:
        actions = "ON DELETE SET NULL ON UPDATE CASCADE"
        if self.index % 2:
            up = _sql(
                f"""
                ALTER TABLE {self.table} ADD COLUMN replaces_id {self.id_type};
                ALTER TABLE {self.table}
                    ADD FOREIGN KEY (replaces_id) REFERENCES {self.table} (id) {actions};
                """
            )
        else:
            up = (
                f"ALTER TABLE {self.table} ADD COLUMN replaces_id {self.id_type}\n"
                f"    REFERENCES {self.table} (id) {actions};\n"
            )
        return Migration(
            f"add_{self.plural}_replaces_id",
            up,
            f"ALTER TABLE {self.table} DROP COLUMN replaces_id;\n",
        )

    def parent_actions(self) -> Migration:
        assert self.parent is not None
        column = f"{self.parent.singular}_id"
        old = f"{self.plural}_{column}_fkey"
        new = f"{self.plural}_{self.parent.singular}_fk"
        up = _sql(
            f"""
            ALTER TABLE {self.table}
                DROP CONSTRAINT {old},
                ADD CONSTRAINT {new} FOREIGN KEY ({column})
                    REFERENCES {self.parent.table} (id) ON UPDATE CASCADE ON DELETE SET NULL;
            """
        )
        down = _sql(
            f"""
            ALTER TABLE {self.table} DROP CONSTRAINT {new};
            ALTER TABLE {self.table} ADD FOREIGN KEY ({column})
                REFERENCES {self.parent.table} (id) ON DELETE {self.on_delete};
            """
        )
        return Migration(f"{self.plural}_{self.parent.singular}_actions", up, down)

    def retrigger(self) -> Migration:
        drop = f"DROP TRIGGER {self.plural}_touch ON {self.table};\n"
        up = drop + _sql(
            f"""
            CREATE TRIGGER {self.plural}_touch
                BEFORE UPDATE OF status, title ON {self.table}
                FOR EACH ROW
                WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.title <> NEW.title)
                EXECUTE FUNCTION touch_updated_at();
            """
        )
        return Migration(f"retrigger_{self.plural}_touch", up, drop + self.touch_trigger().up)

    def status_events(self) -> Migration:
        events = f"{self.singular}_events"
        up = _sql(
            f"""
            CREATE TABLE {events} (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                {self.singular}_id {self.id_type} NOT NULL
                    REFERENCES {self.table} (id) ON DELETE CASCADE,
                status {self.enum} NOT NULL,
                stamp audit_stamp,
                at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
            );
            CREATE INDEX ON {events} ({self.singular}_id, at);

            CREATE FUNCTION log_{self.singular}_status() RETURNS trigger
            LANGUAGE plpgsql
            AS $$
            BEGIN
                INSERT INTO {events} ({self.singular}_id, status) VALUES (NEW.id, NEW.status);
                RETURN NEW;
            END;
            $$;

            CREATE TRIGGER {self.plural}_log_status
                AFTER INSERT OR UPDATE OF status ON {self.table}
                FOR EACH ROW EXECUTE FUNCTION log_{self.singular}_status();
            """
        )
        down = _sql(
            f"""
            DROP TRIGGER {self.plural}_log_status ON {self.table};
            DROP FUNCTION log_{self.singular}_status();
            DROP TABLE {events};
            """
        )
        return Migration(f"create_{events}", up, down)

    def event_feed_view(self) -> Migration:
        """``*`` is expanded when the view is created; renames reach the expansion."""
        up = _sql(
            f"""
            CREATE VIEW {self.singular}_event_feed AS
                SELECT e.*, r.title
                FROM {self.singular}_events AS e
                JOIN {self.table} AS r ON r.id = e.{self.singular}_id;
            """
        )
        return Migration(
            f"create_{self.singular}_event_feed", up, f"DROP VIEW {self.singular}_event_feed;\n"
        )

    def _log_trigger(self, columns: str) -> str:
        return (
            f"CREATE OR REPLACE TRIGGER {self.plural}_log_status\n"
            f"    AFTER INSERT OR UPDATE OF {columns} ON {self.table}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION log_{self.singular}_status();\n"
        )

    def log_amount_changes(self) -> Migration:
        return Migration(
            f"log_{self.singular}_amount_changes",
            self._log_trigger("status, amount"),
            self._log_trigger("status"),
        )

    def status_report_views(self) -> Migration:
        """Aggregates, ORDER BY position, UNION and a ``*`` over one table."""
        events = f"{self.singular}_events"
        up = _sql(
            f"""
            CREATE VIEW {self.singular}_status_counts AS
                SELECT status, count(*), max(updated_at)
                FROM {self.table}
                GROUP BY status
                ORDER BY 2 DESC;

            CREATE VIEW {self.singular}_timeline AS
                SELECT id AS {self.singular}_id, created_at AS at, 'created' AS what
                FROM {self.table}
                UNION ALL
                SELECT {self.singular}_id, at, status::text FROM {events};

            CREATE VIEW {self.singular}_recent_events AS
                SELECT * FROM {events} WHERE at > now() - interval '7 days';
            """
        )
        down = _sql(
            f"""
            DROP VIEW {self.singular}_recent_events;
            DROP VIEW {self.singular}_timeline;
            DROP VIEW {self.singular}_status_counts;
            """
        )
        return Migration(f"create_{self.singular}_reports", up, down)

    def drop_label(self) -> Migration:
        return Migration(
            f"drop_{self.plural}_label",
            f"ALTER TABLE {self.table} DROP COLUMN label;\n",
            f"ALTER TABLE {self.table} ADD COLUMN label short_label;\n",
        )

    def add_code(self) -> Migration:
        up = _sql(
            f"""
            ALTER TABLE {self.table} ADD COLUMN code text;
            UPDATE {self.table} SET code = id::text;
            """
        )
        return Migration(
            f"add_{self.plural}_code", up, f"ALTER TABLE {self.table} DROP COLUMN code;\n"
        )

    def code_to_bigint(self) -> Migration:
        alter = f"ALTER TABLE {self.table} ALTER COLUMN code TYPE {{0}} USING code::{{0}};\n"
        return Migration(
            f"{self.plural}_code_to_bigint", alter.format("bigint"), alter.format("text")
        )

    def rename_table(self) -> Migration:
        def change() -> tuple[str, str]:
            old, self.table = self.table, f"{self.singular}_records"
            rename = "ALTER TABLE {} RENAME TO {};\n"
            return rename.format(old, self.table), rename.format(self.table, old)

        return self._around_summary(f"rename_{self.plural}", change)

    def contact_columns(self) -> Migration:
        up = _sql(
            f"""
            ALTER TABLE {self.table}
                ADD COLUMN contact email_address,
                ADD COLUMN budget money_amount;
            ALTER TABLE {self.table}
                ADD CONSTRAINT {self.plural}_budget_cap CHECK (budget < 1000000);
            """
        )
        down = f"ALTER TABLE {self.table} DROP COLUMN budget, DROP COLUMN contact;\n"
        return Migration(f"add_{self.plural}_contact", up, down)

    def snapshot_type(self) -> Migration:
        snapshot = f"{self.singular}_snapshot"
        up = _sql(
            f"""
            CREATE TYPE {snapshot} AS (
                id {self.id_type},
                status {self.enum},
                amount numeric(14, 4),
                tags text[]
            );
            COMMENT ON TYPE {snapshot} IS 'What {self.singular}_snapshot_of() returns.';

            CREATE FUNCTION {snapshot}_of(target {self.id_type})
            RETURNS {snapshot}
            LANGUAGE sql STABLE
            AS $$
                SELECT id, status, amount, tags FROM {self.table} WHERE id = target
            $$;
            """
        )
        down = _sql(
            f"""
            DROP FUNCTION {snapshot}_of({self.id_type});
            DROP TYPE {snapshot};
            """
        )
        return Migration(f"create_{snapshot}", up, down)

    def defaults(self) -> Migration:
        up = _sql(
            f"""
            ALTER TABLE {self.table} ALTER COLUMN amount DROP DEFAULT;
            ALTER TABLE {self.table} ALTER COLUMN status SET DEFAULT 'open';
            ALTER TABLE {self.table} ALTER COLUMN tags DROP NOT NULL;
            """
        )
        down = _sql(
            f"""
            ALTER TABLE {self.table} ALTER COLUMN tags SET NOT NULL;
            ALTER TABLE {self.table} ALTER COLUMN status SET DEFAULT 'draft';
            ALTER TABLE {self.table} ALTER COLUMN amount SET DEFAULT 0;
            """
        )
        return Migration(f"{self.plural}_defaults", up, down)

    def unique_pair(self) -> Migration:
        return Migration(
            f"unique_{self.plural}_code_status",
            f"ALTER TABLE {self.table} ADD UNIQUE (code, status);\n",
            f"ALTER TABLE {self.table} DROP CONSTRAINT {self.table}_code_status_key;\n",
        )

    def enum_add_archived(self) -> Migration:
        return Migration(
            f"add_{self.enum}_archived",
            f"ALTER TYPE {self.enum} ADD VALUE IF NOT EXISTS 'archived' AFTER 'done';\n",
            _ENUM_ADD_DOWN,
        )

    def swap_status_index(self) -> Migration:
        # Named in the down: unnamed, it would take the table's new name.
        old = f"CREATE INDEX {self.plural}_status_created_at_idx ON {self.table} (status, created_at);\n"
        new = (
            f"CREATE INDEX {self.plural}_recent_idx ON {self.table} (status, created_at DESC)\n"
            "    INCLUDE (amount) WHERE status NOT IN ('archived');\n"
        )
        return Migration(
            f"swap_{self.plural}_status_index",
            f"DROP INDEX {self.plural}_status_created_at_idx;\n" + new,
            f"DROP INDEX {self.plural}_recent_idx;\n" + old,
        )

    def number_sequence(self) -> Migration:
        sequence = f"{self.singular}_number_seq"
        up = _sql(
            f"""
            CREATE SEQUENCE {sequence} AS integer START WITH 1000;
            ALTER TABLE {self.table}
                ADD COLUMN number integer NOT NULL DEFAULT nextval('{sequence}');
            ALTER SEQUENCE {sequence} OWNED BY {self.table}.number;
            """
        )
        down = (
            "-- Dropping the column drops the sequence it owns.\n"
            f"ALTER TABLE {self.table} DROP COLUMN number;\n"
        )
        return Migration(f"number_{self.plural}", up, down)

    def number_step(self) -> Migration:
        sequence = f"{self.singular}_number_seq"
        return Migration(
            f"step_{sequence}",
            f"ALTER SEQUENCE {sequence} INCREMENT BY 5 RESTART WITH 5000;\n",
            f"ALTER SEQUENCE {sequence} INCREMENT BY 1;\n",
        )

    def event_log_view(self) -> Migration:
        up = _sql(
            f"""
            CREATE VIEW {self.singular}_event_log AS
                SELECT e.id, e.status, e.at, r.title, r.number
                FROM {self.singular}_events AS e
                JOIN {self.table} AS r ON r.id = e.{self.singular}_id
                WHERE e.status IN ('open', 'done');
            """
        )
        return Migration(
            f"create_{self.singular}_event_log", up, f"DROP VIEW {self.singular}_event_log;\n"
        )

    def recomment(self) -> Migration:
        up = _sql(
            f"""
            COMMENT ON TABLE {self.table} IS 'Every {self.singular} ever recorded.';
            COMMENT ON COLUMN {self.table}.notes IS NULL;
            COMMENT ON COLUMN {self.table}.title IS 'Shown in lists; unique among live rows.';
            """
        )
        down = _sql(
            f"""
            COMMENT ON COLUMN {self.table}.title IS NULL;
            COMMENT ON COLUMN {self.table}.notes IS 'Written by people, never parsed.';
            COMMENT ON TABLE {self.table} IS 'Every {self.singular}, one row each.';
            """
        )
        return Migration(f"recomment_{self.plural}", up, down)


def _shared_start() -> list[Migration]:
    """Domains, a composite type and a trigger function every entity uses."""
    return [
        Migration(
            "create_domains",
            _sql(
                """
                CREATE DOMAIN email_address AS text CHECK (VALUE ~ '^[^@]+@[^@]+$');
                CREATE DOMAIN money_amount AS numeric(12, 2) NOT NULL DEFAULT 0
                    CHECK (VALUE >= 0);
                CREATE DOMAIN short_label varchar(40)
                    CONSTRAINT short_label_not_blank CHECK (btrim(VALUE) <> '');
                """
            ),
            "DROP DOMAIN short_label;\nDROP DOMAIN money_amount;\nDROP DOMAIN email_address;\n",
        ),
        Migration(
            "create_audit_stamp",
            _sql(
                """
                CREATE TYPE audit_stamp AS (actor text, at timestamptz(3), reason varchar(200));
                COMMENT ON TYPE audit_stamp IS 'Who changed a row, when and why.';
                """
            ),
            "DROP TYPE audit_stamp;\n",
        ),
        Migration("create_touch_updated_at", _touch_function(False), _drop_touch()),
    ]


def _touch_function(keep_clock: bool) -> str:
    stamp = "clock_timestamp()" if keep_clock else "now()"
    return _sql(
        f"""
        CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
        LANGUAGE plpgsql
        AS $$
        BEGIN
            NEW.updated_at := {stamp};
            RETURN NEW;
        END;
        $$;
        """
    )


def _drop_touch() -> str:
    return "DROP FUNCTION touch_updated_at();\n"


def _shared_later() -> dict[int, Migration]:
    """Changes to the shared objects, by the round they run in."""
    return {
        8: Migration("touch_with_clock_timestamp", _touch_function(True), _touch_function(False)),
        14: Migration(
            "short_label_single_line",
            "ALTER DOMAIN short_label ADD CONSTRAINT short_label_single_line\n"
            "    CHECK (VALUE !~ '[[:cntrl:]]');\n",
            "ALTER DOMAIN short_label DROP CONSTRAINT short_label_single_line;\n",
        ),
        20: Migration(
            "audit_stamp_source",
            "ALTER TYPE audit_stamp ADD ATTRIBUTE source text;\n",
            "ALTER TYPE audit_stamp DROP ATTRIBUTE source;\n",
        ),
        26: Migration(
            "comment_domains",
            "COMMENT ON DOMAIN email_address IS 'An address with exactly one @.';\n",
            "COMMENT ON DOMAIN email_address IS NULL;\n",
        ),
        32: Migration(
            "checkpoint_notice",
            "DO $$ BEGIN RAISE NOTICE 'schema checkpoint: % tables', "
            "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public'); END $$;\n",
            "DO $$ BEGIN RAISE NOTICE 'rolling back past the checkpoint'; END $$;\n",
        ),
        38: Migration(
            "money_amount_default",
            "ALTER DOMAIN money_amount SET DEFAULT 0.00;\n",
            "ALTER DOMAIN money_amount SET DEFAULT 0;\n",
        ),
    }


def history(size: int = 1) -> list[Migration]:
    """The migrations of a history of ``size`` units of entities, in order."""
    entities: list[Entity] = []
    for unit in range(size):
        for plural, singular in _ENTITY_NAMES:
            suffix = f"_{unit + 1}" if unit else ""
            parent = entities[-1] if entities else None
            entities.append(Entity(len(entities), plural + suffix, singular + suffix, parent))
    # (round, order among the round's steps, step): a round runs the entities'
    # steps in entity order, then the shared change of that round, if any.
    schedule: list[tuple[int, int, Callable[[], Migration]]] = []
    for entity in entities:
        for offset, step in enumerate(entity.steps):
            schedule.append((entity.index * _STAGGER + offset, entity.index, step))
    for round_, migration in _shared_later().items():
        schedule.append((round_, len(entities), lambda m=migration: m))
    schedule.sort(key=lambda entry: (entry[0], entry[1]))
    return _shared_start() + [step() for _, _, step in schedule]


def write_history(directory: Path, size: int = 1) -> int:
    """Write the history as ``NNNNNN_name.up.sql``/``.down.sql`` files; return how many."""
    directory.mkdir(parents=True, exist_ok=True)
    migrations = history(size)
    for number, migration in enumerate(migrations, start=1):
        stem = f"{number:06d}_{migration.name}"
        (directory / f"{stem}.up.sql").write_text(migration.up, encoding="utf-8")
        (directory / f"{stem}.down.sql").write_text(migration.down, encoding="utf-8")
    return len(migrations)
