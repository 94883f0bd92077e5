"""Expression types and nullability: columns, literals, casts, operators, CASE,
subqueries and function calls; and parameter types inferred from the expression a
parameter appears in.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence

from sqlglot import exp

from pgsqlgen.catalog.model import Function
from pgsqlgen.pg.functions import (
    ARG,
    ELEMENT,
    FLOAT_OR_NUMERIC,
    FUNCTIONS,
    KEYWORD_ARGUMENTS,
    SIGNATURES,
    float_or_numeric,
    sum_type,
    wider_numeric,
)
from pgsqlgen.pg.types import BOOL, FLOAT8, INT4, INT8, NUMERIC, TEXT, PgType, from_sqlglot
from pgsqlgen.queries.analysis.base import AnalyserBase
from pgsqlgen.queries.analysis.model import AnalysisError, ResultColumn, Scope, Typed
from pgsqlgen.queries.analysis.syntax import function_name, name_hint, quantified_array, unparen


class ExpressionAnalyser(AnalyserBase):
    @abstractmethod
    def statement(self, node: exp.Expr, outer: Scope) -> list[ResultColumn]:
        """The output columns of a (sub)statement: subqueries are expressions too."""

    def type_of(self, node: exp.Expr, scope: Scope) -> Typed:
        node = unparen(node)
        if isinstance(node, exp.Column):
            if isinstance(node.this, exp.Star):
                raise AnalysisError("* is not allowed here", node)
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
        if isinstance(node, exp.Null):
            return Typed(None, True)
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
        if isinstance(node, exp.Window):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.JSONExtractScalar):
            self.type_of(node.this, scope)
            return Typed(TEXT, True)
        if isinstance(node, exp.JSONExtract):
            source = self.type_of(node.this, scope)
            return Typed(
                source.type
                if source.type in (PgType("json"), PgType("jsonb"))
                else PgType("jsonb"),
                True,
            )
        if isinstance(node, exp.DPipe):
            left = self.type_of(node.this, scope)
            right = self.type_of(node.expression, scope)
            result = left.type if left.type is not None and left.type.array_dims else TEXT
            return Typed(result, left.nullable or right.nullable)
        if isinstance(node, exp.Var):
            # A keyword in argument position, such as extract's field: never null.
            return Typed(None, False)
        if isinstance(node, exp.Kwarg):
            return self.type_of(node.expression, scope)
        if isinstance(node, exp.Pow):
            # power() and ``^`` are defined for float8 and numeric only, not per input type.
            return self._function(node, scope)
        if isinstance(node, exp.Binary):
            return self._arithmetic(node, scope)
        if isinstance(node, exp.Neg | exp.BitwiseNot):
            return self.type_of(node.this, scope)
        if isinstance(node, exp.Case):
            return self._case(node, scope)
        if isinstance(node, exp.Array):
            elements = [self.type_of(e, scope) for e in node.expressions]
            element = next((e.type for e in elements if e.type is not None), None)
            return Typed(element.array_of() if element is not None else None, False)
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
        left = self.type_of(node.this, scope)
        right = self.type_of(node.expression, scope)
        nullable = left.nullable or right.nullable
        a, b = left.type, right.type
        if a is None or b is None:
            return Typed(a or b, nullable)
        names = {a.name, b.name}
        if names <= {"timestamptz", "timestamp", "date"} and isinstance(node, exp.Sub):
            return Typed(PgType("interval") if a.name != "date" else INT4, nullable)
        for temporal in ("timestamptz", "timestamp", "date", "time"):
            if temporal in names:
                return Typed(
                    PgType("timestamp") if {"date", "interval"} == names else PgType(temporal),
                    nullable,
                )
        return Typed(wider_numeric(a, b), nullable)

    def _case(self, node: exp.Case, scope: Scope) -> Typed:
        branches = [i.args["true"] for i in node.args.get("ifs") or []]
        default = node.args.get("default")
        for condition in node.args.get("ifs") or []:
            self._infer(condition.this, scope)
        if default is not None:
            branches.append(default)
        typed = [self.type_of(b, scope) for b in branches]
        chosen = next((t.type for t in typed if t.type is not None), None)
        return Typed(chosen, default is None or any(t.nullable for t in typed))

    def _function(self, node: exp.Func, scope: Scope) -> Typed:
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        if isinstance(node, exp.Count):
            for arg in args:
                self._infer(arg, scope)
            return Typed(INT8, False)
        if isinstance(node, exp.Coalesce):
            typed = [self.type_of(a, scope) for a in args]
            chosen = next((t.type for t in typed if t.type is not None), None)
            return Typed(chosen, all(t.nullable for t in typed))
        typed = [self.type_of(a, scope) for a in args]
        first = typed[0].type if typed else None
        strict_nullable = any(t.nullable for t in typed)
        if isinstance(node, exp.Sum):
            return Typed(sum_type(first), True)
        if isinstance(node, exp.Avg):
            return Typed(
                FLOAT8 if first is not None and first.name in ("float4", "float8") else NUMERIC,
                True,
            )
        if isinstance(node, exp.Max | exp.Min):
            return Typed(first, True)
        if isinstance(node, exp.ArrayAgg):
            return Typed(first.array_of() if first is not None else None, True)
        if isinstance(node, exp.Nullif):
            return Typed(first, True)
        if isinstance(node, exp.Greatest | exp.Least):
            chosen = next((t.type for t in typed if t.type is not None), None)
            return Typed(chosen, all(t.nullable for t in typed))
        name = function_name(node)
        known = FUNCTIONS.get(name)
        if known is not None:
            result, nullable = known
            if nullable is None:
                nullable = strict_nullable
            if result == ARG:
                return Typed(first, nullable)
            if result == ELEMENT:
                return Typed(self._element(first), True)
            if result == FLOAT_OR_NUMERIC:
                return Typed(float_or_numeric([t.type for t in typed]), nullable)
            assert isinstance(result, PgType)
            return Typed(result, nullable)
        function = self._user_function(name, args, [t.type for t in typed], scope)
        if function is not None:
            # A STRICT function is NULL on a NULL argument; otherwise, as its body says,
            # which the catalog cannot see: possibly NULL.
            return Typed(function.returns, strict_nullable if function.strict else True)
        return Typed(None, True)

    def _user_function(
        self, name: str, args: Sequence[exp.Expr], types: list[PgType | None], scope: Scope
    ) -> Function | None:
        """The overload of a user-defined function a call resolves to; binds its parameters.

        Candidates are the overloads the call's arity (or argument names)
        fits, narrowed by the argument types already known; a call that
        still fits several stays unresolved, as PostgreSQL would need casts
        to choose.
        """
        overloads = self.catalog.functions.get(name, [])
        keywords = [a for a in args if isinstance(a, exp.Kwarg)]

        def fits(function: Function) -> bool:
            inputs = [a for a in function.arguments if a.is_input]
            if not function.required_args <= len(args) <= len(inputs):
                return False
            names = {a.name for a in inputs[len(args) - len(keywords) :]}
            return all(k.name.lower() in names for k in keywords)

        candidates = [f for f in overloads if fits(f)]
        if len(candidates) > 1:
            candidates = [
                f
                for f in candidates
                if all(t is None or t == a for t, a in zip(types, f.arg_types, strict=False))
            ]
        if len(candidates) != 1:
            return None
        function = candidates[0]
        inputs = [a for a in function.arguments if a.is_input]
        by_name = {a.name: a.type for a in inputs}
        for position, arg in enumerate(args):
            if isinstance(arg, exp.Kwarg):
                self._bind_param(arg.expression, by_name.get(arg.name.lower()), scope)
            else:
                self._bind_param(arg, inputs[position].type, scope, inputs[position].name)
        return function

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
        elif isinstance(node, exp.Binary) and not isinstance(node, exp.Connector):
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
            self._bind_param(left, self._operand_type(right, scope), scope, name_hint(right))
            self._bind_param(right, self._operand_type(left, scope), scope, name_hint(left))
            if isinstance(node, exp.EQ | exp.NEQ):
                self._note_origin(left, right, scope)
                self._note_origin(right, left, scope)
        elif isinstance(node, exp.In):
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
        elif isinstance(node, exp.Coalesce | exp.Greatest | exp.Least | exp.Nullif):
            args = [node.this, *node.expressions]
            if isinstance(node, exp.Nullif):
                args = [node.this, node.expression]
            known = next((t for t in (self.type_of(a, scope).type for a in args) if t), None)
            for arg in args:
                self._bind_param(arg, known, scope)

        elif isinstance(node, exp.Func):
            self._bind_arguments(node, scope)

    def _bind_arguments(self, node: exp.Func, scope: Scope) -> None:
        """Type parameters passed to a built-in function from its signature.

        A parameter gets the argument type of the one signature with as many
        arguments as the call has (PostgreSQL would report a call matching
        none); with several candidates of that arity it stays untyped.
        """
        name = function_name(node)
        signatures = SIGNATURES.get(name)
        if signatures is None:
            return
        args = [a for a in node.iter_expressions() if not isinstance(a, exp.Star)]
        named = [a for a in args if isinstance(a, exp.Kwarg)]
        if named:
            keywords = KEYWORD_ARGUMENTS.get(name, {})
            for keyword in named:
                self._bind_param(keyword.expression, keywords.get(keyword.name.lower()), scope)
            return
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
