# SPDX-License-Identifier: MIT
"""Python binding of libsessionbridge's client API (sessionbridge/client.h).

ctypes only, no third-party packages. The shared library is found through
SB_LIBRARY (a path), else the system's loader (libsessionbridge.so.0,
sessionbridge.dll).

    import sessionbridge
    with sessionbridge.Client() as c:
        for s in c.sessions():
            print(s.session_id, s.user, s.agent_connected)
        if c.message_box(1, "Backup", "Restart now?",
                         buttons=sessionbridge.BUTTONS_YES_NO,
                         timeout_ms=60000) == "yes":
            png, w, h = c.screenshot(1)

Every method takes deadline_ms (0: 30 s) and raises sessionbridge.Error on
failure, with .code (SB_E*), .name ("SB_ETIMEDOUT"), .status (what the
service answered, "" when local) and .detail.
"""
import ctypes
import ctypes.util
import os
import sys
from collections import namedtuple

__all__ = ["Client", "Error", "version", "Session", "SessionInfo",
           "SessionEvent"]

BUTTONS_OK, BUTTONS_OK_CANCEL, BUTTONS_YES_NO, BUTTONS_YES_NO_CANCEL, \
    BUTTONS_RETRY_CANCEL = 1, 2, 3, 4, 5
ICON_NONE, ICON_INFO, ICON_WARNING, ICON_ERROR, ICON_QUESTION = 0, 1, 2, 3, 4
SCREEN_ALL = -1
CLIPBOARD_SENSITIVE = 1
_ANSWERS = {0: "timeout", 1: "ok", 2: "cancel", 3: "yes", 4: "no", 5: "retry"}
# sb_notify_outcome_t; the words are the ones sbctl notify prints.
_OUTCOMES = {1: "accepted", 2: "shown", 3: "clicked", 4: "dismissed",
             5: "timed out"}

Session = namedtuple("Session", "session_id state user agent_connected "
                     "agent_pid launches locked session_state remote")
SessionEvent = namedtuple("SessionEvent", "session_id change locked user "
                          "agent_pid lost")
_CHANGES = {1: "logon", 2: "logoff", 3: "lock", 4: "unlock", 5: "agent-up",
            6: "agent-down"}
SessionInfo = namedtuple("SessionInfo", "session_id user domain locked "
                         "idle_ms is_console state")


def _load():
    path = os.environ.get("SB_LIBRARY")
    if not path:
        path = ctypes.util.find_library("sessionbridge")
    if not path:
        path = "sessionbridge.dll" if sys.platform == "win32" \
            else "libsessionbridge.so.0"
    return ctypes.CDLL(path)


_lib = _load()
_u32, _int, _sz = ctypes.c_uint32, ctypes.c_int, ctypes.c_size_t
_p = ctypes.c_void_p


class _Session(ctypes.Structure):
    _fields_ = [("session_id", _u32), ("state", ctypes.c_char_p),
                ("user", ctypes.c_char_p), ("agent_connected", _int),
                ("agent_pid", _u32), ("launches", _u32), ("locked", _int),
                ("session_state", ctypes.c_char_p), ("remote", _int)]


class _SessionInfo(ctypes.Structure):
    _fields_ = [("session_id", _u32), ("user", ctypes.c_char_p),
                ("domain", ctypes.c_char_p), ("locked", _int),
                ("idle_ms", ctypes.c_uint64), ("is_console", _int),
                ("state", ctypes.c_char_p)]


class _Event(ctypes.Structure):
    _fields_ = [("session_id", _u32), ("change", _int), ("locked", _int),
                ("user", ctypes.c_char_p), ("agent_pid", _u32),
                ("lost", _u32)]


class _Region(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int32), ("y", ctypes.c_int32),
                ("width", _u32), ("height", _u32)]


