/* SPDX-License-Identifier: MIT */
/* Named-pipe transport (the Windows side of transport.h).
 *
 * Overlapped I/O waited with a deadline and an interrupt event, so every
 * call is bounded and any thread can wake a blocked one. Pipes are always
 * created with an explicit security descriptor, the first instance with
 * FILE_FLAG_FIRST_PIPE_INSTANCE (an existing name means a squatter) and
 * every instance with PIPE_REJECT_REMOTE_CLIENTS. As go-winio does, the
 * next instance is created before a connected one is handed out, so the
 * name never disappears and cannot be taken over between connections. */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "internal.h"
#include "log.h"
#include "thread.h"
#include "transport.h"

#define NAME_MAX_W 256
#define DEFAULT_BUFFER (64u * 1024u)

struct sb_stream {
  HANDLE h;
  HANDLE read_ev;
  HANDLE write_ev;
  HANDLE interrupt_ev; /* manual reset: once set, every call fails */
};

struct sb_listener {
  WCHAR name[NAME_MAX_W];
  PSECURITY_DESCRIPTOR sd;
  SECURITY_ATTRIBUTES sa;
  DWORD buffer;
  DWORD first_open_mode;
  DWORD pipe_mode;
  HANDLE pending; /* the instance waiting for a client */
  /* The first instance (FILE_FLAG_FIRST_PIPE_INSTANCE), held with our own
   * client on it for the listener's whole life: the name's instance count
   * never falls to zero between two listening instances or after a failed
   * create, so no one else can ever create the "first" instance of it. */
  HANDLE anchor;
  HANDLE anchor_client;
  OVERLAPPED ov;
  int connected;  /* pending already has a client */
  HANDLE interrupt_ev;
};

static int last_err(void) { return sb__translate_os_error((int)GetLastError()); }

static int to_wide(const char *s, WCHAR *out, int cap) {
  if (!MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, out, cap))
    return SB_EINVAL;
  return 0;
}

int sb_endpoint_default(const char *short_name, char *buf, size_t cap) {
  if (!short_name || !buf)
    return SB_EINVAL;
  if ((size_t)snprintf(buf, cap, "\\\\.\\pipe\\%s", short_name) >= cap)
    return SB_ETOOBIG;
  return 0;
}

static sb_stream_t *stream_new(HANDLE h) {
  sb_stream_t *s = sb_calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->h = h;
  s->read_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  s->write_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  s->interrupt_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!s->read_ev || !s->write_ev || !s->interrupt_ev) {
    if (s->read_ev)
      CloseHandle(s->read_ev);
    if (s->write_ev)
      CloseHandle(s->write_ev);
    if (s->interrupt_ev)
      CloseHandle(s->interrupt_ev);
    sb_free(s);
    return NULL;
  }
  return s;
}

/* The anchor: the first instance of the name, occupied by a client
 * handle of our own so that no outside client is ever connected to it
 * (one that were would wait forever: nobody serves the anchor). */
static int create_anchor(sb_listener_t *l) {
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                    FILE_FLAG_FIRST_PIPE_INSTANCE;
  HANDLE h = CreateNamedPipeW(l->name, open_mode, l->pipe_mode,
                              PIPE_UNLIMITED_INSTANCES, 64, 64, 0, &l->sa);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    if (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY)
      return SB_EEXIST;
    return sb__translate_os_error((int)e);
  }
  l->first_open_mode = open_mode;
  l->anchor = h;
  /* The only instance so far, so this connects to the anchor. A DACL
   * that does not let us read (none of ours) leaves it unoccupied: it
   * still holds the name. */
  l->anchor_client =
      CreateFileW(l->name, GENERIC_READ, 0, NULL, OPEN_EXISTING,
                  SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
  if (l->anchor_client == INVALID_HANDLE_VALUE) {
    sb_log(SB_LOG_WARN, "pipe anchor: cannot occupy it: error %lu",
           (unsigned long)GetLastError());
    l->anchor_client = NULL;
  }
  return 0;
}

