"""``python -m pgsqlgen`` is the ``sqlgen`` command."""

from pgsqlgen.cli import entry

entry()
