/* SPDX-License-Identifier: MIT */
/* Handshake: good path and every way it must fail (threats.md §3 10-17). */
#include "pair.h"
#include "sbtest.h"

static int send_str(sb_channel_t *ch, const char *s) {
  return sb_channel_send(ch, (const uint8_t *)s, strlen(s));
}

static void expect_msg(sb_channel_t *ch, const char *want) {
  const uint8_t *m;
  size_t n;
  CHECK_OK(sb_channel_recv(ch, &m, &n, sbtest_ms(2000)));
  CHECK_EQ(n, strlen(want));
  CHECK_MEM(m, want, n);
}

SB_TEST(handshake_good_path) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, 0);
  sbt_pair_handshake(&p);
  CHECK_OK(p.client_err);
  CHECK_OK(p.server_err);
  CHECK_OK(send_str(p.client, "hello server"));
  expect_msg(p.server, "hello server");
  CHECK_OK(send_str(p.server, "hello client"));
  expect_msg(p.client, "hello client");
  /* TAG_FINAL ends cleanly: the peer sees SB_EOF, not an error. */
  CHECK_OK(sb_channel_close(p.client));
  const uint8_t *m;
  size_t n;
  CHECK_ERR(sb_channel_recv(p.server, &m, &n, 1000), SB_EOF);
  CHECK_ERR(send_str(p.client, "after close"), SB_ECLOSED);
  sbt_pair_free(&p);
}

SB_TEST(handshake_wrong_psk) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_b, sbtest_ms(2000));
  sbt_pair_handshake(&p);
  /* The client checks the server's proof first and refuses it. */
  CHECK_ERR(p.client_err, SB_EAUTH);
  /* The server learns nothing but a hang-up: no oracle. */
  CHECK(p.server_err == SB_ETRUNC || p.server_err == SB_EAUTH);
  /* The client sent nothing encrypted: its record holds only its Hello. */
  size_t rec_len;
  const uint8_t *rec = sbt_end_record(p.cend, &rec_len);
  CHECK(rec_len > 4);
  CHECK_EQ(rec_len, 4u + (rec[0] | rec[1] << 8));
  sbt_pair_free(&p);
}

/* Run a handshake where the server's flight (Hello, stream header,
 * Confirm) is held, one byte of it flipped at offset off, then delivered. */
static int tamper_server_byte(size_t off) {
  sbt_pair_t p;
  sb_thread_t *ct, *st;
  uint8_t *buf;
  size_t len;
  int err;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  sbt_end_hold(p.send, 1);
  sbt_pair_start(&p, &ct, &st);
  buf = sbt_wait_held(p.send, 3, &len);
  CHECK(off < len);
  buf[off] ^= 0x01;
  sbt_end_inject(p.cend, buf, len);
  free(buf);
  sb_thread_join(ct);
  sb_thread_join(st);
  err = p.client_err;
  CHECK(p.server_err != 0);
  sbt_pair_free(&p);
  return err;
}

SB_TEST(handshake_tampered_byte) {
  /* The server's flight: Hello frame, header frame (28 bytes), Confirm
   * frame. Flip a byte in each region; every flip must fail the client. */
  size_t offs[] = {0, 5, 20, 60, 75, 110, 130};
  for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
    if (tamper_server_byte(offs[i]) == 0) {
      char d[64];
      snprintf(d, sizeof d, "flip at %zu accepted", offs[i]);
      sbtest_fail(__FILE__, __LINE__, "tamper rejected", d);
    }
  }
}

SB_TEST(handshake_truncated) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  /* The server side sends half a Hello and hangs up. */
  uint8_t half[] = {40, 0, 0, 0, 0x12, 0x05};
  sbt_end_inject(p.cend, half, sizeof half);
  sbt_end_shutdown(p.send);
  CHECK_ERR(sb_channel_handshake(p.client), SB_ETRUNC);
  sbt_pair_free(&p);
}

SB_TEST(handshake_garbage_before_hello) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  uint8_t junk[] = {8, 0, 0, 0, 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'};
  sbt_end_inject(p.send, junk, sizeof junk);
  CHECK_ERR(sb_channel_handshake(p.server), SB_EPROTO);
  sbt_pair_free(&p);
}

SB_TEST(handshake_oversized_hello) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  uint8_t hdr[] = {0x00, 0x10, 0x00, 0x00}; /* 4096 > handshake limit */
  sbt_end_inject(p.send, hdr, sizeof hdr);
  CHECK_ERR(sb_channel_handshake(p.server), SB_ETOOBIG);
  sbt_pair_free(&p);
}

