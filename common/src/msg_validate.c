/* SPDX-License-Identifier: MIT */
/* Envelope validation.
 *
 * Two layers. A generic walk over the protobuf-c descriptors checks what
 * holds for every message: no unknown fields, enum values among the
 * declared ones (proto3 enums are open, and protobuf-c stores any number it
 * reads), strings valid UTF-8, a set oneof member actually present. Then a
 * table of per-field size limits and a few per-message rules (the oneofs
 * that carry the meaning, deadlines, region sizes, transfer caps).
 *
 * Over a documented cap is SB_ETOOBIG (answered STATUS_TOO_LARGE, as
 * protocol.md says); any other bad value is SB_EFIELD. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "msg.h"

/* Far deeper than the schema goes (Envelope > Response > SessionListResponse
 * > SessionEntry); it only bounds the recursion. */
#define MAX_DEPTH 16

static int fail(const char **why, const char *msg, int err) {
  if (why)
    *why = msg;
  return err;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF,
 * and no NUL. */
int sb_utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    uint32_t cp, min;
    size_t len;
    if (c == 0)
      return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return 0;
    }
    if (n - i < len)
      return 0;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += len;
  }
  return 1;
}

static size_t elem_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_ENUM:
    return 4;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE:
    return 8;
  case PROTOBUF_C_TYPE_BOOL:
    return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE:
    return sizeof(void *);
  case PROTOBUF_C_TYPE_BYTES:
    return sizeof(ProtobufCBinaryData);
  }
  return 0;
}

/* ---- per-field size limits ---- */

typedef struct {
  const ProtobufCMessageDescriptor *msg;
  unsigned id;
  size_t min, max;
  const char *why;
} limit_t;

static const limit_t limits[] = {
    {&sbwire__v1__hello__descriptor, 2, 32, 32,
     "hello.kx_public_key must be 32 bytes"},
    {&sbwire__v1__hello__descriptor, 3, 32, 32, "hello.nonce must be 32 bytes"},
    {&sbwire__v1__confirm__descriptor, 1, 32, 32,
     "confirm.transcript_hash must be 32 bytes"},
    {&sbwire__v1__ping_request__descriptor, 1, 0, SB_MSG_PING_MAX,
     "ping payload over 64 KiB"},
    {&sbwire__v1__ping_response__descriptor, 1, 0, SB_MSG_PING_MAX,
     "ping payload over 64 KiB"},
    {&sbwire__v1__session_info_response__descriptor, 2, 0, SB_MSG_USER_MAX,
     "session_info.user over 512 bytes"},
    {&sbwire__v1__session_info_response__descriptor, 3, 0, SB_MSG_USER_MAX,
     "session_info.domain over 512 bytes"},
    {&sbwire__v1__session_info_response__descriptor, 7, 0, SB_MSG_USER_MAX,
     "session_info.state over 512 bytes"},
    {&sbwire__v1__message_box_request__descriptor, 1, 0, SB_MSG_TITLE_MAX,
     "message_box.title over 1 KiB"},
    {&sbwire__v1__message_box_request__descriptor, 2, 0, SB_MSG_TEXT_MAX,
     "message_box.text over 64 KiB"},
    {&sbwire__v1__notify_request__descriptor, 1, 0, SB_MSG_TITLE_MAX,
     "notify.title over 1 KiB"},
    {&sbwire__v1__notify_request__descriptor, 2, 0, SB_MSG_NOTIFY_TEXT_MAX,
     "notify.text over 4 KiB"},
    {&sbwire__v1__clipboard_get_response__descriptor, 2, 0, SB_MSG_INLINE_MAX,
     "clipboard_get inline data over 512 KiB"},
    {&sbwire__v1__clipboard_set_request__descriptor, 2, 0, SB_MSG_INLINE_MAX,
     "clipboard_set inline data over 512 KiB"},
    {&sbwire__v1__screenshot_response__descriptor, 5, 0, SB_MSG_INLINE_MAX,
     "screenshot inline png over 512 KiB"},
    {&sbwire__v1__session_entry__descriptor, 2, 0, SB_MSG_USER_MAX,
     "session entry state over 512 bytes"},
    {&sbwire__v1__session_entry__descriptor, 3, 0, SB_MSG_USER_MAX,
     "session entry user over 512 bytes"},
    {&sbwire__v1__monitor__descriptor, 5, 0, SB_MSG_USER_MAX,
     "monitor device over 512 bytes"},
    {&sbwire__v1__monitors_response__descriptor, 3, 0, SB_MSG_USER_MAX,
     "monitors dpi_awareness over 512 bytes"},
    {&sbwire__v1__session_state_event__descriptor, 4, 0, SB_MSG_USER_MAX,
     "session_state.user over 512 bytes"},
    {&sbwire__v1__transfer_chunk__descriptor, 3, 0, SB_MSG_CHUNK_MAX,
     "chunk data over 512 KiB"},
    {&sbwire__v1__error__descriptor, 2, 0, SB_MSG_DETAIL_MAX,
     "error.detail over 1 KiB"},
};

