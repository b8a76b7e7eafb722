/* SPDX-License-Identifier: MIT */
/* Secure channel: the handshake and the secretstream transport.
 *
 * This is the only file of the library that calls libsodium's crypto_*
 * functions (style.md). docs/protocol.md is the byte-level description;
 * the comments here say why each step is the way it is. */
#include "channel.h"

#include <sodium.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "frame.h"
#include "internal.h"
#include "log.h"
#include "msg.h"
#include "thread.h"

/* Direction bytes bound into every frame's associated data. A frame
 * reflected back to its sender carries the wrong direction and, more
 * importantly, was encrypted under the other direction's key. */
#define DIR_C2S 0x43 /* 'C' */
#define DIR_S2C 0x53 /* 'S' */

static const char transcript_label[] = "sessionbridge/1 transcript";
static const char c2s_label[] = "sessionbridge/1 c2s";
static const char s2c_label[] = "sessionbridge/1 s2c";

typedef crypto_secretstream_xchacha20poly1305_state ss_state_t;

enum ch_state { ST_NEW, ST_OPEN, ST_FAILED };

/* Secret material lives in one sodium_malloc'd block: guarded, locked
 * where the OS allows, and wiped by sodium_free. */
typedef struct {
  uint8_t psk[SB_PSK_SIZE];
  uint8_t kx_sk[crypto_kx_SECRETKEYBYTES];
  ss_state_t tx;
  ss_state_t rx;
} secrets_t;

struct sb_channel {
  sb_io_t io;
  sb_role_t role;
  int hs_timeout;
  int frame_timeout;
  /* While the handshake runs: when it must be over (sb_now_ms). One
   * deadline for the whole of it, not one per message: a peer that sends
   * each step just inside the per-step time would otherwise keep a
   * connection half-open for as long as it liked. */
  uint64_t hs_end;
  enum ch_state state;
  int error;        /* the failure that closed the channel */
  int sent_final;
  int recv_final;
  secrets_t *sec;
  uint8_t kx_pk[crypto_kx_PUBLICKEYBYTES];
  uint8_t nonce[SB_HELLO_NONCE_SIZE];
  uint8_t transcript[SB_TRANSCRIPT_SIZE];
  sb_frame_parser_t parser;
  uint8_t in[8192];
  size_t in_off;
  size_t in_len;
  uint8_t *plain; /* last decrypted message */
  size_t plain_cap;
  uint8_t *out; /* frame being sent */
  size_t out_cap;
  sb_mutex_t *send_lock;
};

static int init_result = 1;

int sb_init(void) {
  /* sodium_init is itself thread-safe and idempotent. */
  int r = sodium_init();
  if (r < 0)
    return SB_EOS;
  init_result = 0;
  return 0;
}

void sb_random(void *buf, size_t len) { randombytes_buf(buf, len); }

static int fail(sb_channel_t *ch, int err) {
  if (ch->state != ST_FAILED) {
    ch->state = ST_FAILED;
    ch->error = err;
  }
  return err;
}