SB_TEST(handshake_unsupported_version) {
  sbt_pair_t p;
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Hello hello = SBWIRE__V1__HELLO__INIT;
  uint8_t pk[32] = {9}, nonce[32] = {7}, buf[256];
  size_t len = 0;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  hello.version = 2; /* the protocol before version 3 */
  hello.kx_public_key.data = pk;
  hello.kx_public_key.len = 32;
  hello.nonce.data = nonce;
  hello.nonce.len = 32;
  hello.role = SBWIRE__V1__ROLE__ROLE_CLIENT;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  env.hello = &hello;
  CHECK_OK(sb_msg_pack_to(&env, buf + 4, sizeof buf - 4, &len));
  sb_frame_write_header(buf, (uint32_t)len);
  sbt_end_hold(p.send, 1);
  sbt_end_inject(p.send, buf, len + 4);
  CHECK_ERR(sb_channel_handshake(p.server), SB_EVERSION);
  /* The server answered with a clear, decodable error before closing. */
  size_t outlen;
  uint8_t *out = sbt_end_take(p.send, &outlen);
  CHECK(outlen > 4);
  sb_msg_t *m = NULL;
  CHECK_OK(sb_msg_decode(out + 4, outlen - 4, &m, NULL));
  CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY_ERROR);
  CHECK_EQ(sb_msg_envelope(m)->error->status,
           SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION);
  sb_msg_free(m);
  free(out);
  /* And a client that gets that error reports SB_EVERSION. */
  sbt_pair_t q;
  sbt_pair_new(&q, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  {
    Sbwire__V1__Envelope e2 = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Error er = SBWIRE__V1__ERROR__INIT;
    er.status = SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION;
    er.detail = "v1 only";
    e2.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
    e2.error = &er;
    CHECK_OK(sb_msg_pack_to(&e2, buf + 4, sizeof buf - 4, &len));
    sb_frame_write_header(buf, (uint32_t)len);
    sbt_end_inject(q.cend, buf, len + 4);
  }
  CHECK_ERR(sb_channel_handshake(q.client), SB_EVERSION);
  sbt_pair_free(&q);
  sbt_pair_free(&p);
}

SB_TEST(handshake_silent_peer_times_out) {
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, 200);
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_channel_handshake(p.server), SB_ETIMEDOUT);
  CHECK(sb_now_ms() - t0 >= 150);
  sbt_pair_free(&p);
}

SB_TEST(handshake_reflected_hello) {
  /* The client's own Hello sent back to it must not be accepted. */
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  sbt_end_hold(p.cend, 1);
  sb_thread_t *t;
  sbt_pair_start(&p, &t, NULL);
  /* Wait until the client's Hello is out, then reflect it. */
  size_t len = 0;
  uint8_t *buf = sbt_wait_held(p.cend, 1, &len);
  CHECK(len > 0);
  sbt_end_inject(p.cend, buf, len);
  free(buf);
  sb_thread_join(t);
  CHECK_ERR(p.client_err, SB_EPROTO);
  sbt_pair_free(&p);
}

SB_TEST(handshake_session_replay) {
  /* Record a whole good session's client bytes, then replay them into a
   * fresh server: its new nonce and key make the old Confirm fail. */
  sbt_pair_t p;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(1000));
  sbt_pair_handshake(&p);
  CHECK_OK(p.client_err);
  CHECK_OK(send_str(p.client, "transfer 100 to mallory"));
  expect_msg(p.server, "transfer 100 to mallory");
  CHECK_OK(sb_channel_close(p.client));
  size_t rec_len;
  const uint8_t *rec = sbt_end_record(p.cend, &rec_len);
  sbt_script_t script = {rec, rec_len, 0};
  sb_io_t io = sbt_script_io(&script);
  sb_channel_opts_t so = {SB_ROLE_SERVER, sbt_psk_a, sbtest_ms(1000),
                          sbtest_ms(1000)};
  sb_channel_t *victim;
  CHECK_OK(sb_channel_new(&victim, &io, &so));
  CHECK_ERR(sb_channel_handshake(victim), SB_EAUTH);
  sb_channel_free(victim);
  sbt_pair_free(&p);
}

static void sleep_until(uint64_t t) {
  uint64_t now = sb_now_ms();
  if (now < t)
    sb_sleep_ms((unsigned)(t - now));
}

/* One 5 s deadline for the whole handshake (issue 10 point 5): a client
 * whose Hello comes at once, its stream header at 3 s and its Confirm at
 * 6 s sends each step well inside 5 s of the one before, and still must
 * be closed at 5 s. Each step used to get its own 5 s, so this handshake
 * completed and was served. The default deadline is used, unscaled: the
 * point is the documented 5 s. */
SB_TEST(handshake_deadline_whole) {
  sbt_pair_t p;
  sb_thread_t *ct, *st;
  size_t len = 0;
  uint8_t *buf;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, 0);
  sbt_end_hold(p.cend, 1);
  uint64_t t0 = sb_now_ms();
  sbt_pair_start(&p, &ct, &st);
  buf = sbt_wait_held(p.cend, 1, &len); /* the client's Hello */
  CHECK(len > 0);
  sbt_end_inject(p.send, buf, len);
  free(buf);
  /* The client checks the server's Confirm, then sends its header frame
   * (4 + 24 bytes) and its Confirm. */
  buf = sbt_wait_held(p.cend, 2, &len);
  CHECK(len > 28);
  sleep_until(t0 + 3000);
  sbt_end_inject(p.send, buf, 28);
  sleep_until(t0 + 6000);
  sbt_end_inject(p.send, buf + 28, len - 28);
  free(buf);
  sb_thread_join(st);
  sb_thread_join(ct);
  fprintf(stderr, "server handshake: %s\n", sb_err_name(p.server_err));
  CHECK_ERR(p.server_err, SB_ETIMEDOUT);
  sbt_pair_free(&p);
}
