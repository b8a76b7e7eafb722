/* SPDX-License-Identifier: MIT */
/* Unix domain socket transport (the POSIX side of transport.h).
 *
 * Blocking I/O with deadlines: reads are a blocking recv bounded by
 * SO_RCVTIMEO, writes try first and poll only on a full buffer, accepts
 * poll. A stream costs one descriptor: it is interrupted by setting a flag
 * and shutting the socket down, which wakes a recv or poll blocked on it
 * in another thread. (A self-pipe per stream tripled the descriptors, and a
 * server under the usual 1024 limit ran out of them near 340 connections,
 * well below its cap.) The listener keeps a self-pipe, since shutdown does
 * not wake a listening socket's poll, and a spare descriptor so that when
 * the process is out of descriptors it can still take a pending connection
 * off the backlog and close it instead of leaving it queued forever. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "internal.h"
#include "log.h"
#include "paths.h"
#include "thread.h"
#include "transport.h"

struct sb_stream {
  int fd;
  int interrupted; /* atomic: set once by sb_stream_interrupt */
  int rcvtimeo_ms; /* SO_RCVTIMEO as last set (0 forever), -1 unknown */
};

struct sb_listener {
  int fd;
  int wake[2];
  int spare; /* reserved descriptor for accepting under EMFILE, or -1 */
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int os_err(void) { return sb__translate_os_error(errno); }

static int make_wake(int wake[2]) {
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return os_err();
  return 0;
}

static void close_wake(int wake[2]) {
  if (wake[0] >= 0)
    close(wake[0]);
  if (wake[1] >= 0)
    close(wake[1]);
  wake[0] = wake[1] = -1;
}

static int stream_interrupted(sb_stream_t *s) {
  return __atomic_load_n(&s->interrupted, __ATOMIC_ACQUIRE);
}

/* Wait until fd is ready for events, the wake pipe fires (wake >= 0), or
 * the deadline passes. An interrupted stream needs no wake pipe: its
 * shutdown makes the poll return with POLLHUP, and the caller checks the
 * flag before trying again. */
static int wait_fd(int fd, int wake, short events, int timeout_ms) {
  /* poll ignores a negative descriptor. */
  struct pollfd p[2] = {{fd, events, 0}, {wake, POLLIN, 0}};
  uint64_t end = timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  for (;;) {
    int wait = -1;
    if (timeout_ms >= 0) {
      uint64_t now = sb_now_ms();
      wait = now >= end ? 0 : (int)(end - now);
    }
    int r = poll(p, 2, wait);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return os_err();
    }
    if (p[1].revents)
      return SB_ECANCELED;
    if (r == 0)
      return SB_ETIMEDOUT;
    if (p[0].revents)
      return 0;
  }
}

static int fill_addr(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  /* Pathname sockets only: an abstract name (leading NUL) would ignore
   * file permissions entirely. */
  if (!path[0] || strlen(path) >= sizeof a->sun_path)
    return SB_EINVAL;
  memcpy(a->sun_path, path, strlen(path));
  return 0;
}

static sb_stream_t *stream_new(int fd) {
  sb_stream_t *s = sb_calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->fd = fd;
  s->rcvtimeo_ms = -1;
  return s;
}

int sb_endpoint_default(const char *short_name, char *buf, size_t cap) {
  char dir[512];
  int err;
  if (!short_name || !buf)
    return SB_EINVAL;
  err = sb_path_data_dir(dir, sizeof dir);
  if (err)
    return err;
  if ((size_t)snprintf(buf, cap, "%s/%s.sock", dir, short_name) >= cap)
    return SB_ETOOBIG;
  return 0;
}

/* The socket's directory decides who can replace the socket: it must be
 * ours (or root's) and writable by nobody else. */