int sb_channel_new(sb_channel_t **out, const sb_io_t *io,
                   const sb_channel_opts_t *opts) {
  sb_channel_t *ch = NULL;
  int err;

  if (!out || !io || !io->read || !io->write || !opts || !opts->psk)
    return SB_EINVAL;
  if (opts->role != SB_ROLE_CLIENT && opts->role != SB_ROLE_SERVER)
    return SB_EINVAL;
  *out = NULL;
  if (init_result != 0 && (err = sb_init()) != 0)
    return err;

  ch = sb_calloc(1, sizeof *ch);
  if (!ch)
    return SB_ENOMEM;
  ch->io = *io;
  ch->role = opts->role;
  ch->hs_timeout = opts->handshake_timeout_ms > 0
                       ? opts->handshake_timeout_ms
                       : SB_DEFAULT_HANDSHAKE_TIMEOUT_MS;
  ch->frame_timeout = opts->frame_timeout_ms > 0
                          ? opts->frame_timeout_ms
                          : SB_DEFAULT_FRAME_TIMEOUT_MS;
  ch->sec = sodium_malloc(sizeof *ch->sec);
  if (!ch->sec) {
    err = SB_ENOMEM;
    goto fail;
  }
  sodium_memzero(ch->sec, sizeof *ch->sec);
  memcpy(ch->sec->psk, opts->psk, SB_PSK_SIZE);
  /* Ephemeral key and nonce are drawn here, not in the handshake, so the
   * order of random draws is fixed by program order (the test vectors rely
   * on it) and the handshake itself only does I/O and arithmetic. */
  crypto_kx_keypair(ch->kx_pk, ch->sec->kx_sk);
  randombytes_buf(ch->nonce, sizeof ch->nonce);
  err = sb_frame_parser_init(&ch->parser, 1, SB_HANDSHAKE_FRAME_MAX);
  if (err)
    goto fail;
  err = sb_mutex_new(&ch->send_lock);
  if (err)
    goto fail;
  *out = ch;
  return 0;

fail:
  sb_channel_free(ch);
  return err;
}

void sb_channel_free(sb_channel_t *ch) {
  if (!ch)
    return;
  if (ch->sec)
    sodium_free(ch->sec); /* wipes */
  sb_frame_parser_free(&ch->parser);
  if (ch->plain) {
    sodium_memzero(ch->plain, ch->plain_cap);
    sb_free(ch->plain);
  }
  sb_free(ch->out);
  if (ch->send_lock)
    sb_mutex_free(ch->send_lock);
  sodium_memzero(ch, sizeof *ch);
  sb_free(ch);
}

sb_role_t sb_channel_role(const sb_channel_t *ch) { return ch->role; }

int sb_channel_error(const sb_channel_t *ch) {
  return ch->state == ST_FAILED ? ch->error : 0;
}

/* ---- framed I/O ---- */

static int grow(uint8_t **buf, size_t *cap, size_t need) {
  uint8_t *p;
  if (*cap >= need)
    return 0;
  p = sb_realloc(*buf, need);
  if (!p)
    return SB_ENOMEM;
  *buf = p;
  *cap = need;
  return 0;
}

/* Drop a large buffer after use so an idle connection holds little. */
static void shrink(uint8_t **buf, size_t *cap) {
  if (*cap > SB_FRAME_KEEP) {
    sb_free(*buf);
    *buf = NULL;
    *cap = 0;
  }
}

/* Read one complete frame. timeout_ms bounds the wait for its first byte;
 * once started, the whole frame must arrive within the frame deadline so
 * a peer that stalls mid-frame is dropped. */
static int read_frame(sb_channel_t *ch, const uint8_t **frame, size_t *len,
                      int timeout_ms) {
  uint64_t frame_deadline = 0;
  uint64_t idle_deadline =
      timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  if (ch->hs_end && (timeout_ms < 0 || idle_deadline > ch->hs_end)) {
    idle_deadline = ch->hs_end;
    timeout_ms = 0; /* bounded now: the handshake's deadline */
  }
  for (;;) {
    if (ch->in_off < ch->in_len) {
      size_t used = 0;
      int r = sb_frame_parser_feed(&ch->parser, ch->in + ch->in_off,
                                   ch->in_len - ch->in_off, &used);
      ch->in_off += used;
      if (r < 0)
        return r;
      if (r == 1) {
        *frame = sb_frame_parser_frame(&ch->parser, len);
        return 0;
      }
    }
    ch->in_off = ch->in_len = 0;
    int wait;
    uint64_t now = sb_now_ms();
    if (sb_frame_parser_in_progress(&ch->parser)) {
      if (!frame_deadline) {
        frame_deadline = now + (uint64_t)ch->frame_timeout;
        if (ch->hs_end && frame_deadline > ch->hs_end)
          frame_deadline = ch->hs_end;
      }
      if (now >= frame_deadline)
        return SB_ETIMEDOUT;
      wait = (int)(frame_deadline - now);
    } else if (timeout_ms < 0) {
      wait = -1;
    } else {
      if (now >= idle_deadline)
        return SB_ETIMEDOUT;
      wait = (int)(idle_deadline - now);
    }
    size_t n = 0, room = 0;
    /* The rest of a big frame is read straight into the frame's buffer,
     * in as few reads as the transport allows (ch->in is small). */
    uint8_t *direct = sb__frame_parser_room(&ch->parser, &room);
    if (room <= sizeof ch->in)
      direct = NULL;
    int r = ch->io.read(ch->io.ctx, direct ? direct : ch->in,
                        direct ? room : sizeof ch->in, &n, wait);
    if (r == SB_EOF)
      return sb_frame_parser_in_progress(&ch->parser) || !ch->recv_final
                 ? SB_ETRUNC
                 : SB_EOF;
    if (r < 0)
      return r;
    if (n == 0)
      continue;
    if (direct) {
      r = sb__frame_parser_commit(&ch->parser, n);
      if (r < 0)
        return r;
      if (r == 1) {
        *frame = sb_frame_parser_frame(&ch->parser, len);
        return 0;
      }
      continue;
    }
    ch->in_len = n;
  }
}

