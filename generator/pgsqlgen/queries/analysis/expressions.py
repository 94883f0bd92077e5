"""Expression types and nullability: columns, literals, casts, operators, CASE,
subqueries and function calls; and parameter types inferred from the expression a
parameter appears in.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from functools import cached_property

from sqlglot import exp

from pgsqlgen.catalog.model import Domain, Function
from pgsqlgen.pg import builtins
from pgsqlgen.pg.builtins import BuiltinFunction, Operator
from pgsqlgen.pg.common_type import CommonTypeError, builtin_category, select_common_type
from pgsqlgen.pg.functions import (
    EXTENSION_FUNCTIONS,
    EXTENSION_SIGNATURES,
    MAY_BE_NULL,
    NEVER_NULL,
    SQL_VALUE_FUNCTIONS,
)
from pgsqlgen.pg.resolve import (
    ResolutionError,
    Resolved,
    TypeSystem,
    resolve_function,
    resolve_operator,
)
from pgsqlgen.pg.types import BOOL, INT4, INT8, NUMERIC, TEXT, PgType, from_sqlglot
from pgsqlgen.queries.analysis.base import AnalyserBase
from pgsqlgen.queries.analysis.model import AnalysisError, ResultColumn, Scope, Source, Typed
from pgsqlgen.queries.analysis.syntax import (
    binary_operator,
    call_arguments,
    function_name,
    ident,
    name_hint,
    prefix_operator,
    quantified_array,
    unparen,
)


class ExpressionAnalyser(AnalyserBase):
    @abstractmethod
    def statement(self, node: exp.Expr, outer: Scope) -> list[ResultColumn]:
        """The output columns of a (sub)statement: subqueries are expressions too."""

    def type_of(self, node: exp.Expr, scope: Scope) -> Typed:
        node = unparen(node)
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                return self._whole_row_star(node, scope)
            return self._resolve_column(node, scope)
        if isinstance(node, exp.Parameter):
            param = self._param_of(node)
            if param is None:
                raise AnalysisError("unknown parameter", node)
            return Typed(param.type, param.nullable)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return Typed(TEXT, False)
            text = node.name
            if text.isdigit():
                return Typed(INT4 if int(text) < 2**31 else INT8, False)
            return Typed(NUMERIC, False)
        if isinstance(node, exp.Boolean):
            return Typed(BOOL, False)
        if isinstance(node, exp.Interval):
            return Typed(PgType("interval"), False)
        if isinstance(node, exp.Null):
            return Typed(None, True)
        if isinstance(node, exp.Cast) and isinstance(unparen(node.this), exp.Array):
            return self._array_cast(node, scope)
        if isinstance(node, exp.Cast):
            inner = self.type_of(node.this, scope)
            return Typed(from_sqlglot(node.to), inner.nullable)
        if isinstance(node, exp.Alias):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.Subquery | exp.Query):
            columns = self.statement(node, scope)
            if len(columns) != 1:
                raise AnalysisError("subquery must return only one column", node)
            return Typed(columns[0].type, True)
        if isinstance(node, exp.Exists):
            self.statement(node.this, scope)
            return Typed(BOOL, False)
        if isinstance(node, exp.Is):
            self.type_of(node.this, scope)
            return Typed(BOOL, False)
        if isinstance(node, exp.Predicate | exp.Connector | exp.Not):
            return Typed(BOOL, self._any_nullable(node, scope))
        if isinstance(node, exp.Window | exp.Filter):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.Func):
            arguments = self._within_group_arguments(node)
            builtin = self._builtin_call(node.this, arguments, scope, within_group=True)
            return builtin if builtin is not None else Typed(None, True)
        if isinstance(node, exp.Binary) and binary_operator(node) is not None:
            return self._arithmetic(node, scope)
        prefix = prefix_operator(node)
        if prefix is not None:
            operand = self.type_of(prefix[1], scope)
            resolved = self._resolve_operator(node, scope)
            return Typed(resolved.result if resolved else operand.type, operand.nullable)
        if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Identifier):
            return self._field_selection(node, scope)
        if isinstance(node, exp.Var):
            # A keyword in argument position, such as extract's field: never null.
            return Typed(None, False)
        if isinstance(node, exp.Kwarg):
            return self.type_of(node.expression, scope)
        if isinstance(node, exp.Pow):
            # power() and ``^`` are defined for float8 and numeric only, not per input type.
            return self._function(node, scope)
        if isinstance(node, exp.Binary) and not isinstance(node, exp.Func):
            return self._arithmetic(node, scope)
        if isinstance(node, exp.Case):
            return self._case(node, scope)
        if isinstance(node, exp.Array):
            return self._array(node, scope)
        if isinstance(node, exp.Coalesce | exp.Greatest | exp.Least):
            return self._common_call(node, scope)
        if isinstance(node, exp.Nullif):
            return self._nullif(node, scope)
        if isinstance(node, exp.Func):
            return self._function(node, scope)
        return Typed(None, True)

    def _any_nullable(self, node: exp.Expr, scope: Scope) -> bool:
        nullable = False
        for child in node.iter_expressions():
            if isinstance(child, exp.Subquery | exp.Query):
                self.statement(child, scope)
                continue
            nullable = self.type_of(child, scope).nullable or nullable
        return nullable

    def _arithmetic(self, node: exp.Binary, scope: Scope) -> Typed:
        """A binary operator's result: the ``pg_operator`` candidate PostgreSQL picks for
        the operands' types (``date - date`` is integer, ``timestamptz - timestamptz``
        interval, ``int4 + numeric`` numeric); for an operand of a type the resolution
        does not know (an extension's), what the operator's shape says."""
        left = self.type_of(node.this, scope)
        right = self.type_of(node.expression, scope)
        # A JSON path step is NULL where the path is missing.
        nullable = left.nullable or right.nullable or isinstance(node, _JSON_EXTRACTIONS)
        resolved = self._resolve_operator(node, scope)
        if resolved is not None:
            return Typed(resolved.result, nullable)
        if isinstance(node, exp.JSONExtractScalar | exp.JSONBExtractScalar):
            return Typed(TEXT, True)
        if isinstance(node, exp.DPipe):
            array = left.type is not None and left.type.array_dims
            return Typed(left.type if array else TEXT, nullable)
        return Typed(left.type or right.type, nullable)

    @cached_property
    def _types(self) -> TypeSystem:
        """The types resolution knows: the built-ins and the schema's enums and row types."""
        catalog = self.catalog

        def typtype(name: str) -> str | None:
            if name in catalog.enums:
                return "e"
            rows = (catalog.composites, catalog.tables, catalog.views)
            return "c" if any(name in r for r in rows) else None

        return TypeSystem(typtype)

    def _resolve_operator(self, node: exp.Expr, scope: Scope) -> Resolved[Operator] | None:
        """The operator PostgreSQL picks for a binary or prefix operator node (section
        10.2); None when sqlglot's node is not a ``pg_operator`` one or an operand's type
        is one resolution does not know. An operator PostgreSQL rejects is rejected with
        its message (``operator does not exist: boolean = integer``)."""
        binary = binary_operator(node)
        prefix_call = prefix_operator(node)
        if isinstance(node, exp.Binary) and binary is not None:
            name = binary
            left = self._argument_type(node.this, scope)
            right = self._argument_type(node.expression, scope)
            prefix = False
        elif prefix_call is not None:
            name, left, prefix = prefix_call[0], None, True
            right = self._argument_type(prefix_call[1], scope)
        else:
            return None
        if any(t is not None and not self._types.knows(t) for t in (left, right)):
            return None
        try:
            return resolve_operator(name, left, right, prefix=prefix, types=self._types)
        except ResolutionError as error:
            raise AnalysisError(str(error), node) from None

    def _function(self, node: exp.Func, scope: Scope) -> Typed:
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        if isinstance(node, exp.Count):
            for arg in args:
                self._infer(arg, scope)
            return Typed(INT8, False)
        typed = [self.type_of(a, scope) for a in args]
        first = typed[0].type if typed else None
        strict_nullable = any(t.nullable for t in typed)
        builtin = self._builtin_call(node, call_arguments(node), scope)
        if builtin is not None:
            return builtin
        # What pg_proc cannot resolve for an argument of a type of the schema (an enum, a
        # composite): functions whose result is their argument's type, or its element's.
        if isinstance(node, exp.Max | exp.Min):
            return Typed(first, True)
        if isinstance(node, exp.ArrayAgg):
            return Typed(first.array_of() if first is not None else None, True)
        name = function_name(node)
        if name == "unnest":
            return Typed(self._element(first), True)
        if name in SQL_VALUE_FUNCTIONS:
            return Typed(SQL_VALUE_FUNCTIONS[name], False)
        if name in EXTENSION_FUNCTIONS:
            return Typed(EXTENSION_FUNCTIONS[name], strict_nullable)
        return Typed(None, True)

    def _within_group_arguments(self, node: exp.WithinGroup) -> list[exp.Expr]:
        """An ordered-set aggregate's direct arguments, then its ORDER BY ones, as
        ``pg_proc`` lists them (``percentile_disc(float8, anyelement)``)."""
        assert isinstance(node.this, exp.Func)
        order = node.expression
        ordered = order.expressions if isinstance(order, exp.Order) else []
        return [*call_arguments(node.this), *(o.this for o in ordered)]

    def _argument_type(self, node: exp.Expr, scope: Scope) -> PgType | None:
        """An argument's type as function and operator resolution see it: a string
        literal and NULL are of unknown type, for the candidate to decide; a domain is
        its base type."""
        node = unparen(node)
        if (isinstance(node, exp.Literal) and node.is_string) or isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.JSONPath):
            # sqlglot's reading of ``-> 'key'`` (an untyped literal) or ``-> 0``.
            steps = node.expressions
            subscript = len(steps) == 2 and isinstance(steps[1], exp.JSONPathSubscript)
            return INT4 if subscript else None
        pg_type = self.type_of(node, scope).type
        domain = self.catalog.domains.get(pg_type.name) if pg_type is not None else None
        if pg_type is not None and domain is not None:
            return domain.base.array_of(pg_type.array_dims)
        return pg_type

    def _schema_candidates(self, name: str) -> dict[BuiltinFunction, Function]:
        """The schema's functions named ``name`` as ``pg_proc`` rows, for resolution
        together with the built-ins; each maps back to the catalog's function."""
        return {
            _as_pg_proc(function, self.catalog.domains): function
            for function in self.catalog.functions.get(name, [])
        }

    def _resolve_call(
        self, node: exp.Func, args: list[exp.Expr], scope: Scope, bind: bool = False
    ) -> tuple[Resolved[BuiltinFunction], Function | None] | None:
        """The function a call resolves to as PostgreSQL resolves it (section 10.3: the
        built-ins and the schema's overloads, implicit casts, preferred types, unknown
        arguments, polymorphic ones, VARIADIC, named and default arguments, a type name
        read as a cast), with the schema's function when it is one; binds its parameters
        when ``bind``. None when an argument's type is one resolution does not know
        (an extension's), for a name that is sqlglot's rather than a function's, or
        for a name no function has when the schema creates extensions.
        A call PostgreSQL rejects is rejected with its message.
        """
        name = function_name(node)
        if quantified_array(node) is not None:
            # x = ANY(array) as sqlglot may read it: part of the operator, not a call.
            return None
        schema = self._schema_candidates(name)
        if not (schema or builtins.functions_named(name)) and (
            # sqlglot's own name for a node; or a function an extension may define.
            not isinstance(node, exp.Anonymous)
            or any(kind == "extension" for kind, _ in self.catalog.routines)
        ):
            return None
        if name in EXTENSION_FUNCTIONS or name in SQL_VALUE_FUNCTIONS:
            return None
        names = [a.name.lower() if isinstance(a, exp.Kwarg) else None for a in args]
        values = [a.expression if isinstance(a, exp.Kwarg) else a for a in args]
        variadic = bool(values) and isinstance(values[-1], exp.Variadic)
        values = [v.this if isinstance(v, exp.Variadic) else v for v in values]
        types = [self._argument_type(a, scope) for a in values]
        if any(t is not None and not self._types.knows(t) for t in types):
            return None
        literal = len(values) == 1 and isinstance(unparen(values[0]), exp.Literal)
        try:
            resolved = resolve_function(
                name,
                types,
                names,
                types=self._types,
                schema_functions=list(schema),
                variadic_array=variadic,
                unknown_literal=literal and types[0] is None,
            )
        except ResolutionError as error:
            raise AnalysisError(str(error), node) from None
        candidate = resolved.candidate
        if bind:
            hints = candidate.arg_names if candidate is not None and not any(names) else ()
            for position, (value, pg_type) in enumerate(zip(values, resolved.params, strict=True)):
                hint = hints[position] if position < len(hints) and hints[position] else None
                self._bind_param(value, pg_type, scope, hint)
        return resolved, schema.get(candidate) if candidate is not None else None

    def _builtin_call(
        self,
        node: exp.Func,
        args: list[exp.Expr],
        scope: Scope,
        bind: bool = False,
        within_group: bool = False,
    ) -> Typed | None:
        """The type of a call resolved as PostgreSQL resolves it (:meth:`_resolve_call`),
        and whether it may be NULL; binds its parameters when ``bind``. None when it
        cannot be resolved here: the caller then falls back to what it knows.
        """
        if isinstance(node.parent, exp.WithinGroup) and not within_group:
            # An ordered-set aggregate's direct arguments alone: it is resolved with its
            # WITHIN GROUP arguments, from the parent (_within_group_arguments).
            return None
        call = self._resolve_call(node, args, scope, bind)
        if call is None:
            return None
        resolved, user_function = call
        name = function_name(node)
        values = [a.expression if isinstance(a, exp.Kwarg) else a for a in args]
        arguments_nullable = any(self.type_of(a, scope).nullable for a in values)
        function = resolved.candidate
        if function is None:
            # A type name called as a function: a cast.
            nullable = arguments_nullable
        elif user_function is not None:
            # A STRICT function is NULL on a NULL argument; otherwise, as its body says,
            # which the catalog cannot see: possibly NULL.
            nullable = arguments_nullable if user_function.strict else True
        elif function.is_aggregate:
            # An aggregate over no rows is NULL, count's 0 aside.
            nullable = name != "count"
        elif name in NEVER_NULL or name in MAY_BE_NULL:
            nullable = name in MAY_BE_NULL
        elif function.strict and function.kind != "w":
            nullable = arguments_nullable
        else:
            nullable = True
        return Typed(resolved.result, nullable)

    def _operator(
        self, node: exp.Binary, scope: Scope
    ) -> tuple[PgType | None, PgType | None] | None:
        """The operand types of the ``pg_operator`` candidate PostgreSQL picks (section
        10.2): ``jsonb ? $1`` makes ``$1`` text, ``cidr = $1`` inet; None when
        resolution cannot tell (:meth:`_resolve_operator`)."""
        resolved = self._resolve_operator(node, scope)
        if resolved is None:
            return None
        return resolved.params[0], resolved.params[1]

    def _operand_type(self, node: exp.Expr, scope: Scope) -> PgType | None:
        """The type an operator gives a parameter compared with ``node``.

        varchar has no operators of its own: PostgreSQL compares it as text,
        so ``username = $1`` makes ``$1`` text (an INSERT or SET target keeps
        varchar).
        """
        pg_type = self.type_of(node, scope).type
        if pg_type is not None and pg_type.name == "varchar":
            return PgType("text", (), pg_type.array_dims)
        return pg_type

    def _infer(self, node: exp.Expr, scope: Scope) -> None:
        """Bind parameter types from the context each one appears in."""
        if isinstance(node, INERT):
            return
        if isinstance(node, exp.Subquery | exp.Query):
            self.statement(node, scope)
            return
        self._infer_here(node, scope)
        for child in node.iter_expressions():
            self._infer(child, scope)

    def _infer_here(self, node: exp.Expr, scope: Scope) -> None:
        if isinstance(node, exp.Where | exp.Having | exp.Not | exp.If):
            # Conditions are boolean: WHERE @flag, NOT @flag, CASE WHEN @flag.
            self._bind_param(node.this, BOOL, scope)
        elif isinstance(node, exp.Connector):
            self._bind_param(node.this, BOOL, scope)
            self._bind_param(node.expression, BOOL, scope)
        elif isinstance(node, exp.Cast):
            self._bind_param(node.this, from_sqlglot(node.to), scope)
        elif (
            isinstance(node, exp.Binary)
            and not isinstance(node, exp.Connector)
            and prefix_operator(node) is None
            and (binary_operator(node) is not None or not isinstance(node, exp.Func))
        ):
            left, right = node.this, node.expression
            if isinstance(node, exp.Like | exp.ILike):
                self._bind_param(left, TEXT, scope, name_hint(right))
                self._bind_param(right, TEXT, scope, name_hint(left))
                return
            array = quantified_array(right)
            if array is not None:
                left_type = self._operand_type(left, scope)
                self._bind_param(
                    array, left_type.array_of() if left_type else None, scope, name_hint(left)
                )
                self._bind_param(left, self._element(self.type_of(array, scope).type), scope)
                return
            operands = self._operator(node, scope)
            left_type, right_type = (
                operands
                if operands is not None
                else (self._operand_type(right, scope), self._operand_type(left, scope))
            )
            self._bind_param(left, left_type, scope, name_hint(right))
            self._bind_param(right, right_type, scope, name_hint(left))
            if isinstance(node, exp.EQ | exp.NEQ):
                self._note_origin(left, right, scope)
                self._note_origin(right, left, scope)
        elif isinstance(node, exp.In):
            self._in_list(node, scope)
            this_type = self._operand_type(node.this, scope)
            for value in node.expressions:
                self._bind_param(value, this_type, scope, name_hint(node.this))
            query = node.args.get("query")
            if query is not None and this_type is None:
                inner = self.statement(query, scope)
                if inner:
                    self._bind_param(node.this, inner[0].type, scope)
            elif this_type is None and node.expressions:
                self._bind_param(node.this, self.type_of(node.expressions[0], scope).type, scope)
        elif isinstance(node, exp.Between):
            this_type = self._operand_type(node.this, scope)
            self._bind_param(node.args.get("low"), this_type, scope, name_hint(node.this))
            self._bind_param(node.args.get("high"), this_type, scope, name_hint(node.this))
        elif isinstance(node, exp.Case | exp.Coalesce | exp.Greatest | exp.Least | exp.Nullif):
            # Each binds its parameters as it is typed (section 10.5, or 10.2 for NULLIF).
            self.type_of(node, scope)
        elif (prefix := prefix_operator(node)) is not None:
            resolved = self._resolve_operator(node, scope)
            if resolved is not None:
                self._bind_param(prefix[1], resolved.params[0], scope)
        elif isinstance(node, exp.Func):
            self._bind_arguments(node, scope)
        elif isinstance(node, exp.WithinGroup) and isinstance(node.this, exp.Func):
            arguments = self._within_group_arguments(node)
            self._builtin_call(node.this, arguments, scope, bind=True, within_group=True)

    def _bind_arguments(self, node: exp.Func, scope: Scope) -> None:
        """Type parameters passed to a function from the candidate PostgreSQL picks; for
        an extension's function, from the one signature of the call's arity."""
        name = function_name(node)
        signatures = EXTENSION_SIGNATURES.get(name)
        if signatures is None:
            self._builtin_call(node, call_arguments(node), scope, bind=True)
            return
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        candidates = [s for s in signatures if len(s) == len(args)]
        if not candidates:
            raise AnalysisError(f"function {name} does not take {len(args)} arguments", node)
        if len(candidates) == 1:
            for arg, pg_type in zip(args, candidates[0], strict=True):
                self._bind_param(arg, pg_type, scope)

    def _note_origin(self, node: exp.Expr, other: exp.Expr, scope: Scope) -> None:
        """A parameter compared for equality with a column takes that column's origin."""
        param = self._param_of(node)
        if param is None or param.origin is not None:
            return
        typed = self.type_of(other, scope)
        if typed.table is not None and typed.column is not None:
            param.origin = (typed.table, typed.column)

    # -- Section 10.5: one type from several inputs (CASE, COALESCE, GREATEST, ARRAY,
    # IN lists), and NULLIF's operator -----------------------------------------------

    def _input_type(self, node: exp.Expr, scope: Scope) -> tuple[PgType | None, bool]:
        """An input's type as ``select_common_type`` sees it, and whether it is known:
        an untyped literal, NULL or a parameter not typed yet is of unknown type
        (None, known); an expression the analysis cannot type is (None, not known)."""
        node = unparen(node)
        if (isinstance(node, exp.Literal) and node.is_string) or isinstance(node, exp.Null):
            return None, True
        pg_type = self.type_of(node, scope).type
        return pg_type, pg_type is not None or self._param_of(node) is not None

    def _base_type(self, pg_type: PgType) -> PgType:
        """A domain's base type (of as many array dimensions); any other type itself."""
        domain = self.catalog.domains.get(pg_type.name)
        if domain is None:
            return pg_type
        return self._base_type(domain.base).array_of(pg_type.array_dims)

    def _type_category(self, pg_type: PgType) -> tuple[str, bool]:
        """``typcategory`` and ``typispreferred``, for the schema's types too: an enum is
        of the enum category, a composite type or a table's row type of the composite."""
        if not pg_type.array_dims:
            if pg_type.name in self.catalog.enums:
                return "E", False
            if pg_type.name in self.catalog.composites or pg_type.name in self.catalog.tables:
                return "C", False
        return builtin_category(pg_type)

    def _common_type(
        self, nodes: Sequence[exp.Expr], context: str | None, scope: Scope
    ) -> PgType | None:
        """The type PostgreSQL resolves ``nodes`` to together (section 10.5), binding the
        parameters among them to it; ``context`` names the construct in the error.
        None when an input's type is beyond the analysis, or, without a context (an
        IN list, which then compares item by item), when the inputs cannot be matched.
        """
        inputs = [self._input_type(node, scope) for node in nodes]
        if not all(known for _, known in inputs):
            return None
        try:
            common = select_common_type(
                [t for t, _ in inputs], context or "IN", self._base_type, self._type_category
            )
        except CommonTypeError as error:
            if context is None:
                return None
            raise AnalysisError(error.message, nodes[error.position]) from None
        for node in nodes:
            self._bind_param(node, common, scope)
        return common

    def _case(self, node: exp.Case, scope: Scope) -> Typed:
        """CASE: the ELSE and the THEN results of a common type (ELSE first, as
        PostgreSQL reads them), NULL when a result is or no ELSE is given."""
        ifs = node.args.get("ifs") or []
        default = node.args.get("default")
        operand = node.args.get("this")
        if operand is not None:
            # An operand of unknown type is text before it is compared (CASE $1 WHEN ...).
            self._bind_param(operand, TEXT, scope)
        for condition in ifs:
            if operand is not None:
                # CASE x WHEN v: each v is compared with x by the = operator (10.2).
                self._bind_equal(operand, condition.this, scope)
            self._infer(condition.this, scope)
        results = [i.args["true"] for i in ifs]
        inputs = [default, *results] if default is not None else [exp.Null(), *results]
        typed = [self.type_of(r, scope) for r in inputs]
        return Typed(self._common_type(inputs, "CASE", scope), any(t.nullable for t in typed))

    def _common_call(self, node: exp.Coalesce | exp.Greatest | exp.Least, scope: Scope) -> Typed:
        """COALESCE, GREATEST and LEAST: arguments of a common type; NULL only when every
        argument is (GREATEST and LEAST ignore NULL arguments)."""
        args = [node.this, *node.expressions]
        context = {exp.Coalesce: "COALESCE", exp.Greatest: "GREATEST", exp.Least: "LEAST"}
        typed = [self.type_of(a, scope) for a in args]
        common = self._common_type(args, context[type(node)], scope)
        return Typed(common, all(t.nullable for t in typed))

    def _array(self, node: exp.Array, scope: Scope) -> Typed:
        """``ARRAY[...]``: elements of a common type; ``ARRAY(subquery)``: its column's."""
        elements = node.expressions
        if len(elements) == 1 and isinstance(unparen(elements[0]), exp.Query):
            element = self.type_of(elements[0], scope).type
        elif not elements:
            return Typed(None, False)
        else:
            element = self._common_type(elements, "ARRAY", scope)
        # ARRAY[ARRAY[...]] is a multidimensional array of the inner arrays' element type.
        return Typed(element.array_of() if element is not None else None, False)

    def _array_cast(self, node: exp.Cast, scope: Scope) -> Typed:
        """``ARRAY[...]::T[]``: PostgreSQL converts each element to ``T`` itself, with no
        common type first (``ARRAY[$1, $2]::int[]`` binds integers)."""
        target = from_sqlglot(node.to)
        array = unparen(node.this)
        assert isinstance(array, exp.Array)
        elements = array.expressions
        if not target.array_dims or (len(elements) == 1 and isinstance(elements[0], exp.Query)):
            return Typed(target, self.type_of(array, scope).nullable)
        pending = list(elements)
        while pending:
            element = unparen(pending.pop())
            if isinstance(element, exp.Array):
                pending.extend(element.expressions)
                continue
            self._bind_param(element, target.element(), scope)
            self._infer(element, scope)
        return Typed(target, False)

    def _nullif(self, node: exp.Nullif, scope: Scope) -> Typed:
        """NULLIF(a, b) is ``a = b`` resolved as an operator (section 10.2): its result is
        the first argument as the chosen operator takes it, and may be NULL."""
        return Typed(self._bind_equal(node.this, node.expression, scope), True)

    def _bind_equal(self, left: exp.Expr, right: exp.Expr, scope: Scope) -> PgType | None:
        """Bind the parameters of ``left = right`` to the operand types of the ``=``
        operator PostgreSQL picks (section 10.2), or to the other side's type where
        resolution cannot tell; the left operand's type as the operator takes it. Two
        operands of known types no ``=`` takes are PostgreSQL's error."""
        types = (self._argument_type(left, scope), self._argument_type(right, scope))
        if all(t is None or self._types.knows(t) for t in types):
            try:
                resolved = resolve_operator("=", *types, types=self._types)
            except ResolutionError as error:
                if None not in types:
                    raise AnalysisError(str(error), left.parent or left) from None
            else:
                self._bind_param(left, resolved.params[0], scope)
                self._bind_param(right, resolved.params[1], scope)
                return resolved.params[0]
        first = self.type_of(left, scope).type or self.type_of(right, scope).type
        self._bind_param(left, first, scope)
        self._bind_param(right, first, scope)
        return first

    def _in_list(self, node: exp.In, scope: Scope) -> None:
        """``x IN (a, b, ...)``: with more than one item not reading a column, PostgreSQL
        compares ``x`` with an array of the items, of the common type of ``x`` and
        them (``varchar_col IN ($1, $2)`` binds varchar); otherwise, or when they have
        none, it compares item by item with ``=``."""
        constants = [v for v in node.expressions if not any(v.find_all(exp.Column))]
        if len(constants) > 1:
            self._common_type([node.this, *constants], None, scope)

    # -- Whole rows: a FROM item's alias as a composite value, and field selection ----

    def _whole_row_star(self, node: exp.Column, scope: Scope) -> Typed:
        """``t.*`` inside an expression (``t.*::text``) is ``t``'s whole row."""
        table = ident(node.args.get("table")) if node.args.get("table") else None
        source = self._row_source(table, scope) if table is not None else None
        if table is not None and source is None:
            raise AnalysisError(f'missing FROM-clause entry for table "{table}"', node)
        if source is None:
            raise AnalysisError("* is not allowed here", node)
        return self._whole_row(source)

    @staticmethod
    def _row_source(alias: str, scope: Scope) -> Source | None:
        """The FROM item named ``alias``, in this query level or an outer one."""
        current: Scope | None = scope
        while current is not None:
            source = next((s for s in current.sources if s.alias == alias), None)
            if source is not None:
                return source
            current = current.outer
        return None

    def _row_fields(self, node: exp.Expr, scope: Scope, notation: str = "*") -> list[ResultColumn]:
        """The fields of a composite value (``(p).*``, ``(p).x``): of a FROM item's
        alias, the item's columns, as ``p.*`` gives them; of any other value, the
        attributes of its composite type or table row type. ``notation`` is what
        follows the value, for the error on a value of another type."""
        node = unparen(node)
        typed = self.type_of(node, scope)
        if isinstance(node, exp.Column) and not node.args.get("table"):
            source = self._row_source(ident(node), scope) if typed.table is None else None
            if source is not None and typed == self._whole_row(source):
                return [
                    ResultColumn(c.name, c.type, c.nullable or source.nullable, c.table, c.column)
                    for c in source.columns
                ]
        if typed.type is None:
            raise AnalysisError(
                f'cannot determine the type of "{node.sql(dialect="postgres")}"; add a cast', node
            )
        fields = self._composite_columns(typed.type)
        if fields is None:
            raise AnalysisError(
                f"column notation .{notation} applied to type {typed.type.display()}, "
                "which is not a composite type",
                node,
            )
        return [
            ResultColumn(f.name, f.type, f.nullable or typed.nullable, f.table, f.column)
            for f in fields
        ]

    def _composite_columns(self, pg_type: PgType) -> list[ResultColumn] | None:
        """The attributes of a composite type or a table's or view's row type; None for
        any other type. A composite type's attributes may be NULL."""
        if pg_type.array_dims:
            return None
        composite = self.catalog.composites.get(pg_type.name)
        if composite is not None:
            return [ResultColumn(c.name, c.type, True) for c in composite.columns]
        relation = self.catalog.relation_columns(pg_type.name)
        if relation is not None:
            return [ResultColumn(c.name, c.type, not c.not_null) for c in relation]
        return None

    def _field_selection(self, node: exp.Dot, scope: Scope) -> Typed:
        """``(p).x``: the field ``x`` of the composite value ``p``."""
        name = ident(node.expression)
        fields = self._row_fields(node.this, scope, name)
        field = next((f for f in fields if f.name == name), None)
        if field is None:
            inner = unparen(node.this)
            if isinstance(inner, exp.Column) and not inner.args.get("table"):
                raise AnalysisError(f"column {ident(inner)}.{name} does not exist", node)
            shown = self.type_of(inner, scope).type or PgType("record")
            raise AnalysisError(f'column "{name}" not found in data type {shown.display()}', node)
        return Typed(field.type, field.nullable, field.table, field.column)


