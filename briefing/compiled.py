"""Querysets compiled to SQL once, then run again with new values: for the hottest public pages.

Building a queryset and compiling it to SQL costs Django more than PostgreSQL
takes to answer a one-row index lookup: on the issue page, the ORM spent
longer writing the SQL of the issue and its neighbours than the database
spent running it (0.9 of the issue's 1.8 ms on the benchmark's machine), on
every request, for SQL that only differs by the date asked for and the time
of day.

:class:`CompiledQuery` keeps the queryset as the one description of what is
fetched (``Issue.objects.published()`` stays the door), compiles it once per
database connection with :class:`Slot` expressions where the per-request
values go, and then each run fills in those values, executes the SQL and
builds the model instances as ``QuerySet.__iter__`` does, ``select_related``
included. Only what the compiled SQL holds is frozen: the query's shape and
constants such as the list of public statuses, none of which depend on the
request. On PostgreSQL the statements are also prepared, so the database
plans them once per connection too (``PREPARED_QUERIES``).
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, models, router
from django.db.models import Lookup
from django.db.models.expressions import Expression
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=models.Model)


class _Value:
    """Where a slot's value goes in a compiled query's parameters."""

    __slots__ = ("name", "field")

    def __init__(self, name: str, field: models.Field) -> None:
        self.name = name
        self.field = field

    def __repr__(self) -> str:
        return f"<{self.name}>"


class Slot(Expression):
    """A value left open in a :class:`CompiledQuery`: compiled as a parameter, filled in by each run.

    Use it as the value of a comparison (``exact``, ``lt``, ``lte``, ``gt``,
    ``gte``): ``filter(date=Slot("day", models.DateField()))``; not in
    lookups that transform their value (``in``, ``range``, ``contains``…).
    ``output_field`` prepares the value for the database as the ORM prepares
    a compared value (a datetime as text for SQLite, for instance).
    """

    def __init__(self, name: str, output_field: models.Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        return "%s", [_Value(self.name, self.output_field)]

    def resolve_expression(self, *args, **kwargs) -> "Slot":
        return self

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


class IdList(models.Field):
    """The output field of a :class:`Slot` holding a list of ids: ``filter(pk__in_slot=Slot("ids", IdList()))``."""

    def get_db_prep_value(self, value, connection, prepared: bool = False):
        ids = [int(pk) for pk in value]
        return ids if connection.vendor == "postgresql" else json.dumps(ids)


@models.IntegerField.register_lookup
class InSlot(Lookup):
    """The column is one of the ids of a slot (:class:`IdList`): one parameter, however many ids.

    ``IN (%s, %s, …)`` would make SQL of another shape for every number of
    ids, which could not be compiled once; an array (PostgreSQL) or a JSON
    list (SQLite) is one value.
    """

    lookup_name = "in_slot"
    prepare_rhs = False

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


class CompiledQuery(Generic[M]):
    """A queryset of model instances, compiled to SQL once per database connection.

    ``build`` returns the queryset of ``model``, with :class:`Slot`
    expressions for the values each run supplies by name to :meth:`run`. It
    is called the first time a thread runs the query on its connection (each
    thread has its own connection, so no compiler is shared between threads),
    and what it compiled to is kept with that thread, and dropped with it.

    Querysets of instances only, annotations included (set on each instance,
    as the queryset sets them): no ``values()`` or ``prefetch_related()``,
    which :meth:`run` does not do (refused when compiled).

    A run is also the connection's health check (``CONN_HEALTH_CHECKS``):
    Django would first send a ``SELECT 1`` of its own, one more round trip,
    to find a connection PostgreSQL dropped between requests. Here the query
    itself goes; if the connection turns out to be dead, it is replaced and
    the query sent once more, which is safe for a read outside a transaction.
    """

    def __init__(self, model: type[M], build: Callable[[], models.QuerySet]) -> None:
        self.model = model
        self.build = build
        self._local = threading.local()

    def _compile(self, connection) -> "_Compiled":
        queryset = self.build()
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise TypeError(f"{queryset!r}: CompiledQuery runs plain querysets of instances only.")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        # as_sql() also filled compiler.select and klass_info, which say which
        # column goes into which model and field, as QuerySet.__iter__ reads them.
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            connection=connection, compiler=compiler, sql=sql, params=tuple(params), model=klass_info["model"],
            start=start, end=end,
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            populators=get_related_populators(klass_info, compiler.select, connection.alias),
            converters=compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]]),
            annotations=tuple((compiler.annotation_col_map or {}).items()),
        )

    def _compiled_for(self, connection) -> "_Compiled":
        compiled = getattr(self._local, "compiled", None)
        if compiled is None or compiled.connection is not connection:
            compiled = self._local.compiled = self._compile(connection)
        return compiled

    def run(self, **values: Any) -> list[M]:
        """The instances the queryset returns with these slot values, in one query."""
        connection = connections[router.db_for_read(self.model)]
        # A connection kept from an earlier request, not checked yet in this one.
        unchecked = (
            connection.health_check_enabled and not connection.health_check_done
            and connection.connection is not None and not connection.in_atomic_block
        )
        if unchecked:
            connection.health_check_done = True  # this query is the check: no SELECT 1 first
        try:
            compiled, rows = self._fetch(connection, values)
        except (OperationalError, InterfaceError):
            if not unchecked or connection.is_usable():
                raise
            connection.close()  # dropped by the server while idle: reconnect, ask again
            compiled, rows = self._fetch(connection, values)
        except BaseException:
            if unchecked:
                connection.health_check_done = False  # the next query checks it, as Django would
            raise
        instances = []
        for row in rows:
            instance = compiled.model.from_db(connection.alias, compiled.init_list, row[compiled.start:compiled.end])
            for populator in compiled.populators:
                populator.populate(row, instance)
            for name, position in compiled.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances

    def _fetch(self, connection, values: dict[str, Any]) -> tuple["_Compiled", list]:
        compiled = self._compiled_for(connection)
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, compiled.fill(values, connection))
            rows = cursor.fetchall()
        if compiled.compiler.has_extra_select:
            rows = [row[:compiled.compiler.col_count] for row in rows]
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return compiled, rows


@dataclass(frozen=True)
class _Compiled:
    """One connection's compiled query: its SQL and how to read its rows."""

    connection: Any
    compiler: Any
    sql: str
    params: tuple
    model: type[models.Model]
    start: int
    end: int
    init_list: list[str]
    populators: list
    converters: dict
    annotations: tuple[tuple[str, int], ...]

    def fill(self, values: dict[str, Any], connection) -> list:
        """The parameters, with each slot's value prepared as the ORM would prepare it for a lookup.

        Each value once, however many times its slot appears in the SQL.
        """
        prepared: dict[tuple[str, int], Any] = {}
        params = []
        for param in self.params:
            if isinstance(param, _Value):
                key = (param.name, id(param.field))
                if key not in prepared:
                    prepared[key] = param.field.get_db_prep_value(values[param.name], connection)
                param = prepared[key]
            params.append(param)
        return params