static int write_plain_frame(sb_channel_t *ch, const uint8_t *data,
                             size_t len) {
  int err = grow(&ch->out, &ch->out_cap, SB_FRAME_HEADER_SIZE + len);
  if (err)
    return err;
  sb_frame_write_header(ch->out, (uint32_t)len);
  memcpy(ch->out + SB_FRAME_HEADER_SIZE, data, len);
  return ch->io.write(ch->io.ctx, ch->out, SB_FRAME_HEADER_SIZE + len,
                      ch->frame_timeout);
}

static uint8_t dir_tx(const sb_channel_t *ch) {
  return ch->role == SB_ROLE_CLIENT ? DIR_C2S : DIR_S2C;
}

static uint8_t dir_rx(const sb_channel_t *ch) {
  return ch->role == SB_ROLE_CLIENT ? DIR_S2C : DIR_C2S;
}

static void make_ad(uint8_t ad[6], uint32_t frame_len, uint8_t dir) {
  sb_frame_write_header(ad, frame_len);
  ad[4] = (uint8_t)SB_PROTOCOL_VERSION;
  ad[5] = dir;
}

/* Encrypt plaintext into one frame and write it. Caller holds send_lock. */
static int send_sealed(sb_channel_t *ch, const uint8_t *msg, size_t len,
                       unsigned char tag) {
  size_t clen = len + crypto_secretstream_xchacha20poly1305_ABYTES;
  uint8_t ad[6];
  int err;
  if (len > SB_CHANNEL_PLAIN_MAX)
    return SB_ETOOBIG;
  err = grow(&ch->out, &ch->out_cap, SB_FRAME_HEADER_SIZE + clen);
  if (err)
    return err;
  sb_frame_write_header(ch->out, (uint32_t)clen);
  make_ad(ad, (uint32_t)clen, dir_tx(ch));
  if (crypto_secretstream_xchacha20poly1305_push(
          &ch->sec->tx, ch->out + SB_FRAME_HEADER_SIZE, NULL, msg, len, ad,
          sizeof ad, tag) != 0)
    return SB_ECRYPTO;
  err = ch->io.write(ch->io.ctx, ch->out, SB_FRAME_HEADER_SIZE + clen,
                     ch->frame_timeout);
  shrink(&ch->out, &ch->out_cap);
  return err;
}

/* Read and decrypt one frame into ch->plain. */
static int recv_sealed(sb_channel_t *ch, size_t *len, unsigned char *tag,
                       int timeout_ms) {
  const uint8_t *frame;
  size_t flen = 0;
  unsigned long long mlen = 0;
  uint8_t ad[6];
  int err = read_frame(ch, &frame, &flen, timeout_ms);
  if (err)
    return err;
  /* The parser's bounds already guarantee ABYTES <= flen <= SB_FRAME_MAX. */
  err = grow(&ch->plain, &ch->plain_cap, flen);
  if (err)
    return err;
  make_ad(ad, (uint32_t)flen, dir_rx(ch));
  if (crypto_secretstream_xchacha20poly1305_pull(&ch->sec->rx, ch->plain,
                                                 &mlen, tag, frame, flen, ad,
                                                 sizeof ad) != 0)
    return SB_ECRYPTO;
  *len = (size_t)mlen;
  return 0;
}

