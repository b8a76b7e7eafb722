/* Clipboard text, called directly in the test process. The X11 side
 * (xclip) is checked by e2e_task_clipboard_wine (tests/e2e/tasks_wine.sh). These tests share the
 * session's clipboard: run them one at a time (RESOURCE_LOCK). On POSIX
 * the clipboard needs the X11 backend that is not written yet, and the
 * task must say so (SB_EOS), which is what is checked there. */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

/* 0 on Windows; on POSIX checks the documented refusal and returns 1. */
static int posix_refuses(void) {
  uint8_t *d = NULL;
  size_t n = 0;
  int empty = 0;
  if (sbtest_is_windows())
    return 0;
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"x", 1, 0, NULL), SB_EOS);
  CHECK_ERR(sb_task_clipboard_get_text(&d, &n, &empty, NULL), SB_EOS);
  CHECK(d == NULL);
  return 1;
}

static void round_trip(const char *text, size_t len) {
  uint8_t *got = NULL;
  size_t n = 0;
  int empty = 1;
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)text, len, 0, NULL));
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(empty, 0);
  CHECK_EQ(n, len);
  CHECK(got != NULL);
  CHECK_MEM(got, text, len);
  CHECK_EQ(got[n], 0); /* NUL-terminated for C callers */
  sb_free(got);
}

SB_TEST(task_clipboard_ascii) {
  if (posix_refuses())
    return;
  round_trip("hello, clipboard", 16);
}

SB_TEST(task_clipboard_non_ascii) {
  /* Two-, three- and four-byte UTF-8 (the last a UTF-16 surrogate pair),
   * and a CR LF that must come back unchanged. */
  static const char t[] = "Gr\xc3\xbc\xc3\x9f"
                          "e \xe2\x9c\x93 \xe6\x97\xa5"
                          "\xe6\x9c\xac \xf0\x9f\x98\x80\r\nend";
  if (posix_refuses())
    return;
  round_trip(t, sizeof t - 1);
}

SB_TEST(task_clipboard_large) {
  /* 1 MiB, over the 512 KiB a message carries inline, so the same size
   * the agent must send as a chunked transfer. */
  size_t len = 1024 * 1024;
  char *t;
  if (posix_refuses())
    return;
  t = malloc(len);
  CHECK(t != NULL);
  for (size_t i = 0; i < len; i++)
    t[i] = (char)('a' + i % 26);
  round_trip(t, len);
  free(t);
}

SB_TEST(task_clipboard_empty_text) {
  uint8_t *got = (uint8_t *)"not null";
  size_t n = 99;
  int empty = 0;
  if (posix_refuses())
    return;
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"", 0, 0, NULL));
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(empty, 1);
  CHECK_EQ(n, 0);
  CHECK(got == NULL);
}

SB_TEST(task_clipboard_invalid_utf8_leaves_it) {
  /* A lone continuation byte, an overlong '/', and a UTF-16 surrogate
   * encoded in UTF-8: each refused, and the text already there stays. */
  static const char *bad[] = {"ab\x80", "\xc0\xaf", "\xed\xa0\x80"};
  uint8_t *got = NULL;
  size_t n = 0;
  int empty = 0;
  if (posix_refuses())
    return;
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"keep me", 7, 0, NULL));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_ERR(
        sb_task_clipboard_set_text((const uint8_t *)bad[i], strlen(bad[i]), 0, NULL),
        SB_EUTF8);
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(n, 7);
  CHECK_MEM(got, "keep me", 7);
  sb_free(got);
}

SB_TEST(task_clipboard_nul_refused_leaves_it) {
  /* CF_UNICODETEXT ends at the first NUL: "a\0b" would be read back as
   * "a". Refused on both platforms, and the text already there stays. */
  uint8_t *got = NULL;
  size_t n = 0;
  int empty = 0;
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"a\0b", 3, 0, NULL), SB_EFIELD);
  if (posix_refuses())
    return;
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"keep me", 7, 0, NULL));
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"a\0b", 3, 0, NULL), SB_EFIELD);
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(n, 7);
  CHECK_MEM(got, "keep me", 7);
  sb_free(got);
}

SB_TEST(task_clipboard_too_big_leaves_it) {
  size_t len = SB_CLIPBOARD_MAX + 1;
  uint8_t *big, *got = NULL;
  size_t n = 0;
  int empty = 0;
  if (posix_refuses())
    return;
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"keep me", 7, 0, NULL));
  big = malloc(len);
  CHECK(big != NULL);
  memset(big, 'a', len);
  CHECK_ERR(sb_task_clipboard_set_text(big, len, 0, NULL), SB_ETOOBIG);
  /* Exactly the limit is accepted. */
  CHECK_OK(sb_task_clipboard_set_text(big, SB_CLIPBOARD_MAX, 0, NULL));
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(n, SB_CLIPBOARD_MAX);
  sb_free(got);
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"keep me", 7, 0, NULL));
  CHECK_ERR(sb_task_clipboard_set_text(big, len, 0, NULL), SB_ETOOBIG);
  CHECK_OK(sb_task_clipboard_get_text(&got, &n, &empty, NULL));
  CHECK_EQ(n, 7);
  CHECK_MEM(got, "keep me", 7);
  sb_free(got);
  free(big);
}

SB_TEST(task_clipboard_bad_args) {
  if (posix_refuses())
    return;
  CHECK_ERR(sb_task_clipboard_set_text(NULL, 3, 0, NULL), SB_EINVAL);
  CHECK_ERR(sb_task_clipboard_get_text(NULL, NULL, NULL, NULL), SB_EINVAL);
}