/* Create one instance and start waiting for its client. */
static int create_instance(sb_listener_t *l, int first) {
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED |
                    (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  HANDLE h = CreateNamedPipeW(l->name, open_mode, l->pipe_mode,
                              PIPE_UNLIMITED_INSTANCES, l->buffer, l->buffer,
                              0, &l->sa);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    if (first && (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY))
      return SB_EEXIST;
    return sb__translate_os_error((int)e);
  }
  if (first)
    l->first_open_mode = open_mode;
  ResetEvent(l->ov.hEvent);
  l->pending = h;
  l->connected = 0;
  if (!ConnectNamedPipe(h, &l->ov)) {
    DWORD e = GetLastError();
    if (e == ERROR_PIPE_CONNECTED) {
      l->connected = 1;
    } else if (e != ERROR_IO_PENDING) {
      CloseHandle(h);
      l->pending = NULL;
      return sb__translate_os_error((int)e);
    }
  } else {
    l->connected = 1;
  }
  return 0;
}

int sb_listener_open(sb_listener_t **out, const char *endpoint,
                     const sb_listen_opts_t *opts) {
  sb_listener_t *l;
  WCHAR sddl[1024];
  int err;
  if (!out || !endpoint || !opts)
    return SB_EINVAL;
  *out = NULL;
  /* There is no default security: a pipe created with a NULL descriptor
   * gets a DACL that lets Everyone read it. */
  if (!opts->sddl || !opts->sddl[0])
    return SB_EINVAL;
  l = sb_calloc(1, sizeof *l);
  if (!l)
    return SB_ENOMEM;
  if ((err = to_wide(endpoint, l->name, NAME_MAX_W)) != 0 ||
      (err = to_wide(opts->sddl, sddl, 1024)) != 0)
    goto fail;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          sddl, SDDL_REVISION_1, &l->sd, NULL)) {
    err = SB_EINVAL;
    goto fail;
  }
  l->sa.nLength = sizeof l->sa;
  l->sa.lpSecurityDescriptor = l->sd;
  l->sa.bInheritHandle = FALSE;
  l->buffer = opts->buffer_size ? opts->buffer_size : DEFAULT_BUFFER;
  l->pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
                 PIPE_REJECT_REMOTE_CLIENTS;
  l->ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
  l->interrupt_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!l->ov.hEvent || !l->interrupt_ev) {
    err = last_err();
    goto fail;
  }
  err = create_anchor(l);
  if (err) {
    if (err == SB_EEXIST)
      sb_log(SB_LOG_ERROR,
             "refusing to serve %s: a pipe of that name already exists "
             "(another instance, or a squatter)",
             endpoint);
    goto fail;
  }
  if ((err = create_instance(l, 0)) != 0)
    goto fail;
  *out = l;
  return 0;

fail:
  if (l->anchor_client)
    CloseHandle(l->anchor_client);
  if (l->anchor)
    CloseHandle(l->anchor);
  if (l->ov.hEvent)
    CloseHandle(l->ov.hEvent);
  if (l->interrupt_ev)
    CloseHandle(l->interrupt_ev);
  if (l->sd)
    LocalFree(l->sd);
  sb_free(l);
  return err;
}

int sb_listener_accept(sb_listener_t *l, sb_stream_t **out, int timeout_ms) {
  HANDLE waits[2];
  HANDLE conn;
  DWORD r, n;
  uint64_t end = timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  int err;
  if (!l || !out)
    return SB_EINVAL;
  *out = NULL;
  for (;;) {
    /* An interrupt wins even if a connect completed at the same time. */
    if (WaitForSingleObject(l->interrupt_ev, 0) == WAIT_OBJECT_0)
      return SB_ECANCELED;
    if (!l->pending && (err = create_instance(l, 0)) != 0)
      return err;
    if (l->connected)
      break;
    DWORD wait = INFINITE;
    if (timeout_ms >= 0) {
      uint64_t now = sb_now_ms();
      wait = now >= end ? 0 : (DWORD)(end - now);
    }
    waits[0] = l->ov.hEvent;
    waits[1] = l->interrupt_ev;
    r = WaitForMultipleObjects(2, waits, FALSE, wait);
    if (r == WAIT_OBJECT_0 + 1)
      return SB_ECANCELED;
    if (r == WAIT_TIMEOUT)
      return SB_ETIMEDOUT;
    if (r != WAIT_OBJECT_0)
      return last_err();
    if (GetOverlappedResult(l->pending, &l->ov, &n, FALSE))
      break;
    /* The client left before we saw it: recycle the instance and keep
     * waiting for the next one. */
    DisconnectNamedPipe(l->pending);
    CloseHandle(l->pending);
    l->pending = NULL;
  }
  conn = l->pending;
  l->pending = NULL;
  /* The next instance exists before this one is handed out. */
  err = create_instance(l, 0);
  if (err)
    sb_log(SB_LOG_WARN, "cannot create the next pipe instance: %s",
           sb_strerror(err));
  *out = stream_new(conn);
  if (!*out) {
    CloseHandle(conn);
    return SB_ENOMEM;
  }
  return 0;
}

