"""``python -m pgsqlgen`` is the ``sqlgen`` command."""

from pgsqlgen.cli import main

raise SystemExit(main())
