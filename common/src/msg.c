/* SPDX-License-Identifier: MIT */
/* Message layer: pack, budgeted unpack, status mapping.
 *
 * protobuf-c has no limit of its own on what one message may make it
 * allocate (a few wire bytes per repeated element become a pointer, a
 * struct and bookkeeping each: protobuf-c #796), so every decode runs
 * through an allocator that counts bytes against a budget and refuses past
 * it. The validator lives in msg_validate.c. */
#include "msg.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

/* Charged on top of each allocation so that many tiny allocations cost
 * roughly what they cost the heap, not just their payload. */
#define ALLOC_OVERHEAD 16u

struct sb_msg {
  sb_envelope_t *env;
  /* The allocator that unpacked env; free must use the same one. */
  ProtobufCAllocator alloc;
  size_t budget;
  /* Every byte handed out while decoding, freed or not: protobuf-c frees
   * and reallocates when a field repeats, and that must not dodge the
   * budget. */
  size_t used;
  int refused;
  int oom;
};

static void *budget_alloc(void *ctx, size_t size) {
  sb_msg_t *m = ctx;
  size_t left = m->budget - m->used;
  if (size > left || ALLOC_OVERHEAD > left - size) {
    m->refused = 1;
    return NULL;
  }
  /* sb_malloc(0) is NULL, which protobuf-c would take as failure. */
  void *p = sb_malloc(size ? size : 1);
  if (!p) {
    m->oom = 1;
    return NULL;
  }
  m->used += size + ALLOC_OVERHEAD;
  return p;
}

static void budget_free(void *ctx, void *ptr) {
  (void)ctx;
  sb_free(ptr);
}

/* Deeper than any message of the schema; a guard for the recursion below,
 * not a protocol limit. */
#define SCAN_MAX_DEPTH 16

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (*p == end)
      return SB_EDECODE;
    uint8_t b = *(*p)++;
    r |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return SB_EDECODE;
}

/* Walk the wire form of a message of type d and refuse a NUL byte in any
 * string field, at any depth. Runs after protobuf-c accepted the bytes,
 * but checks every bound again rather than trust that. */
static int scan_strings(const ProtobufCMessageDescriptor *d, const uint8_t *p,
                        const uint8_t *end, int depth) {
  if (depth > SCAN_MAX_DEPTH)
    return SB_EDECODE;
  while (p < end) {
    uint64_t key, n;
    int err = read_varint(&p, end, &key);
    if (err)
      return err;
    switch (key & 7) {
    case 0:
      err = read_varint(&p, end, &n);
      if (err)
        return err;
      break;
    case 1:
      if (end - p < 8)
        return SB_EDECODE;
      p += 8;
      break;
    case 5:
      if (end - p < 4)
        return SB_EDECODE;
      p += 4;
      break;
    case 2: {
      err = read_varint(&p, end, &n);
      if (err)
        return err;
      if (n > (uint64_t)(end - p))
        return SB_EDECODE;
      uint64_t id = key >> 3;
      const ProtobufCFieldDescriptor *f =
          id <= 0x1FFFFFFF
              ? protobuf_c_message_descriptor_get_field(d, (unsigned)id)
              : NULL;
      if (f && f->type == PROTOBUF_C_TYPE_STRING &&
          memchr(p, 0, (size_t)n) != NULL)
        return SB_EUTF8;
      if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        err = scan_strings(f->descriptor, p, p + n, depth + 1);
        if (err)
          return err;
      }
      p += n;
      break;
    }
    default:
      /* Groups (3, 4) are not proto3; 6 and 7 do not exist. */
      return SB_EDECODE;
    }
  }
  return 0;
}

int sb_msg_unpack(const uint8_t *buf, size_t len, size_t budget,
                  sb_msg_t **out) {
  static const uint8_t empty[1];
  sb_msg_t *m = NULL;
  int err;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if ((!buf && len) || budget == 0)
    return SB_EINVAL;
  if (!buf)
    buf = empty;

  m = sb_calloc(1, sizeof *m);
  if (!m)
    return SB_ENOMEM;
  m->budget = budget;
  m->alloc.alloc = budget_alloc;
  m->alloc.free = budget_free;
  m->alloc.allocator_data = m;

  m->env = sbwire__v1__envelope__unpack(&m->alloc, len, buf);
  if (!m->env) {
    err = m->refused ? SB_EBUDGET : m->oom ? SB_ENOMEM : SB_EDECODE;
    goto fail;
  }
  /* protobuf-c keeps strings as C strings, so an embedded NUL would be
   * silently cut off here and be invisible to the validator: look for it
   * in the wire bytes while they are still at hand. */
  err = scan_strings(&sbwire__v1__envelope__descriptor, buf, buf + len, 0);
  if (err)
    goto fail;
  *out = m;
  return 0;

fail:
  sb_msg_free(m);
  return err;
}

int sb_msg_decode(const uint8_t *buf, size_t len, sb_msg_t **out,
                  const char **why) {
  sb_msg_t *m = NULL;
  int err;

  if (why)
    *why = NULL;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  err = sb_msg_unpack(buf, len, SB_MSG_DECODE_BUDGET, &m);
  if (err) {
    if (why)
      *why = err == SB_EUTF8 ? "string holds a NUL byte" : sb_strerror(err);
    return err;
  }
  err = sb_msg_validate(m->env, why);
  if (err) {
    sb_msg_free(m);
    return err;
  }
  *out = m;
  return 0;
}

const sb_envelope_t *sb_msg_envelope(const sb_msg_t *m) {
  return m ? m->env : NULL;
}

