"""Migrations as golang-migrate has them: the file-set scanner and its checks
(``files``), the runner against a live database (``runner``), and the pytest plugin
with Coder's migration tests (``pytest_plugin``).

Imports: ``pgsqlgen.config``, ``pgsqlgen.pg``, ``pgsqlgen.errors``; ``files`` is
also read by the pipeline's input loader.
"""
