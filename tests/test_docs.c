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

/* The text between `begin` and `end` in docs/protocol.md is the file at
 * `path`, byte for byte. */
static void check_verbatim(const char *path, const char *begin_mark,
                           const char *end_mark) {
  size_t dlen, flen;
  char *doc = slurp(SB_SOURCE_DIR "/docs/protocol.md", &dlen);
  char *file = slurp(path, &flen);
  const char *begin = strstr(doc, begin_mark);
  const char *end = strstr(doc, end_mark);
  CHECK(begin && end && end > begin);
  begin += strlen(begin_mark);
  CHECK_EQ((size_t)(end - begin), flen);
  CHECK(memcmp(begin, file, flen) == 0);
  free(doc);
  free(file);
}

SB_TEST(docs_protocol_has_schema) {
  check_verbatim(SB_SOURCE_DIR "/proto/sessionbridge.proto",
                 "<!-- BEGIN PROTO -->\n```proto\n", "```\n<!-- END PROTO -->");
}

/* The same for the test vectors: a reader of the document alone can check
 * an implementation against a whole session. */
SB_TEST(docs_protocol_has_vectors) {
  check_verbatim(SB_TEST_VECTORS_DIR "/session-1.txt",
                 "<!-- BEGIN VECTORS -->\n```text\n",
                 "```\n<!-- END VECTORS -->");
}