/* ---- handshake ---- */

static int pack_env(const sb_envelope_t *env, uint8_t *buf, size_t cap,
                    size_t *len) {
  return sb_msg_pack_to(env, buf, cap, len);
}

static int build_hello(const sb_channel_t *ch, uint8_t *buf, size_t cap,
                       size_t *len) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Hello hello = SBWIRE__V1__HELLO__INIT;
  hello.version = SB_PROTOCOL_VERSION;
  hello.kx_public_key.data = (uint8_t *)ch->kx_pk;
  hello.kx_public_key.len = sizeof ch->kx_pk;
  hello.nonce.data = (uint8_t *)ch->nonce;
  hello.nonce.len = sizeof ch->nonce;
  hello.role = ch->role == SB_ROLE_CLIENT ? SBWIRE__V1__ROLE__ROLE_CLIENT
                                          : SBWIRE__V1__ROLE__ROLE_SERVER;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  env.hello = &hello;
  return pack_env(&env, buf, cap, len);
}

/* Tell a peer with another version why we close. The error is plaintext:
 * nothing secret is known yet, and a clear answer beats a silent drop. */
static void send_version_error(sb_channel_t *ch) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Error e = SBWIRE__V1__ERROR__INIT;
  uint8_t buf[SB_HANDSHAKE_FRAME_MAX];
  size_t len = 0;
  e.status = SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION;
  e.detail = "this endpoint speaks sessionbridge protocol version 3 only";
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  env.error = &e;
  if (pack_env(&env, buf, sizeof buf, &len) == 0)
    (void)write_plain_frame(ch, buf, len);
}

/* Read the peer's Hello (or its version error) into buf. */
static int read_hello(sb_channel_t *ch, uint8_t *buf, size_t *len,
                      uint8_t peer_pk[crypto_kx_PUBLICKEYBYTES]) {
  const uint8_t *frame;
  size_t flen = 0;
  sb_msg_t *m = NULL;
  const sb_envelope_t *env;
  int err = read_frame(ch, &frame, &flen, ch->hs_timeout);
  if (err)
    return err;
  memcpy(buf, frame, flen);
  *len = flen;
  err = sb_msg_decode(buf, flen, &m, NULL);
  if (err)
    return SB_EPROTO; /* garbage before or instead of Hello */
  env = sb_msg_envelope(m);
  if (env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR &&
      env->error->status == SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION) {
    err = SB_EVERSION;
    goto out;
  }
  if (env->body_case != SBWIRE__V1__ENVELOPE__BODY_HELLO ||
      env->request_id != 0) {
    err = SB_EPROTO;
    goto out;
  }
  if (env->hello->version != SB_PROTOCOL_VERSION) {
    if (ch->role == SB_ROLE_SERVER)
      send_version_error(ch);
    err = SB_EVERSION;
    goto out;
  }
  {
    uint32_t want = ch->role == SB_ROLE_CLIENT ? SBWIRE__V1__ROLE__ROLE_SERVER
                                               : SBWIRE__V1__ROLE__ROLE_CLIENT;
    /* A Hello with our own role is a reflected Hello. */
    if (env->hello->role != want || env->hello->kx_public_key.len != 32 ||
        env->hello->nonce.len != SB_HELLO_NONCE_SIZE) {
      err = SB_EPROTO;
      goto out;
    }
  }
  memcpy(peer_pk, env->hello->kx_public_key.data, crypto_kx_PUBLICKEYBYTES);
  err = 0;
out:
  sb_msg_free(m);
  return err;
}