void sb_listener_interrupt(sb_listener_t *l) {
  if (l)
    SetEvent(l->interrupt_ev);
}

void sb_listener_close(sb_listener_t *l) {
  if (!l)
    return;
  if (l->pending) {
    DWORD n = 0;
    /* The kernel writes into l->ov until the cancelled ConnectNamedPipe
     * completes: wait for that before the OVERLAPPED is freed. */
    if (CancelIoEx(l->pending, &l->ov) || GetLastError() != ERROR_NOT_FOUND)
      GetOverlappedResult(l->pending, &l->ov, &n, TRUE);
    CloseHandle(l->pending);
  }
  if (l->anchor_client)
    CloseHandle(l->anchor_client);
  if (l->anchor)
    CloseHandle(l->anchor);
  CloseHandle(l->ov.hEvent);
  CloseHandle(l->interrupt_ev);
  LocalFree(l->sd);
  sb_free(l);
}

int sb__listener_describe(sb_listener_t *l, char *buf, size_t cap) {
  PSECURITY_DESCRIPTOR sd = NULL;
  LPSTR str = NULL;
  int err = 0;
  if (!l || !buf || !l->pending)
    return SB_EINVAL;
  /* Read back from the kernel object, not from our own string: this is
   * what the pipe really carries. */
  if (GetSecurityInfo(l->pending, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION,
                      NULL, NULL, NULL, NULL, &sd) != ERROR_SUCCESS)
    return SB_EOS;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, NULL))
    err = last_err();
  else if ((size_t)snprintf(buf, cap, "%s", str) >= cap)
    err = SB_ETOOBIG;
  if (str)
    LocalFree(str);
  LocalFree(sd);
  return err;
}

int sb__listener_flags(sb_listener_t *l, uint32_t *open_mode,
                      uint32_t *pipe_mode) {
  if (!l || !open_mode || !pipe_mode)
    return SB_EINVAL;
  *open_mode = l->first_open_mode;
  *pipe_mode = l->pipe_mode;
  return 0;
}

int sb__listener_anchor(sb_listener_t *l, uint32_t *client_pid,
                        uint32_t *instances) {
  ULONG pid = 0;
  DWORD n = 0;
  if (!l || !client_pid || !instances)
    return SB_EINVAL;
  *client_pid = 0;
  *instances = 0;
  if (!l->anchor)
    return SB_ESTATE;
  if (!GetNamedPipeHandleStateW(l->anchor, NULL, &n, NULL, NULL, NULL, 0))
    return last_err();
  if (GetNamedPipeClientProcessId(l->anchor, &pid))
    *client_pid = (uint32_t)pid;
  *instances = (uint32_t)n;
  return 0;
}