void sb_msg_free(sb_msg_t *m) {
  if (!m)
    return;
  if (m->env)
    protobuf_c_message_free_unpacked(&m->env->base, &m->alloc);
  sb_free(m);
}

size_t sb_msg_packed_size(const sb_envelope_t *env) {
  return env ? protobuf_c_message_get_packed_size(&env->base) : 0;
}

int sb_msg_pack_to(const sb_envelope_t *env, uint8_t *buf, size_t cap,
                   size_t *len) {
  if (len)
    *len = 0;
  if (!env || !len || (!buf && cap))
    return SB_EINVAL;
  size_t need = protobuf_c_message_get_packed_size(&env->base);
  if (need > cap)
    return SB_ETOOBIG;
  *len = need ? protobuf_c_message_pack(&env->base, buf) : 0;
  return 0;
}

int sb_msg_pack(const sb_envelope_t *env, uint8_t **out, size_t *len) {
  if (out)
    *out = NULL;
  if (len)
    *len = 0;
  if (!env || !out || !len)
    return SB_EINVAL;
  size_t need = protobuf_c_message_get_packed_size(&env->base);
  /* An empty envelope packs to zero bytes; still hand out a real buffer so
   * callers can free it without a special case. */
  uint8_t *buf = sb_malloc(need ? need : 1);
  if (!buf)
    return SB_ENOMEM;
  *len = need ? protobuf_c_message_pack(&env->base, buf) : 0;
  *out = buf;
  return 0;
}

/* ---- wire Status <-> SB_E* ----
 * The first table is a bijection, so an error relayed through the service
 * (status -> code -> status) arrives unchanged. The second maps the
 * remaining codes onto the closest status. */
static const struct {
  int status;
  int err;
} status_map[] = {
    {SBWIRE__V1__STATUS__STATUS_INVALID, SB_EFIELD},
    {SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION, SB_EVERSION},
    {SBWIRE__V1__STATUS__STATUS_BUSY, SB_EBUSY},
    {SBWIRE__V1__STATUS__STATUS_TIMEOUT, SB_ETIMEDOUT},
    {SBWIRE__V1__STATUS__STATUS_NO_SESSION, SB_ENOSESSION},
    {SBWIRE__V1__STATUS__STATUS_NO_AGENT, SB_ENOAGENT},
    {SBWIRE__V1__STATUS__STATUS_LOCKED, SB_ELOCKED},
    {SBWIRE__V1__STATUS__STATUS_TOO_LARGE, SB_ETOOBIG},
    {SBWIRE__V1__STATUS__STATUS_CANCELLED, SB_ECANCELED},
    {SBWIRE__V1__STATUS__STATUS_AGENT_LOST, SB_EPIPE},
    {SBWIRE__V1__STATUS__STATUS_INTERNAL, SB_EOS},
    /* A cancel or answer for a request that is not outstanding. */
    {SBWIRE__V1__STATUS__STATUS_UNKNOWN_REQUEST, SB_ESTATE},
    {SBWIRE__V1__STATUS__STATUS_DENIED, SB_EACCES},
    {SBWIRE__V1__STATUS__STATUS_UNSUPPORTED, SB_EUNSUPPORTED},
    {SBWIRE__V1__STATUS__STATUS_DISCONNECTED, SB_EDISCONNECTED},
};

static const struct {
  int err;
  int status;
} err_extra[] = {
    {SB_EINVAL, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EPROTO, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EDECODE, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EUNKNOWNFIELD, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EONEOF, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EENUM, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EUTF8, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_EBUDGET, SBWIRE__V1__STATUS__STATUS_TOO_LARGE},
    {SB_ESHORT, SBWIRE__V1__STATUS__STATUS_INVALID},
    {SB_ELIMIT, SBWIRE__V1__STATUS__STATUS_BUSY},
    {SB_EAGAIN, SBWIRE__V1__STATUS__STATUS_BUSY},
    {SB_EOF, SBWIRE__V1__STATUS__STATUS_AGENT_LOST},
    {SB_ETRUNC, SBWIRE__V1__STATUS__STATUS_AGENT_LOST},
    {SB_ECLOSED, SBWIRE__V1__STATUS__STATUS_AGENT_LOST},
    {SB_ENOTOKEN, SBWIRE__V1__STATUS__STATUS_NO_AGENT},
    {SB_EPEER, SBWIRE__V1__STATUS__STATUS_DENIED},
    {SB_EAUTH, SBWIRE__V1__STATUS__STATUS_DENIED},
};

int sb_status_to_err(int status) {
  if (status == SBWIRE__V1__STATUS__STATUS_OK)
    return 0;
  for (size_t i = 0; i < sizeof status_map / sizeof status_map[0]; i++)
    if (status_map[i].status == status)
      return status_map[i].err;
  /* UNSPECIFIED or a value this build does not know. */
  return SB_EREMOTE;
}

int sb_err_to_status(int err) {
  if (err == 0)
    return SBWIRE__V1__STATUS__STATUS_OK;
  for (size_t i = 0; i < sizeof status_map / sizeof status_map[0]; i++)
    if (status_map[i].err == err)
      return status_map[i].status;
  for (size_t i = 0; i < sizeof err_extra / sizeof err_extra[0]; i++)
    if (err_extra[i].err == err)
      return err_extra[i].status;
  return SBWIRE__V1__STATUS__STATUS_INTERNAL;
}

const char *sb_status_name(int status) {
  const ProtobufCEnumValue *v =
      protobuf_c_enum_descriptor_get_value(&sbwire__v1__status__descriptor,
                                           status);
  return v ? v->name : "STATUS_UNKNOWN";
}
