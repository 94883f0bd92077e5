"""DDL replay: the catalog stage, one module per object family.

``replay`` applies statements in order and dispatches each to the module of the object
family it changes (``tables``, ``constraints``, ``indexes``, ``views``, ``types``,
``functions``, ``sequences``, ``namespaces``, ``comments``); ``renames`` carries a
rename to everything that depends on the renamed object; ``common`` holds what they
all share. Family modules import ``common`` and each other without circles; only
``replay`` knows them all.
"""

from pgsqlgen.schema.ddl.replay import build_catalog, check_command

__all__ = ["build_catalog", "check_command"]