int sb_stream_connect(sb_stream_t **out, const char *endpoint,
                      int timeout_ms) {
  WCHAR name[NAME_MAX_W];
  uint64_t start = sb_now_ms();
  uint64_t end = start + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
  HANDLE h;
  int err;
  if (!out || !endpoint)
    return SB_EINVAL;
  *out = NULL;
  if ((err = to_wide(endpoint, name, NAME_MAX_W)) != 0)
    return err;
  for (;;) {
    /* Identification only: a server can learn who we are but can never
     * act as us (no PrintSpoofer-style impersonation). */
    h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                    FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                        SECURITY_IDENTIFICATION,
                    NULL);
    if (h != INVALID_HANDLE_VALUE)
      break;
    DWORD e = GetLastError();
    uint64_t now = sb_now_ms();
    if (now >= end)
      return sb__translate_os_error((int)e);
    if (e == ERROR_PIPE_BUSY) {
      WaitNamedPipeW(name, (DWORD)(end - now));
    } else if (e == ERROR_FILE_NOT_FOUND && now - start < 500) {
      /* A server between two instances, or just starting: brief retry. */
      Sleep(10);
    } else {
      return sb__translate_os_error((int)e);
    }
  }
  *out = stream_new(h);
  if (!*out) {
    CloseHandle(h);
    return SB_ENOMEM;
  }
  return 0;
}

/* Wait for an overlapped operation with a deadline; cancel it on timeout
 * or interrupt. */
static int finish_io(sb_stream_t *s, OVERLAPPED *ov, HANDLE ev, DWORD *n,
                     int timeout_ms) {
  HANDLE waits[2] = {ev, s->interrupt_ev};
  DWORD r = WaitForMultipleObjects(2, waits, FALSE,
                                   timeout_ms < 0 ? INFINITE
                                                  : (DWORD)timeout_ms);
  int err = 0;
  if (r != WAIT_OBJECT_0) {
    err = r == WAIT_TIMEOUT ? SB_ETIMEDOUT
          : r == WAIT_OBJECT_0 + 1 ? SB_ECANCELED
                                   : last_err();
    CancelIoEx(s->h, ov);
  }
  /* Wait for the cancel to land: the OVERLAPPED must outlive the I/O. If
   * the operation completed anyway, its result wins. */
  if (GetOverlappedResult(s->h, ov, n, TRUE))
    return 0;
  DWORD e = GetLastError();
  if (e == ERROR_OPERATION_ABORTED && err)
    return err;
  if (e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ||
      e == ERROR_NO_DATA)
    return SB_EOF;
  return sb__translate_os_error((int)e);
}

int sb_stream_read(sb_stream_t *s, void *buf, size_t len, size_t *nread,
                   int timeout_ms) {
  OVERLAPPED ov;
  DWORD n = 0;
  int err;
  if (!s || !buf || !nread)
    return SB_EINVAL;
  *nread = 0;
  if (WaitForSingleObject(s->interrupt_ev, 0) == WAIT_OBJECT_0)
    return SB_ECANCELED;
  if (len > 0x7fffffff)
    len = 0x7fffffff;
  for (;;) {
    memset(&ov, 0, sizeof ov);
    ov.hEvent = s->read_ev;
    ResetEvent(s->read_ev);
    if (ReadFile(s->h, buf, (DWORD)len, NULL, &ov) ||
        GetLastError() == ERROR_IO_PENDING) {
      err = finish_io(s, &ov, s->read_ev, &n, timeout_ms);
    } else {
      DWORD e = GetLastError();
      err = e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ||
                    e == ERROR_NO_DATA
                ? SB_EOF
                : sb__translate_os_error((int)e);
    }
    if (err)
      return err == SB_EPIPE ? SB_EOF : err;
    if (n > 0)
      break;
    /* A zero-byte message carries nothing: wait for real data. */
  }
  *nread = n;
  return 0;
}

int sb_stream_write(sb_stream_t *s, const void *buf, size_t len,
                    int timeout_ms) {
  const uint8_t *p = buf;
  uint64_t end = timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  if (!s || (!buf && len))
    return SB_EINVAL;
  while (len > 0) {
    OVERLAPPED ov;
    DWORD n = 0, chunk = len > 0x10000000 ? 0x10000000 : (DWORD)len;
    int wait = -1, err;
    if (WaitForSingleObject(s->interrupt_ev, 0) == WAIT_OBJECT_0)
      return SB_ECANCELED;
    if (timeout_ms >= 0) {
      uint64_t now = sb_now_ms();
      if (now >= end)
        return SB_ETIMEDOUT;
      wait = (int)(end - now);
    }
    memset(&ov, 0, sizeof ov);
    ov.hEvent = s->write_ev;
    ResetEvent(s->write_ev);
    if (WriteFile(s->h, p, chunk, NULL, &ov) ||
        GetLastError() == ERROR_IO_PENDING)
      err = finish_io(s, &ov, s->write_ev, &n, wait);
    else
      err = last_err();
    if (err)
      return err == SB_EOF ? SB_EPIPE : err;
    p += n;
    len -= n;
  }
  return 0;
}

