"""The server's ledger of what every session's uploads hold in memory.

One process serves every visitor, and Streamlit keeps a closed tab's session (with its uploads)
for ``server.disconnectedSessionTTL`` seconds. So before an upload is parsed, its estimated size
is reserved here against :class:`aecore.budget.Budget`'s ``max_upload_held_bytes`` (one session)
and ``max_server_upload_bytes`` (every session together); a session's entry for a part
("data", "encode") is replaced by its next upload and dropped when the session ends, i.e. when
the token kept in its ``st.session_state`` is garbage-collected with that state.
"""

from __future__ import annotations

import gc
import threading
import weakref

import streamlit as st

from aecore.budget import Budget, resolve


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f}"


class UploadRefused(ValueError):
    """An upload that would take a session or the server over the budget; the numbers (bytes)
    let the app say it in the visitor's language."""

    def __init__(self, message: str, *, scope: str, held: int, needed: int, limit: int):
        super().__init__(message)
        self.scope, self.held, self.needed, self.limit = scope, held, needed, limit


class _SessionToken:
    """Kept in a session's state; when the state is dropped (the session ended), so is its entry."""


class UploadLedger:
    """Bytes held by uploads, per (session id, part); thread-safe (sessions run on their own
    threads, and a token's finaliser runs on whichever thread drops the state)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[str, dict[str, int]] = {}

    def token(self, session_id: str) -> _SessionToken:
        """A token to keep in the session's state: the session's entries go when it is collected.
        The finaliser holds the ledger and the id only, never the token or the session."""
        token = _SessionToken()
        weakref.finalize(token, self.release, session_id)
        return token

    def total(self) -> int:
        """Bytes held by every session's uploads."""
        with self._lock:
            return sum(sum(parts.values()) for parts in self._held.values())

    def session_total(self, session_id: str) -> int:
        """Bytes held by one session's uploads."""
        with self._lock:
            return sum(self._held.get(session_id, {}).values())

    def held(self, session_id: str, part: str) -> int:
        """Bytes of one part of a session's uploads (0 when none)."""
        with self._lock:
            return self._held.get(session_id, {}).get(part, 0)

    def hold(self, session_id: str, part: str, n_bytes: int) -> None:
        """Record what a part holds, unchecked: after parsing (the real size) or to restore the
        entry an upload that failed replaced. 0 drops the part."""
        with self._lock:
            parts = self._held.setdefault(session_id, {})
            if n_bytes > 0:
                parts[part] = int(n_bytes)
            else:
                parts.pop(part, None)
            if not parts:
                del self._held[session_id]

    def reserve(self, session_id: str, part: str, n_bytes: int, *, budget: Budget | None = None) -> int:
        """Replace a part's entry with ``n_bytes`` when the session and the server stay within
        ``budget``; returns the bytes it replaced (to :meth:`hold` again if the upload fails).
        Raises :class:`UploadRefused` (a ValueError) naming the bytes and the limit otherwise."""
        budget = resolve(budget)
        for attempt in range(2):
            with self._lock:
                parts = self._held.get(session_id, {})
                previous = parts.get(part, 0)
                session = sum(parts.values()) - previous + int(n_bytes)
                others = sum(sum(p.values()) for p in self._held.values()) - sum(parts.values())
                server = others + session
                if session <= budget.max_upload_held_bytes and server <= budget.max_server_upload_bytes:
                    self._held.setdefault(session_id, {})[part] = int(n_bytes)
                    return previous
            if attempt == 0 and server > budget.max_server_upload_bytes:
                # A session that ended may wait for the cycle collector to drop its state (and
                # token); collect once before refusing, only when the server looks full.
                gc.collect()
        if session > budget.max_upload_held_bytes:
            raise UploadRefused(
                f"Your uploads would hold {_mb(session)} MB; the limit is "
                f"{_mb(budget.max_upload_held_bytes)} MB per visitor. Upload a smaller sample "
                "(fewer rows, columns or images).",
                scope="session", held=session, needed=int(n_bytes), limit=int(budget.max_upload_held_bytes))
        raise UploadRefused(
            f"The server holds {_mb(others)} MB of uploads for all visitors; this file needs "
            f"{_mb(n_bytes)} MB and the limit is {_mb(budget.max_server_upload_bytes)} MB. Try a "
            "smaller file, or try again later.",
            scope="server", held=others, needed=int(n_bytes), limit=int(budget.max_server_upload_bytes))

    def release(self, session_id: str) -> None:
        """Drop every entry of a session (it ended)."""
        with self._lock:
            self._held.pop(session_id, None)


_LEDGER = UploadLedger()


def upload_ledger() -> UploadLedger:
    """The one ledger of this server process: a module global, not ``st.cache_resource``, which
    any browser can ask the server to clear (a new, empty ledger would forget every upload)."""
    return _LEDGER


def session_id() -> str:
    """This session's id, with the token that releases its entries when the session ends."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    sid = ctx.session_id if ctx is not None else "no session"
    ledger = upload_ledger()
    # The token is tied to the ledger that made it (tests may swap the ledger).
    held = st.session_state.get("upload_ledger.token")
    if held is None or held[0] is not ledger:
        st.session_state["upload_ledger.token"] = (ledger, ledger.token(sid))
    return sid