static void hash_part(crypto_generichash_state *st, const uint8_t *p,
                      size_t len) {
  uint8_t n[4];
  sb_frame_write_header(n, (uint32_t)len);
  crypto_generichash_update(st, n, sizeof n);
  crypto_generichash_update(st, p, len);
}

/* T = BLAKE2b-256(label || len(Hc) || Hc || len(Hs) || Hs): binds both
 * ephemeral keys and nonces, so a recorded session can never be replayed
 * into a new one. */
static void make_transcript(uint8_t out[SB_TRANSCRIPT_SIZE],
                            const uint8_t *hc, size_t hc_len,
                            const uint8_t *hs, size_t hs_len) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, SB_TRANSCRIPT_SIZE);
  crypto_generichash_update(&st, (const uint8_t *)transcript_label,
                            sizeof transcript_label - 1);
  hash_part(&st, hc, hc_len);
  hash_part(&st, hs, hs_len);
  crypto_generichash_final(&st, out, SB_TRANSCRIPT_SIZE);
  sodium_memzero(&st, sizeof st);
}

/* k = BLAKE2b-256(key = psk, label || kx direction key || T). Keying the
 * hash with the PSK is what authenticates: without it the kx keys alone
 * would be an anonymous Diffie-Hellman. */
static void derive_key(uint8_t out[32], const uint8_t psk[SB_PSK_SIZE],
                       const char *label, size_t label_len,
                       const uint8_t kx_key[crypto_kx_SESSIONKEYBYTES],
                       const uint8_t t[SB_TRANSCRIPT_SIZE]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, psk, SB_PSK_SIZE, 32);
  crypto_generichash_update(&st, (const uint8_t *)label, label_len);
  crypto_generichash_update(&st, kx_key, crypto_kx_SESSIONKEYBYTES);
  crypto_generichash_update(&st, t, SB_TRANSCRIPT_SIZE);
  crypto_generichash_final(&st, out, 32);
  sodium_memzero(&st, sizeof st);
}

static int send_stream_start(sb_channel_t *ch, const uint8_t key[32]) {
  uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  uint8_t buf[128];
  size_t len = 0;
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Confirm confirm = SBWIRE__V1__CONFIRM__INIT;
  int err;

  crypto_secretstream_xchacha20poly1305_init_push(&ch->sec->tx, header, key);
  err = write_plain_frame(ch, header, sizeof header);
  if (err)
    return err;
  confirm.transcript_hash.data = ch->transcript;
  confirm.transcript_hash.len = sizeof ch->transcript;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_CONFIRM;
  env.confirm = &confirm;
  err = pack_env(&env, buf, sizeof buf, &len);
  if (err)
    return err;
  return send_sealed(ch, buf, len, 0);
}

/* Read the peer's stream header and Confirm. A wrong PSK shows up here as
 * a frame that does not decrypt: we close without telling the peer which
 * step failed, so there is no oracle. */
static int recv_stream_start(sb_channel_t *ch, const uint8_t key[32]) {
  const uint8_t *frame;
  size_t flen = 0, mlen = 0;
  unsigned char tag = 0;
  sb_msg_t *m = NULL;
  const sb_envelope_t *env;
  int err;

  err = sb_frame_parser_set_limits(&ch->parser, SB_CHANNEL_HEADER_BYTES,
                                   SB_CHANNEL_HEADER_BYTES);
  if (err)
    return err;
  err = read_frame(ch, &frame, &flen, ch->hs_timeout);
  if (err)
    return err == SB_ESHORT || err == SB_ETOOBIG ? SB_EPROTO : err;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&ch->sec->rx, frame,
                                                      key) != 0)
    return SB_EPROTO;
  err = sb_frame_parser_set_limits(&ch->parser, SB_CHANNEL_ABYTES,
                                   SB_FRAME_MAX);
  if (err)
    return err;
  err = recv_sealed(ch, &mlen, &tag, ch->hs_timeout);
  if (err == SB_ECRYPTO)
    return SB_EAUTH;
  if (err)
    return err;
  if (tag != 0)
    return SB_EPROTO;
  err = sb_msg_decode(ch->plain, mlen, &m, NULL);
  if (err)
    return SB_EPROTO;
  env = sb_msg_envelope(m);
  if (env->body_case != SBWIRE__V1__ENVELOPE__BODY_CONFIRM ||
      env->confirm->transcript_hash.len != SB_TRANSCRIPT_SIZE ||
      sodium_memcmp(env->confirm->transcript_hash.data, ch->transcript,
                    SB_TRANSCRIPT_SIZE) != 0)
    err = SB_EAUTH;
  sb_msg_free(m);
  return err;
}

