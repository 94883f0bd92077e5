"""``python -m generator`` is the ``sqlgen`` command."""

from generator.cli import main

raise SystemExit(main())
