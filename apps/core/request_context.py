"""The current request id, readable from logs, tasks and handlers."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