def _cursor(connection):
    """A cursor for compiled SQL: on PostgreSQL, one that prepares its statements (see below)."""
    if connection.vendor != "postgresql" or not settings.PREPARED_QUERIES:
        return connection.cursor()
    # The SQL is the same on every run, so PostgreSQL may parse and plan it
    # once per connection instead of on every request: a server-side
    # prepared statement. Only these queries are prepared (the issue page's, the feed's
    # and the search results' entries by id), each a walk of a unique or
    # ordered index whose generic plan is as good as a custom one;
    # the rest of the site keeps Django's default of planning every query
    # for its own values. A pooler in transaction mode that does not keep
    # track of prepared statements needs PREPARED_QUERIES=0 (README, Settings).

    # Then what connection.cursor() does before it makes a cursor (the
    # health check, done or not needed, see CompiledQuery).
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _preparing_cursor_class()(connection.connection)
        _match_timezone(connection, raw)
    # Django's wrapper, as for any cursor: errors translated, queries logged where they are.
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


@functools.cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Django's cursor with server-side parameters, each statement prepared on first use."""

        def execute(self, query, params=None, **kwargs):
            # Django opens connections with psycopg's preparing off (a
            # threshold of None), which refuses even prepare=True. Turned on
            # for this statement only: with a threshold set, psycopg would
            # also keep count of every other query's text (values included).
            # A rollback still clears what is prepared (psycopg deallocates
            # it all), and the next run prepares it again.
            connection = self.connection
            threshold = connection.prepare_threshold
            if threshold is None:
                connection.prepare_threshold = sys.maxsize
            try:
                return super().execute(query, params, prepare=True, **kwargs)
            finally:
                connection.prepare_threshold = threshold

    return PreparingCursor


def _match_timezone(connection, cursor) -> None:
    # As Django's own create_cursor(): datetimes are read in the connection's
    # time zone, which a test's TIME_ZONE override may have changed.
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    loader = connection.connection.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, cursor)
