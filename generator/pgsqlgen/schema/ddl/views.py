"""Views, stored as PostgreSQL binds them: every column qualified, ``*`` expanded,
unnamed outputs named, ORDER/GROUP BY positions resolved, and renames of what they
read followed.
"""

from __future__ import annotations

from sqlglot import exp

from pgsqlgen.catalog.model import (
    Catalog,
    Column,
    View,
    split_name,
)
from pgsqlgen.pg.types import PgType
from pgsqlgen.queries.analysis.model import AnalysisError
from pgsqlgen.queries.analysis.statements import infer_relation_columns
from pgsqlgen.queries.analysis.syntax import column_name
from pgsqlgen.schema.ddl.common import (
    DDLError,
    ident,
    name_node,
    relation_name,
    table_node,
    views_reading,
    without_domain_casts,
)


def create_view(catalog: Catalog, node: exp.Expr) -> None:
    name = relation_name(node.this)
    query = node.args.get("expression")
    if not isinstance(query, exp.Query):
        raise DDLError("CREATE VIEW needs a query", node)
    replace = bool(node.args.get("replace"))
    if name in catalog.tables or (name in catalog.views and not replace):
        raise DDLError(f'relation "{name}" already exists', node.this)
    properties = node.args.get("properties")
    materialized = bool(properties and properties.find(exp.MaterializedProperty))
    columns = infer_relation_columns(catalog, query)
    bound = _bind(catalog, query)
    if isinstance(node.this, exp.Schema):
        _name_columns(columns, bound, [ident(c) for c in node.this.expressions], node.this)
    old = catalog.views.get(name)
    catalog.views[name] = View(
        name, bound, columns, materialized, comment=old.comment if old else None
    )


def _name_columns(columns: list[Column], query: exp.Expr, names: list[str], node: exp.Expr) -> None:
    """``CREATE VIEW v (a, b)``: the first outputs take the names given, as PostgreSQL
    stores them (each renamed output aliased in the query)."""
    if len(names) > len(columns):
        raise DDLError("CREATE VIEW specifies more column names than columns", node)
    select = _leftmost(query)
    for column, item, name in zip(columns, select.expressions, names, strict=False):
        column.name = name
        if item.alias_or_name != name:
            item.replace(exp.alias_(item.unalias().copy(), name_node(name)))


# A source of a SELECT: the name it is referred to by, and its columns.
Source = tuple[str, list[Column]]


# The sources of each SELECT of a query (by id), None where one is unknown.
Scopes = dict[int, list[Source] | None]


def folded_name(node: exp.Expr | None) -> str | None:
    """An identifier's name as PostgreSQL stores it, or None for no identifier."""
    return ident(node) if isinstance(node, exp.Identifier) else None


def source_items(select: exp.Select) -> list[exp.Expr]:
    from_ = select.args.get("from_")
    items = [from_.this] if from_ is not None else []
    return items + [join.this for join in select.args.get("joins") or []]


def qualifier_of(item: exp.Expr) -> str | None:
    """The name a source is referred to by in its query: its alias, else its name."""
    alias = item.args.get("alias")
    if alias is not None and alias.this is not None:
        return folded_name(alias.this)
    return ident(item.this) if isinstance(item, exp.Table) else None


def _source(catalog: Catalog, item: exp.Expr, ctes: set[str]) -> Source | None:
    """A source with its columns, or None when the catalog cannot tell them."""
    qualifier = qualifier_of(item)
    alias = item.args.get("alias")
    if qualifier is None or (alias is not None and alias.args.get("columns")):
        return None
    if isinstance(item, exp.Table) and relation_name(item) not in ctes:
        columns = catalog.relation_columns(relation_name(item))
        return (qualifier, columns) if columns is not None else None
    if isinstance(item, exp.Subquery):
        try:
            return qualifier, infer_relation_columns(catalog, item.this)
        except AnalysisError:
            return None
    return None


def _sources(catalog: Catalog, select: exp.Select, ctes: set[str]) -> list[Source] | None:
    """Every source of a SELECT, or None when one of them is unknown."""
    if any(join.args.get("using") for join in select.args.get("joins") or []):
        return None  # USING merges columns; which source one belongs to is not stored.
    sources = [_source(catalog, item, ctes) for item in source_items(select)]
    known = [source for source in sources if source is not None]
    return known if len(known) == len(sources) else None


def _bind(catalog: Catalog, query: exp.Expr) -> exp.Expr:
    """A copy of a view's query as PostgreSQL keeps it.

    Stars are expanded, every output has a name, ORDER BY and GROUP BY
    references to outputs are replaced by the output's expression, every
    column is qualified by its source, and the casts PostgreSQL prints for
    domain-typed columns are read back as the columns.
    """
    query = query.copy()
    ctes = {ident(cte.args["alias"].this) for cte in query.find_all(exp.CTE)}
    selects = list(query.find_all(exp.Select))
    scopes = {id(select): _sources(catalog, select, ctes) for select in selects}
    for select in selects:
        _expand_stars(select, scopes[id(select)])
        _name_outputs(select)
        _resolve_output_references(select, scopes[id(select)])
    for operation in query.find_all(exp.SetOperation):
        _name_branch_outputs(operation)
    for column in list(query.find_all(exp.Column)):
        if column.args.get("table") is None and not isinstance(column.this, exp.Star):
            _qualify(column, scopes)
    return without_domain_casts(catalog, query, lambda column: _scope_type(column, scopes))