def _sig(name, res, *args):
    f = getattr(_lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_P = ctypes.POINTER
_open = _sig("sb_client_open", _int, _P(_p), ctypes.c_char_p,
             ctypes.c_char_p, _u32)
_close = _sig("sb_client_close", None, _p)
_cancel = _sig("sb_client_cancel", None, _p)
_status = _sig("sb_client_error_status", ctypes.c_char_p)
_detail = _sig("sb_client_error_detail", ctypes.c_char_p)
_errname = _sig("sb_err_name", ctypes.c_char_p, _int)
_free = _sig("sb_free", None, _p)
_sessions = _sig("sb_client_sessions", _int, _p, _u32,
                 _P(_P(_Session)), _P(_sz))
_ping = _sig("sb_client_ping", _int, _p, _u32, _u32, _P(_u32))
_info = _sig("sb_client_session_info", _int, _p, _u32, _u32,
             _P(_P(_SessionInfo)))
_msgbox = _sig("sb_client_message_box", _int, _p, _u32, ctypes.c_char_p,
               ctypes.c_char_p, _int, _int, _u32, ctypes.c_uint, _u32,
               _P(_int), _P(_int))
_notify = _sig("sb_client_notify", _int, _p, _u32, ctypes.c_char_p,
               ctypes.c_char_p, _int, _u32, _u32, _P(_int), _P(_int))
_get_text = _sig("sb_client_clipboard_get_text", _int, _p, _u32, _u32,
                 _P(_p), _P(_sz))
_set_text = _sig("sb_client_clipboard_set_text", _int, _p, _u32,
                 ctypes.c_char_p, _sz, ctypes.c_uint, _u32)
_get_image = _sig("sb_client_clipboard_get_image", _int, _p, _u32, _u32,
                  _P(_p), _P(_sz))
_set_image = _sig("sb_client_clipboard_set_image", _int, _p, _u32,
                  ctypes.c_char_p, _sz, ctypes.c_uint, _u32)
_screenshot = _sig("sb_client_screenshot", _int, _p, _u32, _int, _P(_Region),
                   ctypes.c_uint, _u32, _P(_p), _P(_sz), _P(_u32), _P(_u32),
                   _P(ctypes.c_int32), _P(ctypes.c_int32))
_subscribe = _sig("sb_client_subscribe", _int, _p, _int, _u32)
_next_event = _sig("sb_client_next_event", _int, _p, _u32, _P(_P(_Event)))
_version = _sig("sb_version_string", ctypes.c_char_p)


def version():
    """The version of the loaded library, "MAJOR.MINOR.PATCH"."""
    return _version().decode()


class Error(Exception):
    """A failed call: code (negative SB_E*), name, status, detail."""

    def __init__(self, code):
        self.code = code
        self.name = _errname(code).decode()
        # Per thread in the library: read on the thread that failed.
        self.status = _status().decode("utf-8", "replace")
        self.detail = _detail().decode("utf-8", "replace")
        super().__init__("%s%s%s (%s)" % (self.status,
                                          ": " if self.status else "",
                                          self.detail, self.name))


def _check(err):
    if err:
        raise Error(err)


def _s(text):
    return text.encode("utf-8") if isinstance(text, str) else text


def _take(ptr, n):
    """Copy n bytes from library memory and free it."""
    if not ptr.value:
        return None
    try:
        return ctypes.string_at(ptr.value, n)
    finally:
        _free(ptr)


class Client:
    """One connection to sbservice; may be shared by threads."""

    def __init__(self, endpoint=None, key_path=None, deadline_ms=5000):
        self._h = _p()
        _check(_open(ctypes.byref(self._h), _s(endpoint), _s(key_path),
                     deadline_ms))

    def close(self):
        if self._h:
            _close(self._h)
            self._h = _p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    def cancel(self):
        """From any thread: calls in progress raise Error (SB_ECANCELED)."""
        _cancel(self._h)

    def sessions(self, deadline_ms=0):
        lst, n = _P(_Session)(), _sz()
        _check(_sessions(self._h, deadline_ms, ctypes.byref(lst),
                         ctypes.byref(n)))
        try:
            return [Session(e.session_id, e.state.decode(), e.user.decode(),
                            bool(e.agent_connected), e.agent_pid, e.launches,
                            bool(e.locked), e.session_state.decode(),
                            bool(e.remote))
                    for e in lst[:n.value]]
        finally:
            _free(lst)

    def ping(self, session, deadline_ms=0):
        """The round trip time in ms."""
        rtt = _u32()
        _check(_ping(self._h, session, deadline_ms, ctypes.byref(rtt)))
        return rtt.value

    def session_info(self, session, deadline_ms=0):
        p = _P(_SessionInfo)()
        _check(_info(self._h, session, deadline_ms, ctypes.byref(p)))
        try:
            i = p.contents
            return SessionInfo(i.session_id, i.user.decode(),
                               i.domain.decode(), bool(i.locked), i.idle_ms,
                               bool(i.is_console), i.state.decode())
        finally:
            _free(p)

    def message_box(self, session, title, text, buttons=BUTTONS_OK,
                    icon=ICON_NONE, timeout_ms=0, wait_for_connect=False,
                    deadline_ms=0):
        """"ok", "cancel", "yes", "no", "retry" or "timeout"."""
        answer, fallback = _int(), _int()
        _check(_msgbox(self._h, session, _s(title), _s(text), buttons, icon,
                       timeout_ms, 1 if wait_for_connect else 0, deadline_ms,
                       ctypes.byref(answer), ctypes.byref(fallback)))
        return _ANSWERS.get(answer.value, "none")

    def notify(self, session, title, text, icon=ICON_NONE, wait_ms=0,
               deadline_ms=0):
        """(outcome, shown): outcome is "accepted", "shown", "clicked",
        "dismissed" or "timed out"; shown is True only when the shell said
        so. wait_ms > 0 waits that long for a final outcome: give
        deadline_ms more."""
        outcome, shown = _int(), _int()
        _check(_notify(self._h, session, _s(title), _s(text), icon, wait_ms,
                       deadline_ms, ctypes.byref(outcome),
                       ctypes.byref(shown)))
        return _OUTCOMES.get(outcome.value, "accepted"), bool(shown.value)

    def clipboard_get_text(self, session, deadline_ms=0):
        """The text, or None when the clipboard holds none."""
        p, n = _p(), _sz()
        _check(_get_text(self._h, session, deadline_ms, ctypes.byref(p),
                         ctypes.byref(n)))
        data = _take(p, n.value)
        return None if data is None else data.decode("utf-8")

    def clipboard_set_text(self, session, text, sensitive=False,
                           deadline_ms=0):
        """sensitive: keep it out of clipboard history and monitors."""
        data = _s(text)
        _check(_set_text(self._h, session, data, len(data),
                         CLIPBOARD_SENSITIVE if sensitive else 0,
                         deadline_ms))

    def clipboard_get_image(self, session, deadline_ms=0):
        """PNG bytes, or None when the clipboard holds no image."""
        p, n = _p(), _sz()
        _check(_get_image(self._h, session, deadline_ms, ctypes.byref(p),
                          ctypes.byref(n)))
        return _take(p, n.value)

    def clipboard_set_image(self, session, png, sensitive=False,
                            deadline_ms=0):
        _check(_set_image(self._h, session, png, len(png),
                          CLIPBOARD_SENSITIVE if sensitive else 0,
                          deadline_ms))

    def screenshot(self, session, monitor=SCREEN_ALL, region=None,
                   deadline_ms=0):
        """(png_bytes, width, height); region is (x, y, width, height)."""
        p, n, w, h = _p(), _sz(), _u32(), _u32()
        r = ctypes.byref(_Region(*region)) if region else None
        _check(_screenshot(self._h, session, monitor, r, 0, deadline_ms,
                           ctypes.byref(p), ctypes.byref(n), ctypes.byref(w),
                           ctypes.byref(h), None, None))
        return _take(p, n.value), w.value, h.value

    def subscribe(self, on=True, deadline_ms=0):
        """Ask for session changes (logon, logoff, lock, unlock, agent-up,
        agent-down) from now on; next_event() returns them."""
        _check(_subscribe(self._h, 1 if on else 0, deadline_ms))

    def next_event(self, deadline_ms=0):
        """The next SessionEvent (change is "logon", "agent-down"...);
        raises Error (SB_ETIMEDOUT) when none came in time."""
        p = _P(_Event)()
        _check(_next_event(self._h, deadline_ms, ctypes.byref(p)))
        try:
            e = p.contents
            return SessionEvent(e.session_id, _CHANGES.get(e.change, "unknown"),
                                bool(e.locked), e.user.decode(), e.agent_pid,
                                e.lost)
        finally:
            _free(p)