/* The client's user SID, read from its token at Identification level
 * (the client opened with SECURITY_IDENTIFICATION). */
static void client_sid(sb_stream_t *s, char *out, size_t cap) {
  HANDLE tok = NULL;
  BYTE buf[256];
  DWORD n = 0;
  LPSTR str = NULL;
  out[0] = 0;
  if (!ImpersonateNamedPipeClient(s->h))
    return;
  BOOL ok = OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &tok);
  /* Running on as the client would be a privilege escalation; if we
   * cannot go back, there is no safe way to continue. */
  if (!RevertToSelf())
    abort();
  if (!ok)
    return;
  if (GetTokenInformation(tok, TokenUser, buf, sizeof buf, &n) &&
      ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &str)) {
    snprintf(out, cap, "%s", str);
    LocalFree(str);
  }
  CloseHandle(tok);
}

int sb_stream_peer(sb_stream_t *s, sb_peer_t *out) {
  ULONG pid = 0, session = 0;
  if (!s || !out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
  out->uid = -1;
  out->gid = -1;
  if (!GetNamedPipeClientProcessId(s->h, &pid))
    return last_err();
  if (!GetNamedPipeClientSessionId(s->h, &session))
    return last_err();
  out->pid = (uint32_t)pid;
  out->session_id = (uint32_t)session;
  client_sid(s, out->sid, sizeof out->sid);
  return 0;
}

int sb_stream_peer_is_admin(sb_stream_t *s, int *is_admin) {
  HANDLE tok = NULL;
  BYTE sys[SECURITY_MAX_SID_SIZE], admins[SECURITY_MAX_SID_SIZE];
  BYTE ubuf[256];
  DWORD n = sizeof sys, m = sizeof admins, got = 0;
  BOOL member = FALSE;
  int err = 0;
  if (!s || !is_admin)
    return SB_EINVAL;
  *is_admin = 0;
  if (!ImpersonateNamedPipeClient(s->h))
    return last_err();
  BOOL ok = OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &tok);
  if (!RevertToSelf())
    abort();
  if (!ok)
    return last_err();
  if (!CreateWellKnownSid(WinLocalSystemSid, NULL, sys, &n) ||
      !CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, admins, &m)) {
    err = last_err();
    goto out;
  }
  if (GetTokenInformation(tok, TokenUser, ubuf, sizeof ubuf, &got) &&
      EqualSid(((TOKEN_USER *)ubuf)->User.Sid, sys)) {
    *is_admin = 1;
    goto out;
  }
  /* CheckTokenMembership wants an impersonation token; the one we hold is
   * the client's, at the level it allowed (Identification suffices). */
  if (CheckTokenMembership(tok, admins, &member) && member)
    *is_admin = 1;
out:
  CloseHandle(tok);
  return err;
}

int sb_stream_server_pid(sb_stream_t *s, uint32_t *pid) {
  ULONG p = 0;
  if (!s || !pid)
    return SB_EINVAL;
  if (!GetNamedPipeServerProcessId(s->h, &p))
    return last_err();
  *pid = (uint32_t)p;
  return 0;
}

void sb_stream_interrupt(sb_stream_t *s) {
  if (s)
    SetEvent(s->interrupt_ev);
}

void sb_stream_close(sb_stream_t *s) {
  if (!s)
    return;
  CloseHandle(s->h);
  CloseHandle(s->read_ev);
  CloseHandle(s->write_ev);
  CloseHandle(s->interrupt_ev);
  sb_free(s);
}