INERT = (exp.Identifier, exp.Column, exp.Literal, exp.Parameter, exp.DataType)
"""Nodes that give no context to a parameter, nor does any node below them (a
column's identifiers, a parameter's number, a type's parameters): :meth:`_infer`
visits no further. Four in five nodes a select list or WHERE holds are of these."""

_JSON_EXTRACTIONS = (
    exp.JSONExtract,
    exp.JSONExtractScalar,
    exp.JSONBExtract,
    exp.JSONBExtractScalar,
)


def _as_pg_proc(function: Function, domains: Mapping[str, Domain]) -> BuiltinFunction:
    """A schema function as the ``pg_proc`` row PostgreSQL keeps for it, its domain
    arguments taken as their base types (as a call's domain arguments are); its
    result keeps its domain, which the generated code may type apart."""

    def typname(pg_type: PgType, base: bool = False) -> str:
        domain = domains.get(pg_type.name) if base else None
        if domain is not None:
            pg_type = domain.base.array_of(pg_type.array_dims)
        return builtins.typname(pg_type.without_modifiers())

    inputs = [a for a in function.arguments if a.is_input]
    variadic = inputs[-1].type.element() if inputs and inputs[-1].mode == "variadic" else None
    defaults = 0
    for argument in reversed(inputs):
        if not argument.has_default:
            break
        defaults += 1
    return BuiltinFunction(
        name=function.name,
        args=tuple(typname(a.type, base=True) for a in inputs),
        arg_names=tuple(a.name or "" for a in inputs) if any(a.name for a in inputs) else (),
        returns=typname(function.returns) if function.returns is not None else "void",
        columns=tuple((c.name, typname(c.type)) for c in function.returns_table or ()),
        returns_set=function.returns_set,
        variadic=typname(variadic, base=True) if variadic is not None else None,
        strict=function.strict,
        kind="p" if function.kind == "procedure" else "f",
        defaults=defaults,
        aggkind=None,
    )
