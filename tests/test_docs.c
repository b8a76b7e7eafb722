/* SPDX-License-Identifier: MIT */
/* docs/protocol.md must reproduce the schema verbatim: a reader of the
 * document alone has to see the same messages the code speaks. */
#include "sbtest.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    sbtest_fail(__FILE__, __LINE__, "open", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = calloc(1, (size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  /* Drop CRs so a Windows checkout compares equal. */
  size_t w = 0;
  for (size_t r = 0; r < got; r++)
    if (buf[r] != '\r')
      buf[w++] = buf[r];
  buf[w] = 0;
  *len = w;
  return buf;
}

SB_TEST(docs_protocol_has_schema) {
  size_t dlen, plen;
  char *doc = slurp(SB_SOURCE_DIR "/docs/protocol.md", &dlen);
  char *proto = slurp(SB_SOURCE_DIR "/proto/sessionbridge.proto", &plen);
  const char *begin = strstr(doc, "<!-- BEGIN PROTO -->\n```proto\n");
  const char *end = strstr(doc, "```\n<!-- END PROTO -->");
  CHECK(begin && end && end > begin);
  begin += strlen("<!-- BEGIN PROTO -->\n```proto\n");
  CHECK_EQ((size_t)(end - begin), plen);
  CHECK(memcmp(begin, proto, plen) == 0);
  free(doc);
  free(proto);
}

/* The same for the test vectors: a reader of the document alone can check
 * an implementation against a whole session. */
SB_TEST(docs_protocol_has_vectors) {
  size_t dlen, vlen;
  char *doc = slurp(SB_SOURCE_DIR "/docs/protocol.md", &dlen);
  char *vec = slurp(SB_TEST_VECTORS_DIR "/session-1.txt", &vlen);
  const char *begin = strstr(doc, "<!-- BEGIN VECTORS -->\n```text\n");
  const char *end = strstr(doc, "```\n<!-- END VECTORS -->");
  CHECK(begin && end && end > begin);
  begin += strlen("<!-- BEGIN VECTORS -->\n```text\n");
  CHECK_EQ((size_t)(end - begin), vlen);
  CHECK(memcmp(begin, vec, vlen) == 0);
  free(doc);
  free(vec);
}
