"""Query analysis, split by question the way sqlc's compiler is: ``model`` (what an
analysis produces), ``syntax`` (reading sqlglot's tree as PostgreSQL reads SQL), and the
analyser in layers: ``base`` (scopes and parameters) < ``expressions`` < ``from_items``
< ``outputs`` < ``statements`` (the entry points ``analyse_statement`` and
``infer_relation_columns``).
"""