static int check_dir(const char *path) {
  char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
  struct stat st;
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else if (slash == path)
    snprintf(dir, sizeof dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (stat(dir, &st) != 0)
    return os_err();
  if (!S_ISDIR(st.st_mode) ||
      (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & 022)) {
    sb_log(SB_LOG_ERROR,
           "refusing to listen in %s: it must be a directory owned by us or "
           "root and not writable by group or others",
           dir);
    return SB_EACCES;
  }
  return 0;
}

/* Something already at the path: a stale socket of a dead server is
 * removed; a live one, or anything else, is refused (a pre-placed file or
 * symlink must never be followed or replaced). */
static int clear_stale(const char *path) {
  struct stat st;
  struct sockaddr_un a;
  int fd, r;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? 0 : os_err();
  if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
    sb_log(SB_LOG_ERROR, "refusing to listen: %s exists and is not our socket",
           path);
    return SB_EEXIST;
  }
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return os_err();
  fill_addr(&a, path);
  r = connect(fd, (struct sockaddr *)&a, sizeof a);
  close(fd);
  if (r == 0) {
    sb_log(SB_LOG_ERROR, "refusing to listen: %s is in use by a live server",
           path);
    return SB_EEXIST;
  }
  if (errno != ECONNREFUSED)
    return os_err();
  return unlink(path) == 0 ? 0 : os_err();
}

int sb_listener_open(sb_listener_t **out, const char *endpoint,
                     const sb_listen_opts_t *opts) {
  sb_listener_t *l = NULL;
  struct sockaddr_un a;
  mode_t old_umask;
  int err, r;

  if (!out || !endpoint || !opts)
    return SB_EINVAL;
  *out = NULL;
  if ((err = fill_addr(&a, endpoint)) != 0)
    return err;
  if ((err = check_dir(endpoint)) != 0 || (err = clear_stale(endpoint)) != 0)
    return err;
  l = sb_calloc(1, sizeof *l);
  if (!l)
    return SB_ENOMEM;
  l->wake[0] = l->wake[1] = -1;
  l->spare = -1;
  snprintf(l->path, sizeof l->path, "%s", endpoint);
  l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l->fd < 0) {
    err = os_err();
    goto fail;
  }
  /* Created with no permissions for anyone else, then widened to the
   * requested mode: no window where the socket is more open than asked. */
  old_umask = umask(0177);
  r = bind(l->fd, (struct sockaddr *)&a, sizeof a);
  umask(old_umask);
  if (r != 0) {
    err = os_err();
    goto fail;
  }
  if (chmod(endpoint, opts->mode ? opts->mode : 0600) != 0 ||
      (opts->gid >= 0 && opts->gid != (long)getegid() &&
       chown(endpoint, (uid_t)-1, (gid_t)opts->gid) != 0) ||
      listen(l->fd, 128) != 0) {
    err = os_err();
    unlink(endpoint);
    goto fail;
  }
  if ((err = make_wake(l->wake)) != 0) {
    unlink(endpoint);
    goto fail;
  }
  /* Best effort: without it, EMFILE leaves connections in the backlog. */
  l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  *out = l;
  return 0;

fail:
  if (l->fd >= 0)
    close(l->fd);
  close_wake(l->wake);
  if (l->spare >= 0)
    close(l->spare);
  sb_free(l);
  return err;
}

int sb_listener_accept(sb_listener_t *l, sb_stream_t **out, int timeout_ms) {
  int err, fd;
  if (!l || !out)
    return SB_EINVAL;
  *out = NULL;
  for (;;) {
    err = wait_fd(l->fd, l->wake[0], POLLIN, timeout_ms);
    if (err)
      return err;
    fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
      break;
    if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
      continue;
    if (errno == EMFILE || errno == ENFILE) {
      /* Out of descriptors: the connection would stay queued and poll
       * would report it again at once (a busy loop). Free the spare, take
       * the connection, close it so the client sees EOF, and say so.
       * Without a spare nothing can be taken: the caller backs off. */
      if (l->spare < 0)
        return SB_EAGAIN;
      close(l->spare);
      fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        close(fd);
      l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
      return SB_ELIMIT;
    }
    return os_err();
  }
  /* A spare lost to a race when it was last reopened comes back once
   * descriptors are free again. */
  if (l->spare < 0)
    l->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
  *out = stream_new(fd);
  if (!*out) {
    close(fd);
    return SB_ENOMEM;
  }
  return 0;
}

