"""Code generation: the intermediate representation (frozen dataclasses the
templates read), naming, rendering through the Jinja templates, black-style
formatting, which files of the output folder sqlgen owns, and the
all-or-nothing write of the output package.

Imports: ``pgsqlgen.queries``, ``pgsqlgen.catalog``, ``pgsqlgen.config``,
``pgsqlgen.pg``, ``pgsqlgen.sql``, ``pgsqlgen.errors``; never the pipeline or CLI.
"""
