/* SPDX-License-Identifier: MIT */
/* Golden test vectors: fixed PSK and a fixed random stream produce exact
 * bytes on the wire. Both builds (native and Windows under Wine) must
 * reproduce tests/vectors/session-1.txt byte for byte, and the test also
 * re-derives the transcript hash and both keys independently, so the file
 * doubles as a worked example for docs/protocol.md.
 *
 * SB_VECTORS_WRITE=1 rewrites the file (only when the protocol changes on
 * purpose). */
#include <sodium.h>

#include "detrng.h"
#include "pair.h"
#include "sbtest.h"

static const uint8_t rng_key[32] = "sessionbridge test vector rng!!";

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle,
                    size_t m) {
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(hay + i, needle, m) == 0)
      return 1;
  return 0;
}

static void to_hex(char *out, const uint8_t *in, size_t len) {
  sodium_bin2hex(out, len * 2 + 1, in, len);
}

typedef struct {
  char *text;
  size_t len, cap;
} sbuf_t;

static void put(sbuf_t *s, const char *key, const uint8_t *v, size_t n) {
  size_t need = strlen(key) + 4 + n * 2 + 2;
  if (s->len + need + 1 > s->cap) {
    s->cap = (s->len + need + 1) * 2;
    s->text = realloc(s->text, s->cap);
  }
  s->len += (size_t)sprintf(s->text + s->len, "%s = ", key);
  to_hex(s->text + s->len, v, n);
  s->len += n * 2;
  s->text[s->len++] = '\n';
  s->text[s->len] = 0;
}

static const uint8_t *frame_at(const uint8_t *stream, size_t idx,
                               size_t *len) {
  size_t off = 0;
  for (;;) {
    size_t n = stream[off] | stream[off + 1] << 8 |
               (size_t)stream[off + 2] << 16 | (size_t)stream[off + 3] << 24;
    if (idx-- == 0) {
      *len = n;
      return stream + off + 4;
    }
    off += 4 + n;
  }
}

static void hash_part(crypto_generichash_state *st, const uint8_t *p,
                      size_t n) {
  uint8_t l[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16),
                  (uint8_t)(n >> 24)};
  crypto_generichash_update(st, l, 4);
  crypto_generichash_update(st, p, n);
}