static int check_limits(const ProtobufCMessage *m, const char **why) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    if (limits[i].msg != d)
      continue;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(d, limits[i].id);
    if (!f)
      return fail(why, "limit names a field the schema lacks", SB_EINVAL);
    const uint8_t *member = (const uint8_t *)m + f->offset;
    size_t n;
    if (f->type == PROTOBUF_C_TYPE_STRING) {
      const char *s = *(const char *const *)member;
      n = s ? strlen(s) : 0;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
      n = ((const ProtobufCBinaryData *)member)->len;
    } else {
      return fail(why, "limit names a field that is not sized", SB_EINVAL);
    }
    if (n > limits[i].max)
      return fail(why, limits[i].why,
                  limits[i].min == limits[i].max ? SB_EFIELD : SB_ETOOBIG);
    if (n < limits[i].min)
      return fail(why, limits[i].why, SB_EFIELD);
  }
  return 0;
}

/* ---- per-message rules ---- */

/* A transfer is declared in the Request or Response (protocol.md,
 * Transfers); its size is capped by the task's data limit. Only the
 * clipboard has a smaller cap than the largest transfer (a screenshot's
 * 64 MiB): a new task with a large payload needs no entry here. */
static int check_transfer_total(uint64_t total, int clipboard,
                                const char **why) {
  if (clipboard && total > SB_CLIPBOARD_MAX)
    return fail(why, "clipboard total_size over 16 MiB", SB_ETOOBIG);
  if (total > SB_SCREENSHOT_MAX)
    return fail(why, "transfer total_size over 64 MiB", SB_ETOOBIG);
  return 0;
}

static int check_rules(const ProtobufCMessage *m, const char **why) {
  const ProtobufCMessageDescriptor *d = m->descriptor;

  if (d == &sbwire__v1__envelope__descriptor) {
    const Sbwire__V1__Envelope *e = (const void *)m;
    if (e->body_case == SBWIRE__V1__ENVELOPE__BODY__NOT_SET)
      return fail(why, "envelope body not set", SB_EONEOF);
  } else if (d == &sbwire__v1__request__descriptor) {
    const Sbwire__V1__Request *r = (const void *)m;
    if (r->body_case == SBWIRE__V1__REQUEST__BODY__NOT_SET)
      return fail(why, "request body not set", SB_EONEOF);
    if (r->deadline_ms == 0 || r->deadline_ms > SB_MSG_DEADLINE_MAX)
      return fail(why, "request deadline_ms must be 1..600000", SB_EFIELD);
    /* Only a clipboard set takes data. Refusing any other upload here,
     * at its declaration, means the receiver answers before the first
     * chunk and discards the rest unread, instead of receiving and
     * holding up to the transfer cap only to ignore it. */
    if (r->transfer_id != 0 &&
        r->body_case != SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET)
      return fail(why,
                  "Request.transfer_id: this request takes no upload (only "
                  "clipboard_set does)",
                  SB_EFIELD);
    return check_transfer_total(
        r->total_size, r->body_case == SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET,
        why);
  } else if (d == &sbwire__v1__response__descriptor) {
    const Sbwire__V1__Response *r = (const void *)m;
    if (r->body_case == SBWIRE__V1__RESPONSE__BODY__NOT_SET)
      return fail(why, "response body not set", SB_EONEOF);
    /* A download of unknown size (protocol 3) is declared with its id
     * and no size: a size as well would say two things at once. */
    if (r->size_unknown && (r->transfer_id == 0 || r->total_size != 0))
      return fail(why,
                  "Response.size_unknown needs transfer_id set and "
                  "total_size 0",
                  SB_EFIELD);
    return check_transfer_total(
        r->total_size,
        r->body_case == SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET, why);
  } else if (d == &sbwire__v1__event__descriptor) {
    const Sbwire__V1__Event *ev = (const void *)m;
    if (ev->body_case == SBWIRE__V1__EVENT__BODY__NOT_SET)
      return fail(why, "event body not set", SB_EONEOF);
  } else if (d == &sbwire__v1__screenshot_request__descriptor) {
    const Sbwire__V1__ScreenshotRequest *s = (const void *)m;
    if (s->target_case == SBWIRE__V1__SCREENSHOT_REQUEST__TARGET__NOT_SET)
      return fail(why, "screenshot target not set", SB_EONEOF);
  } else if (d == &sbwire__v1__region__descriptor) {
    const Sbwire__V1__Region *r = (const void *)m;
    if (r->width == 0 || r->height == 0)
      return fail(why, "screenshot region is empty", SB_EFIELD);
    /* (2^32-1)^2 fits in 64 bits, so the product cannot wrap. */
    if ((uint64_t)r->width * r->height > SB_SCREENSHOT_PIXELS_MAX)
      return fail(why, "screenshot region over 40 Mi pixels", SB_ETOOBIG);
  } else if (d == &sbwire__v1__notify_request__descriptor) {
    const Sbwire__V1__NotifyRequest *n = (const void *)m;
    if ((!n->title || !n->title[0]) && (!n->text || !n->text[0]))
      return fail(why, "notify needs a title or a text", SB_EFIELD);
  } else if (d == &sbwire__v1__monitors_response__descriptor) {
    const Sbwire__V1__MonitorsResponse *l = (const void *)m;
    if (l->n_monitors > SB_MSG_MONITORS_MAX)
      return fail(why, "monitor list over 64 entries", SB_ETOOBIG);
  } else if (d == &sbwire__v1__session_list_response__descriptor) {
    const Sbwire__V1__SessionListResponse *l = (const void *)m;
    if (l->n_sessions > SB_MSG_SESSIONS_MAX)
      return fail(why, "session list over 1024 entries", SB_ETOOBIG);
  }
  return 0;
}