void sb_listener_interrupt(sb_listener_t *l) {
  if (l && write(l->wake[1], "x", 1) < 0) {
    /* The pipe already holds a wake byte: nothing more to do. */
  }
}

void sb_listener_close(sb_listener_t *l) {
  if (!l)
    return;
  close(l->fd);
  unlink(l->path);
  close_wake(l->wake);
  if (l->spare >= 0)
    close(l->spare);
  sb_free(l);
}

int sb__listener_describe(sb_listener_t *l, char *buf, size_t cap) {
  struct stat st;
  if (!l || !buf)
    return SB_EINVAL;
  if (stat(l->path, &st) != 0)
    return os_err();
  snprintf(buf, cap, "mode=0%o uid=%ld gid=%ld", (unsigned)(st.st_mode & 07777),
           (long)st.st_uid, (long)st.st_gid);
  return 0;
}

int sb__listener_flags(sb_listener_t *l, uint32_t *open_mode,
                      uint32_t *pipe_mode) {
  if (!l || !open_mode || !pipe_mode)
    return SB_EINVAL;
  /* Named-pipe flags do not exist here. */
  *open_mode = 0;
  *pipe_mode = 0;
  return 0;
}

int sb__listener_anchor(sb_listener_t *l, uint32_t *client_pid,
                        uint32_t *instances) {
  (void)l;
  (void)client_pid;
  (void)instances;
  return SB_EUNSUPPORTED; /* a socket needs no anchor */
}

int sb_stream_connect(sb_stream_t **out, const char *endpoint,
                      int timeout_ms) {
  struct sockaddr_un a;
  uint64_t end = sb_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
  int err, fd;
  if (!out || !endpoint)
    return SB_EINVAL;
  *out = NULL;
  if ((err = fill_addr(&a, endpoint)) != 0)
    return err;
  for (;;) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return os_err();
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
      break;
    err = os_err();
    close(fd);
    /* A full backlog (EAGAIN) is a busy server: retry until the deadline,
     * as a Windows client waits for a free pipe instance. */
    if (err != SB_EAGAIN || sb_now_ms() >= end)
      return err;
    sb_sleep_ms(10);
  }
  *out = stream_new(fd);
  if (!*out) {
    close(fd);
    return SB_ENOMEM;
  }
  return 0;
}

/* Make a blocking recv wait at most ms (0: forever), if it does not
 * already. The kernel keeps the value, so a run of reads with the same
 * wait costs no extra syscall. */