int sb_channel_handshake(sb_channel_t *ch) {
  uint8_t mine[SB_HANDSHAKE_FRAME_MAX], theirs[SB_HANDSHAKE_FRAME_MAX];
  size_t mine_len = 0, theirs_len = 0;
  uint8_t peer_pk[crypto_kx_PUBLICKEYBYTES];
  uint8_t rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
  uint8_t k_tx[32], k_rx[32];
  int err;

  if (!ch)
    return SB_EINVAL;
  if (ch->state != ST_NEW)
    return ch->state == ST_FAILED ? ch->error : SB_ESTATE;

  ch->hs_end = sb_now_ms() + (uint64_t)ch->hs_timeout;
  err = build_hello(ch, mine, sizeof mine, &mine_len);
  if (err)
    goto out;
  if (ch->role == SB_ROLE_CLIENT) {
    err = write_plain_frame(ch, mine, mine_len);
    if (!err)
      err = read_hello(ch, theirs, &theirs_len, peer_pk);
  } else {
    err = read_hello(ch, theirs, &theirs_len, peer_pk);
    if (!err)
      err = write_plain_frame(ch, mine, mine_len);
  }
  if (err)
    goto out;

  {
    /* Both roles compute the same transcript (client Hello first) and
     * the same two keys; they differ only in which key they send with and
     * in who proves the PSK first. */
    int client = ch->role == SB_ROLE_CLIENT;
    int (*session_keys)(unsigned char *, unsigned char *, const unsigned char *,
                        const unsigned char *, const unsigned char *) =
        client ? crypto_kx_client_session_keys : crypto_kx_server_session_keys;
    if (session_keys(rx, tx, ch->kx_pk, ch->sec->kx_sk, peer_pk) != 0) {
      err = SB_EPROTO;
      goto out;
    }
    if (client)
      make_transcript(ch->transcript, mine, mine_len, theirs, theirs_len);
    else
      make_transcript(ch->transcript, theirs, theirs_len, mine, mine_len);
    derive_key(k_tx, ch->sec->psk, client ? c2s_label : s2c_label,
               sizeof c2s_label - 1, tx, ch->transcript);
    derive_key(k_rx, ch->sec->psk, client ? s2c_label : c2s_label,
               sizeof c2s_label - 1, rx, ch->transcript);
    /* The server proves the PSK first; a client sends nothing encrypted
     * to a server that cannot. */
    if (client) {
      err = recv_stream_start(ch, k_rx);
      if (!err)
        err = send_stream_start(ch, k_tx);
    } else {
      err = send_stream_start(ch, k_tx);
      if (!err)
        err = recv_stream_start(ch, k_rx);
    }
  }

out:
  sodium_memzero(rx, sizeof rx);
  sodium_memzero(tx, sizeof tx);
  sodium_memzero(k_tx, sizeof k_tx);
  sodium_memzero(k_rx, sizeof k_rx);
  /* The ephemeral secret is not needed again: forward secrecy. */
  sodium_memzero(ch->sec->kx_sk, sizeof ch->sec->kx_sk);
  ch->hs_end = 0;
  if (err)
    return fail(ch, err);
  ch->state = ST_OPEN;
  return 0;
}

/* ---- transport ---- */