SB_TEST(vectors_session_1) {
  uint8_t psk[32], c_sk[32], c_pk[32], c_nonce[32], s_sk[32], s_pk[32],
      s_nonce[32];
  sbt_pair_t p;
  const uint8_t *m;
  size_t n;

  for (int i = 0; i < 32; i++)
    psk[i] = (uint8_t)(0xA0 + i);
  sbt_detrng_install(rng_key);
  sbt_pair_new(&p, psk, psk, 0);
  sbt_pair_handshake(&p);
  CHECK_OK(p.client_err);
  CHECK_OK(p.server_err);

  /* One request and its response, then both sides close. */
  Sbwire__V1__Envelope req = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request rq = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  ping.payload.data = (uint8_t *)"ping";
  ping.payload.len = 4;
  rq.deadline_ms = 5000;
  rq.session_id = 1;
  rq.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  rq.ping = &ping;
  req.request_id = 1;
  req.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  req.request = &rq;
  CHECK_OK(sb_channel_send_envelope(p.client, &req));
  CHECK_OK(sb_channel_recv(p.server, &m, &n, 1000));
  Sbwire__V1__Envelope rsp = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rs = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse pong = SBWIRE__V1__PING_RESPONSE__INIT;
  pong.payload = ping.payload;
  rs.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rs.ping = &pong;
  rsp.request_id = 1;
  rsp.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  rsp.response = &rs;
  CHECK_OK(sb_channel_send_envelope(p.server, &rsp));
  CHECK_OK(sb_channel_recv(p.client, &m, &n, 1000));
  CHECK_OK(sb_channel_close(p.client));
  CHECK_OK(sb_channel_close(p.server));
  CHECK_ERR(sb_channel_recv(p.server, &m, &n, 1000), SB_EOF);
  CHECK_ERR(sb_channel_recv(p.client, &m, &n, 1000), SB_EOF);
  sbt_detrng_remove();

  size_t c2s_len, s2c_len;
  const uint8_t *c2s = sbt_end_record(p.cend, &c2s_len);
  const uint8_t *s2c = sbt_end_record(p.send, &s2c_len);

  /* Re-derive the ephemeral keys from the same random stream: the client
   * drew sk then nonce, then the server did. */
  sbt_detrng_rewind();
  sbt_detrng_buf(c_sk, 32);
  sbt_detrng_buf(c_nonce, 32);
  sbt_detrng_buf(s_sk, 32);
  sbt_detrng_buf(s_nonce, 32);
  crypto_scalarmult_base(c_pk, c_sk);
  crypto_scalarmult_base(s_pk, s_sk);

  /* Independent key schedule (protocol.md, "Key schedule"). */
  size_t hc_len, hs_len;
  const uint8_t *hc = frame_at(c2s, 0, &hc_len);
  const uint8_t *hs = frame_at(s2c, 0, &hs_len);
  CHECK(hc_len < 200 && hs_len < 200);
  /* The Hellos carry the keys and nonces we re-derived. */
  CHECK(contains(hc, hc_len, c_pk, 32) && contains(hc, hc_len, c_nonce, 32));
  CHECK(contains(hs, hs_len, s_pk, 32) && contains(hs, hs_len, s_nonce, 32));
  uint8_t t[32], c_rx[32], c_tx[32], k_c2s[32], k_s2c[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 32);
  crypto_generichash_update(&st, (const uint8_t *)"sessionbridge/1 transcript",
                            26);
  hash_part(&st, hc, hc_len);
  hash_part(&st, hs, hs_len);
  crypto_generichash_final(&st, t, 32);
  CHECK_OK(crypto_kx_client_session_keys(c_rx, c_tx, c_pk, c_sk, s_pk));
  crypto_generichash_init(&st, psk, 32, 32);
  crypto_generichash_update(&st, (const uint8_t *)"sessionbridge/1 c2s", 19);
  crypto_generichash_update(&st, c_tx, 32);
  crypto_generichash_update(&st, t, 32);
  crypto_generichash_final(&st, k_c2s, 32);
  crypto_generichash_init(&st, psk, 32, 32);
  crypto_generichash_update(&st, (const uint8_t *)"sessionbridge/1 s2c", 19);
  crypto_generichash_update(&st, c_rx, 32);
  crypto_generichash_update(&st, t, 32);
  crypto_generichash_final(&st, k_s2c, 32);

  /* Decrypt the server's Confirm with the independently derived key: it
   * must hold the transcript hash. */
  size_t hdr_len, conf_len;
  const uint8_t *hdr = frame_at(s2c, 1, &hdr_len);
  const uint8_t *conf = frame_at(s2c, 2, &conf_len);
  CHECK_EQ(hdr_len, 24);
  crypto_secretstream_xchacha20poly1305_state ss;
  CHECK_OK(crypto_secretstream_xchacha20poly1305_init_pull(&ss, hdr, k_s2c));
  uint8_t plain[128], ad[6];
  unsigned long long plen;
  unsigned char tag;
  ad[0] = (uint8_t)conf_len;
  ad[1] = (uint8_t)(conf_len >> 8);
  ad[2] = ad[3] = 0;
  ad[4] = 3; /* protocol version 3 */
  ad[5] = 'S';
  CHECK(conf_len < sizeof plain);
  CHECK_OK(crypto_secretstream_xchacha20poly1305_pull(
      &ss, plain, &plen, &tag, conf, conf_len, ad, 6));
  CHECK(contains(plain, (size_t)plen, t, 32));

  sbuf_t out = {0};
  put(&out, "psk", psk, 32);
  put(&out, "client_kx_secret", c_sk, 32);
  put(&out, "client_kx_public", c_pk, 32);
  put(&out, "client_nonce", c_nonce, 32);
  put(&out, "server_kx_secret", s_sk, 32);
  put(&out, "server_kx_public", s_pk, 32);
  put(&out, "server_nonce", s_nonce, 32);
  put(&out, "transcript_hash", t, 32);
  put(&out, "key_c2s", k_c2s, 32);
  put(&out, "key_s2c", k_s2c, 32);
  put(&out, "client_to_server", c2s, c2s_len);
  put(&out, "server_to_client", s2c, s2c_len);

  const char *path = SB_TEST_VECTORS_DIR "/session-1.txt";
  if (getenv("SB_VECTORS_WRITE")) {
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    fputs("# sessionbridge protocol v3, test vector 1: handshake, one ping\n"
          "# request (request_id 1, session 1, deadline 5000 ms, payload\n"
          "# \"ping\"), its response, then TAG_FINAL from client and server.\n"
          "# Random bytes: ChaCha20 keystream, key \"sessionbridge test\n"
          "# vector rng!!\\0\", nonce 0, drawn in order: client kx secret,\n"
          "# client nonce, server kx secret, server nonce, server stream\n"
          "# header, client stream header. See docs/protocol.md.\n",
          f);
    fwrite(out.text, 1, out.len, f);
    fclose(f);
  }
  FILE *f = fopen(path, "rb");
  if (!f)
    sbtest_fail(__FILE__, __LINE__, "vector file present", path);
  char *want = calloc(1, 1 << 16);
  size_t got = fread(want, 1, (1 << 16) - 1, f);
  fclose(f);
  /* Compare the key = value lines only (comments may change). */
  char *body = want;
  while (*body == '#') {
    body = strchr(body, '\n');
    CHECK(body != NULL);
    body++;
  }
  (void)got;
  /* Normalise CRLF in case of a Windows checkout. */
  for (char *r = body, *w = body;; r++) {
    if (*r != '\r')
      *w++ = *r;
    if (!*r)
      break;
  }
  if (strcmp(body, out.text) != 0) {
    fprintf(stderr, "expected:\n%s\ngot:\n%s\n", body, out.text);
    sbtest_fail(__FILE__, __LINE__, "vector bytes match", path);
  }
  free(want);
  free(out.text);
  sbt_pair_free(&p);
}