static int set_rcvtimeo(sb_stream_t *s, int ms) {
  struct timeval tv;
  if (s->rcvtimeo_ms == ms)
    return 0;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  if (setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
    return os_err();
  s->rcvtimeo_ms = ms;
  return 0;
}

/* The largest power of two not above ms: the receive timeout is set to
 * this, never more than the caller's wait, so a recv can only return
 * early (then we go round again with what is left), and the successive
 * waits of one deadline take few distinct values (each a setsockopt). */
static int floor_pow2(int ms) {
  int p = 1;
  while (p <= ms / 2)
    p *= 2;
  return p;
}

/* A blocking recv bounded by SO_RCVTIMEO, not poll + recv: one syscall
 * per read instead of two when data comes within the wait, which is most
 * of a request's round trip (docs/performance.md). sb_stream_interrupt's
 * shutdown wakes a blocked recv, which then reads 0. */
int sb_stream_read(sb_stream_t *s, void *buf, size_t len, size_t *nread,
                   int timeout_ms) {
  uint64_t end = timeout_ms > 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  ssize_t n;
  int err;
  if (!s || !buf || !nread)
    return SB_EINVAL;
  *nread = 0;
  for (;;) {
    int flags = 0;
    if (stream_interrupted(s))
      return SB_ECANCELED;
    if (timeout_ms < 0) {
      err = set_rcvtimeo(s, 0);
    } else {
      uint64_t now = sb_now_ms();
      if (now >= end) { /* end is 0 when timeout_ms is 0 */
        flags = MSG_DONTWAIT; /* no wait left: take what is there */
        err = 0;
      } else {
        err = set_rcvtimeo(s, floor_pow2((int)(end - now)));
      }
    }
    if (err)
      return err;
    n = recv(s->fd, buf, len, flags);
    if (n > 0) {
      *nread = (size_t)n;
      return 0;
    }
    /* Our own shutdown also reads as EOF: report the interrupt. */
    if (stream_interrupted(s))
      return SB_ECANCELED;
    if (n == 0)
      return SB_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (flags)
        return SB_ETIMEDOUT;
      continue; /* the receive timeout ran out; the deadline decides */
    }
    if (errno == EINTR)
      continue;
    return errno == ECONNRESET ? SB_EOF : os_err();
  }
}

int sb_stream_write(sb_stream_t *s, const void *buf, size_t len,
                    int timeout_ms) {
  const uint8_t *p = buf;
  uint64_t end = timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  if (!s || (!buf && len))
    return SB_EINVAL;
  while (len > 0) {
    int wait = -1, err;
    if (stream_interrupted(s))
      return SB_ECANCELED;
    /* Try first: a socket buffer with room (the usual case) takes the
     * bytes at once, and a poll before every send was one syscall per
     * frame for nothing (docs/performance.md). */
    ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      return stream_interrupted(s) ? SB_ECANCELED : os_err();
    if (timeout_ms >= 0) {
      uint64_t now = sb_now_ms();
      /* A peer that stops reading fills the socket buffer: the write
       * deadline turns that into a dropped connection, not a stuck
       * thread. */
      if (now >= end)
        return SB_ETIMEDOUT;
      wait = (int)(end - now);
    }
    err = wait_fd(s->fd, -1, POLLOUT, wait);
    if (err)
      return err;
  }
  return 0;
}

int sb_stream_peer(sb_stream_t *s, sb_peer_t *out) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (!s || !out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
  /* Credentials as they were at connect() time: a peer cannot change
   * them afterwards by exec'ing something else. */
  if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
    return os_err();
  out->pid = (uint32_t)cred.pid;
  out->session_id = 0;
  out->uid = (long)cred.uid;
  out->gid = (long)cred.gid;
  return 0;
}

int sb_stream_peer_is_admin(sb_stream_t *s, int *is_admin) {
  sb_peer_t p;
  int err;
  if (!is_admin)
    return SB_EINVAL;
  *is_admin = 0;
  err = sb_stream_peer(s, &p);
  if (!err)
    *is_admin = p.uid == 0;
  return err;
}

int sb_stream_server_pid(sb_stream_t *s, uint32_t *pid) {
  sb_peer_t p;
  int err;
  if (!pid)
    return SB_EINVAL;
  err = sb_stream_peer(s, &p);
  if (!err)
    *pid = p.pid;
  return err;
}

void sb_stream_interrupt(sb_stream_t *s) {
  if (!s)
    return;
  __atomic_store_n(&s->interrupted, 1, __ATOMIC_RELEASE);
  /* Wakes a recv or poll blocked on the socket in another thread; what
   * was already written stays readable by the peer, which then sees EOF. */
  (void)shutdown(s->fd, SHUT_RDWR);
}

void sb_stream_close(sb_stream_t *s) {
  if (!s)
    return;
  close(s->fd);
  sb_free(s);
}
