/* SPDX-License-Identifier: MIT */
/* The encrypted transport after the handshake: every modification of the
 * byte stream must close the channel (threats.md §3 1-9, 13-18). */
#include "internal.h"
#include "pair.h"
#include "sbtest.h"

/* A finished handshake with the client's output held for tampering. */
static void open_pair(sbt_pair_t *p, int timeout_ms) {
  /* timeout_ms is the frame deadline under test; the handshake before it
   * has its own (default) deadline. */
  sbt_pair_new_timeouts(p, sbt_psk_a, sbt_psk_a, 0, timeout_ms);
  sbt_pair_handshake(p);
  CHECK_OK(p->client_err);
  CHECK_OK(p->server_err);
  sbt_end_hold(p->cend, 1);
}

/* Have the client send msgs, return the raw frames it wrote. */
static uint8_t *client_frames(sbt_pair_t *p, const char *const *msgs,
                              size_t n, size_t *len) {
  for (size_t i = 0; i < n; i++)
    CHECK_OK(sb_channel_send(p->client, (const uint8_t *)msgs[i],
                             strlen(msgs[i])));
  return sbt_end_take(p->cend, len);
}

static int server_recv(sbt_pair_t *p, const char *want) {
  const uint8_t *m;
  size_t n;
  int err = sb_channel_recv(p->server, &m, &n, sbtest_ms(1000));
  if (err == 0 && want) {
    CHECK_EQ(n, strlen(want));
    CHECK_MEM(m, want, n);
  }
  return err;
}

static size_t frame_len(const uint8_t *f) {
  return (size_t)f[0] | (size_t)f[1] << 8 | (size_t)f[2] << 16 |
         (size_t)f[3] << 24;
}

SB_TEST(channel_two_frames_one_write) {
  sbt_pair_t p;
  const char *msgs[] = {"first", "second"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 2, &len);
  sbt_end_inject(p.send, buf, len); /* one write, two frames */
  CHECK_OK(server_recv(&p, "first"));
  CHECK_OK(server_recv(&p, "second"));
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_byte_at_a_time) {
  sbt_pair_t p;
  const char *msgs[] = {"trickle"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 1, &len);
  for (size_t i = 0; i < len; i++)
    sbt_end_inject(p.send, buf + i, 1);
  CHECK_OK(server_recv(&p, "trickle"));
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_bit_flip) {
  const char *msgs[] = {"do not touch"};
  for (size_t bit = 4 * 8; bit < (4 + 12 + 17) * 8; bit += 7) {
    sbt_pair_t p;
    size_t len;
    open_pair(&p, 0);
    uint8_t *buf = client_frames(&p, msgs, 1, &len);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    sbt_end_inject(p.send, buf, len);
    CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
    /* The channel stays closed afterwards. */
    CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
    free(buf);
    sbt_pair_free(&p);
  }
}

SB_TEST(channel_length_flip) {
  /* A shorter length still frames ciphertext, but the length is in the
   * associated data and the tag no longer matches. */
  sbt_pair_t p;
  const char *msgs[] = {"length is authenticated"};
  size_t len;
  open_pair(&p, sbtest_ms(300));
  uint8_t *buf = client_frames(&p, msgs, 1, &len);
  buf[0] -= 1;
  sbt_end_inject(p.send, buf, len);
  CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_replayed_frame) {
  sbt_pair_t p;
  const char *msgs[] = {"pay once"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 1, &len);
  sbt_end_inject(p.send, buf, len);
  sbt_end_inject(p.send, buf, len);
  CHECK_OK(server_recv(&p, "pay once"));
  CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_swapped_frames) {
  sbt_pair_t p;
  const char *msgs[] = {"one", "two"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 2, &len);
  size_t first = 4 + frame_len(buf);
  sbt_end_inject(p.send, buf + first, len - first);
  sbt_end_inject(p.send, buf, first);
  CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_deleted_frame) {
  sbt_pair_t p;
  const char *msgs[] = {"one", "two", "three"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 3, &len);
  size_t first = 4 + frame_len(buf);
  sbt_end_inject(p.send, buf, first);
  CHECK_OK(server_recv(&p, "one"));
  size_t second = 4 + frame_len(buf + first);
  sbt_end_inject(p.send, buf + first + second, len - first - second);
  CHECK_ERR(server_recv(&p, NULL), SB_ECRYPTO);
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_reflected_frame) {
  /* The client's own frame sent back to it was sealed with the other
   * direction's key. */
  sbt_pair_t p;
  const char *msgs[] = {"mirror"};
  size_t len;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 1, &len);
  sbt_end_inject(p.cend, buf, len);
  const uint8_t *m;
  size_t n;
  CHECK_ERR(sb_channel_recv(p.client, &m, &n, sbtest_ms(1000)), SB_ECRYPTO);
  free(buf);
  sbt_pair_free(&p);
}

SB_TEST(channel_frame_after_final) {
  sbt_pair_t p;
  const char *msgs[] = {"before"};
  size_t len, flen;
  open_pair(&p, 0);
  uint8_t *buf = client_frames(&p, msgs, 1, &len);
  CHECK_OK(sb_channel_close(p.client));
  uint8_t *fin = sbt_end_take(p.cend, &flen);
  sbt_end_inject(p.send, buf, len);
  sbt_end_inject(p.send, fin, flen);
  sbt_end_inject(p.send, buf, len); /* a frame after TAG_FINAL */
  CHECK_OK(server_recv(&p, "before"));
  CHECK_ERR(server_recv(&p, NULL), SB_EOF);
  CHECK_ERR(server_recv(&p, NULL), SB_EPROTO);
  free(buf);
  free(fin);
  sbt_pair_free(&p);
}

