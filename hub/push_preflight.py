"""Before a sync: every source that pushes can take what it is configured to push.

A push field the target has no place for (no mapped column, no child table) used to be dropped while
pushing and the record counted as "corrected"; asking each connector first (:meth:`SourceConnector.
push_problems`) turns it into a configuration error that names source, field and why, before anything
is pulled or written. A source that cannot be reached here is left to its extract step, which reports
it the usual way: only what is known wrong stops the sync.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connectors.base import ConnectorError, SourceConnector
from schemas import SourceConfig


class PushConfigError(ValueError):
    """Push fields some source cannot take; one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"push configuration does not fit the target:\n{lines}")


def check_push_configuration(
    sources: Iterable[SourceConfig], connector_for: Callable[[SourceConfig], SourceConnector]
) -> None:
    """Raise :class:`PushConfigError` listing what each pushing source cannot take."""
    problems: list[str] = []
    for source in sources:
        if not source.push_back:
            continue
        try:
            connector = connector_for(source)
        except ValueError as exc:  # the connector refuses its configuration (e.g. a push field)
            problems.append(str(exc))
            continue
        except Exception:  # noqa: BLE001 - unreachable credentials etc.: the extract step reports them
            continue
        try:
            problems += connector.push_problems()
        except ConnectorError:
            pass  # not reachable now: the extract step says so
        finally:
            close = getattr(connector, "close", None)
            if callable(close):
                close()
    if problems:
        raise PushConfigError(problems)