int sb_channel_send(sb_channel_t *ch, const uint8_t *msg, size_t len) {
  int err;
  if (!ch || (!msg && len))
    return SB_EINVAL;
  if (len > SB_CHANNEL_PLAIN_MAX)
    return SB_ETOOBIG;
  sb_mutex_lock(ch->send_lock);
  if (ch->state != ST_OPEN)
    err = ch->state == ST_FAILED ? ch->error : SB_ESTATE;
  else if (ch->sent_final)
    err = SB_ECLOSED;
  else
    err = send_sealed(ch, msg, len, 0);
  if (err && err != SB_ECLOSED && err != SB_ESTATE)
    fail(ch, err);
  sb_mutex_unlock(ch->send_lock);
  return err;
}

int sb_channel_recv(sb_channel_t *ch, const uint8_t **msg, size_t *len,
                    int timeout_ms) {
  unsigned char tag = 0;
  size_t mlen = 0;
  int err;
  if (!ch || !msg || !len)
    return SB_EINVAL;
  *msg = NULL;
  *len = 0;
  if (ch->state != ST_OPEN)
    return ch->state == ST_FAILED ? ch->error : SB_ESTATE;
  if (ch->recv_final) {
    /* Anything after the peer's final frame is a violation; silence is
     * the expected end. */
    size_t n = 0;
    uint8_t b;
    if (ch->in_off < ch->in_len)
      return fail(ch, SB_EPROTO);
    err = ch->io.read(ch->io.ctx, &b, 1, &n, 0);
    if (err == 0 && n > 0)
      return fail(ch, SB_EPROTO);
    return SB_EOF;
  }
  err = recv_sealed(ch, &mlen, &tag, timeout_ms);
  if (err == SB_ETIMEDOUT && !sb_frame_parser_in_progress(&ch->parser))
    return err; /* idle: the caller's timeout, not a failure */
  if (err)
    return fail(ch, err);
  if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
    /* The close is an empty TAG_FINAL (protocol.md, section 4): one that
     * carries a message is not a clean end, and its message is not
     * delivered either. */
    if (mlen != 0)
      return fail(ch, SB_EPROTO);
    ch->recv_final = 1;
    return SB_EOF;
  }
  if (tag != 0)
    return fail(ch, SB_EPROTO);
  *msg = ch->plain;
  *len = mlen;
  return 0;
}

static int close_with(sb_channel_t *ch, const uint8_t *msg, size_t len) {
  int err;
  if (!ch || (!msg && len))
    return SB_EINVAL;
  sb_mutex_lock(ch->send_lock);
  if (ch->state != ST_OPEN)
    err = ch->state == ST_FAILED ? ch->error : SB_ESTATE;
  else if (ch->sent_final)
    err = 0;
  else {
    err = send_sealed(ch, msg, len,
                      crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    if (!err)
      ch->sent_final = 1;
  }
  sb_mutex_unlock(ch->send_lock);
  return err;
}

int sb_channel_close(sb_channel_t *ch) { return close_with(ch, NULL, 0); }

int sb__channel_close_with(sb_channel_t *ch, const uint8_t *msg, size_t len) {
  return close_with(ch, msg, len);
}

int sb_channel_send_envelope(sb_channel_t *ch, const sb_envelope_t *env) {
  uint8_t stackbuf[1024];
  uint8_t *buf = stackbuf;
  size_t len = 0, need;
  int err;
  if (!ch || !env)
    return SB_EINVAL;
  need = sb_msg_packed_size(env);
  if (need > SB_CHANNEL_PLAIN_MAX)
    return SB_ETOOBIG;
  if (need > sizeof stackbuf) {
    buf = sb_malloc(need);
    if (!buf)
      return SB_ENOMEM;
  }
  err = sb_msg_pack_to(env, buf, need, &len);
  if (!err)
    err = sb_channel_send(ch, buf, len);
  if (buf != stackbuf)
    sb_free(buf);
  return err;
}

int sb_channel_recv_envelope(sb_channel_t *ch, sb_msg_t **out,
                             int timeout_ms, const char **why) {
  const uint8_t *msg;
  size_t len;
  int err;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  err = sb_channel_recv(ch, &msg, &len, timeout_ms);
  if (err)
    return err;
  return sb_msg_decode(msg, len, out, why);
}