def _name_outputs(select: exp.Select) -> None:
    """Name each unnamed output but a plain column, as PostgreSQL's stored target list does."""
    for item in select.expressions:
        if not isinstance(item, exp.Alias | exp.Column | exp.Star):
            item.replace(exp.alias_(item.copy(), name_node(column_name(item))))


def _leftmost(query: exp.Expr) -> exp.Expr:
    while isinstance(query, exp.SetOperation | exp.Subquery | exp.Paren):
        query = query.this
    return query


def _name_branch_outputs(operation: exp.SetOperation) -> None:
    """The right branch of UNION and the like names its outputs as the left one does.

    The left branch names the outputs of the whole; PostgreSQL prints those
    names in every branch.
    """
    names = [item.alias_or_name for item in _leftmost(operation).expressions]
    right = _leftmost(operation.expression)
    if not isinstance(right, exp.Select):
        return
    for item, name in zip(right.expressions, names, strict=False):
        if item.alias_or_name != name:
            item.replace(exp.alias_(item.unalias().copy(), name_node(name)))


def _resolve_output_references(select: exp.Select, sources: list[Source] | None) -> None:
    """ORDER BY and GROUP BY by output name or position hold the output's expression.

    An ORDER BY name means the output before an input column; a GROUP BY
    name the input column before the output. A name that matches nothing
    is left alone (it may be an outer query's column).
    """
    outputs = {item.alias_or_name: item.unalias() for item in reversed(select.expressions)}
    positions = [item.unalias() for item in select.expressions]
    inputs = {column.name for _, columns in sources or [] for column in columns}

    def target(node: exp.Expr, output_first: bool) -> exp.Expr | None:
        if isinstance(node, exp.Literal) and node.is_int:
            position = int(node.name)
            return positions[position - 1] if 0 < position <= len(positions) else None
        if not isinstance(node, exp.Column) or node.args.get("table") is not None:
            return None
        name = ident(node)
        if not output_first and (sources is None or name in inputs):
            return None
        return outputs.get(name)

    order = select.args.get("order")
    for ordered in order.expressions if order is not None else []:
        found = target(ordered.this, output_first=True)
        if found is not None:
            ordered.set("this", found.copy())
    group = select.args.get("group")
    for item in list(group.expressions) if group is not None else []:
        found = target(item, output_first=False)
        if found is not None:
            item.replace(found.copy())


def _qualify(column: exp.Column, scopes: Scopes) -> None:
    """Qualify a column by the one source of the innermost enclosing SELECT that has it."""
    name = ident(column)
    select = column.find_ancestor(exp.Select)
    while select is not None:
        sources = scopes.get(id(select))
        if sources is None:
            return
        owners = [q for q, columns in sources if any(c.name == name for c in columns)]
        if len(owners) == 1:
            column.set("table", name_node(owners[0]))
            return
        if owners:
            return
        select = select.find_ancestor(exp.Select)


def _scope_type(column: exp.Column, scopes: Scopes) -> PgType | None:
    """The type of a qualified column, from the sources of the SELECTs around it."""
    qualifier, name = folded_name(column.args.get("table")), ident(column)
    select = column.find_ancestor(exp.Select)
    while select is not None:
        for source, columns in scopes.get(id(select)) or []:
            if source == qualifier:
                return next((c.type for c in columns if c.name == name), None)
        select = select.find_ancestor(exp.Select)
    return None


def _expand_stars(select: exp.Select, sources: list[Source] | None) -> None:
    if sources is None:
        return
    expanded: list[exp.Expr] = []
    for item in select.expressions:
        if isinstance(item, exp.Star):
            chosen = sources
        elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            chosen = [s for s in sources if s[0] == folded_name(item.args.get("table"))]
        else:
            expanded.append(item)
            continue
        expanded += [
            exp.Column(this=name_node(c.name), table=name_node(q))
            for q, columns in chosen
            for c in columns
        ]
    select.set("expressions", expanded)


def follow_relation_rename(catalog: Catalog, old: str, new: str) -> None:
    """Views name a renamed (or moved) table or view by its new name, as PostgreSQL prints them.

    Columns are qualified by the relation's name without its schema, so a
    move to another schema leaves them as they are.
    """
    old_local, new_local = split_name(old)[1], split_name(new)[1]
    for view in views_reading(catalog, old):
        view.relations = None
        ctes = {ident(cte.args["alias"].this) for cte in view.query.find_all(exp.CTE)}
        for table in view.query.find_all(exp.Table):
            if relation_name(table) != old or old in ctes:
                continue
            if qualifier_of(table) == folded_name(table.this):
                for column in view.query.find_all(exp.Column):
                    if folded_name(column.args.get("table")) == old_local:
                        column.set("table", name_node(new_local))
            replacement = table_node(new)
            table.set("this", replacement.this)
            table.set("db", replacement.args.get("db"))