SB_TEST(channel_eof_without_final) {
  sbt_pair_t p;
  open_pair(&p, 0);
  sbt_end_shutdown(p.cend);
  CHECK_ERR(server_recv(&p, NULL), SB_ETRUNC);
  sbt_pair_free(&p);
}

SB_TEST(channel_short_lengths) {
  /* threats.md §3.1: length 0 and 16 (< ABYTES). */
  uint32_t lens[] = {0, 16};
  for (size_t i = 0; i < 2; i++) {
    sbt_pair_t p;
    uint8_t frame[4 + 16] = {0};
    open_pair(&p, 0);
    sb_frame_write_header(frame, lens[i]);
    sbt_end_inject(p.send, frame, 4 + lens[i]);
    CHECK_ERR(server_recv(&p, NULL), SB_ESHORT);
    sbt_pair_free(&p);
  }
}

SB_TEST(channel_huge_lengths) {
  /* threats.md §3.2-3: MAX+1 and 0xFFFFFFFF, refused from the header. */
  uint32_t lens[] = {SB_FRAME_MAX + 1, 0xFFFFFFFFu};
  for (size_t i = 0; i < 2; i++) {
    sbt_pair_t p;
    uint8_t hdr[4];
    open_pair(&p, 0);
    sb_frame_write_header(hdr, lens[i]);
    sbt_end_inject(p.send, hdr, 4);
    CHECK_ERR(server_recv(&p, NULL), SB_ETOOBIG);
    sbt_pair_free(&p);
  }
}

SB_TEST(channel_partial_header_then_eof) {
  sbt_pair_t p;
  uint8_t three[3] = {50, 0, 0};
  open_pair(&p, 0);
  sbt_end_inject(p.send, three, 3);
  sbt_end_shutdown(p.cend);
  CHECK_ERR(server_recv(&p, NULL), SB_ETRUNC);
  sbt_pair_free(&p);
}

SB_TEST(channel_short_body_then_eof) {
  /* Declares 1000, sends 999, hangs up. */
  sbt_pair_t p;
  uint8_t *frame = calloc(1, 4 + 999);
  open_pair(&p, 0);
  sb_frame_write_header(frame, 1000);
  sbt_end_inject(p.send, frame, 4 + 999);
  sbt_end_shutdown(p.cend);
  CHECK_ERR(server_recv(&p, NULL), SB_ETRUNC);
  free(frame);
  sbt_pair_free(&p);
}

SB_TEST(channel_stalled_frame_deadline) {
  /* Declares 1000, sends 10, stalls: the per-frame deadline fires even
   * though the caller would wait for ever for a new frame. */
  sbt_pair_t p;
  uint8_t frame[14] = {0};
  open_pair(&p, 250);
  sb_frame_write_header(frame, 1000);
  sbt_end_inject(p.send, frame, sizeof frame);
  const uint8_t *m;
  size_t n;
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_channel_recv(p.server, &m, &n, -1), SB_ETIMEDOUT);
  CHECK(sb_now_ms() - t0 >= 200);
  sbt_pair_free(&p);
}

SB_TEST(channel_idle_timeout_is_not_fatal) {
  sbt_pair_t p;
  const uint8_t *m;
  size_t n;
  open_pair(&p, 0);
  sbt_end_hold(p.cend, 0);
  CHECK_ERR(sb_channel_recv(p.server, &m, &n, 50), SB_ETIMEDOUT);
  CHECK_OK(sb_channel_send(p.client, (const uint8_t *)"late", 4));
  CHECK_OK(server_recv(&p, "late"));
  sbt_pair_free(&p);
}

SB_TEST(channel_large_message) {
  sbt_pair_t p;
  size_t big = SB_CHANNEL_PLAIN_MAX;
  uint8_t *msg = malloc(big);
  const uint8_t *m;
  size_t n;
  sbtest_fill(msg, big, 42);
  open_pair(&p, 0);
  sbt_end_hold(p.cend, 0);
  CHECK_OK(sb_channel_send(p.client, msg, big));
  CHECK_OK(sb_channel_recv(p.server, &m, &n, sbtest_ms(2000)));
  CHECK_EQ(n, big);
  CHECK_MEM(m, msg, big);
  CHECK_ERR(sb_channel_send(p.client, msg, big + 1), SB_ETOOBIG);
  free(msg);
  sbt_pair_free(&p);
}

/* A TAG_FINAL frame that carries a message is not the clean close (that is
 * an empty TAG_FINAL, protocol.md section 4): the receiver refuses it as a
 * violation, and does not deliver its message. It used to report a clean
 * end. */
SB_TEST(channel_final_with_message_refused) {
  sbt_pair_t p;
  const uint8_t *m;
  size_t n;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&p);
  CHECK_OK(p.client_err);
  CHECK_OK(sb__channel_close_with(p.client, (const uint8_t *)"bye", 3));
  CHECK_ERR(sb_channel_recv(p.server, &m, &n, sbtest_ms(2000)), SB_EPROTO);
  sbt_pair_free(&p);
}