/* ---- the generic walk ---- */

static int walk(const ProtobufCMessage *m, int depth, const char **why);

/* The detail of a field-level failure names the field ("MessageBoxRequest
 * .title: ..."), as protocol.md promises. One buffer per thread: *why must
 * stay valid after return without the caller freeing it, and each rpc
 * reader validates on its own thread. */
static _Thread_local char field_why[160];

static int fail_field(const char **why, const ProtobufCMessageDescriptor *d,
                      const ProtobufCFieldDescriptor *f, const char *msg,
                      int err) {
  snprintf(field_why, sizeof field_why, "%s.%s: %s", d->short_name, f->name,
           msg);
  return fail(why, field_why, err);
}

static int check_value(const ProtobufCMessageDescriptor *d,
                       const ProtobufCFieldDescriptor *f, const void *p,
                       int in_oneof, int depth, const char **why) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_ENUM:
    if (!protobuf_c_enum_descriptor_get_value(f->descriptor,
                                              *(const int *)p))
      return fail_field(why, d, f, "enum value not declared in the schema",
                        SB_EENUM);
    return 0;
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(const char *const *)p;
    if (s && !sb_utf8_valid((const uint8_t *)s, strlen(s)))
      return fail_field(why, d, f, "string is not valid UTF-8 or has a NUL",
                        SB_EUTF8);
    return 0;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *sub = *(const ProtobufCMessage *const *)p;
    if (!sub)
      return in_oneof ? fail(why, "oneof member selected but missing",
                             SB_EONEOF)
                      : 0;
    return walk(sub, depth + 1, why);
  }
  default:
    return 0;
  }
}

static int walk(const ProtobufCMessage *m, int depth, const char **why) {
  const ProtobufCMessageDescriptor *d = m->descriptor;
  int err;

  if (depth > MAX_DEPTH)
    return fail(why, "message nested too deeply", SB_EDECODE);
  if (!d || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
    return fail(why, "not a protobuf-c message", SB_EINVAL);
  if (m->n_unknown_fields)
    return fail(why, "message has a field this version does not know",
                SB_EUNKNOWNFIELD);

  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const uint8_t *member = (const uint8_t *)m + f->offset;
    const uint8_t *quant = (const uint8_t *)m + f->quantifier_offset;

    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)quant;
      const uint8_t *arr = *(const uint8_t *const *)member;
      size_t esz = elem_size(f->type);
      if (n && !arr)
        return fail(why, "repeated field without elements", SB_EINVAL);
      for (size_t k = 0; k < n; k++) {
        if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
            !*(const void *const *)(arr + k * esz))
          return fail(why, "repeated message element missing", SB_EINVAL);
        err = check_value(d, f, arr + k * esz, 0, depth, why);
        if (err)
          return err;
      }
      continue;
    }
    int in_oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
    if (in_oneof && *(const uint32_t *)quant != f->id)
      continue;
    /* proto2 / proto3-optional scalars say whether they are present. */
    if (!in_oneof && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
        f->type != PROTOBUF_C_TYPE_MESSAGE &&
        f->type != PROTOBUF_C_TYPE_STRING &&
        !*(const protobuf_c_boolean *)quant)
      continue;
    err = check_value(d, f, member, in_oneof, depth, why);
    if (err)
      return err;
  }

  err = check_limits(m, why);
  if (err)
    return err;
  return check_rules(m, why);
}

int sb_msg_validate(const sb_envelope_t *env, const char **why) {
  if (why)
    *why = NULL;
  if (!env)
    return fail(why, "no envelope", SB_EINVAL);
  return walk(&env->base, 0, why);
}
