/* SPDX-License-Identifier: MIT */
/* Clipboard text, called directly in the test process. The X11 side
 * (xclip) is checked by e2e_task_clipboard_wine (tests/e2e/tasks_wine.sh).
 * These tests share the session's clipboard: run them one at a time
 * (RESOURCE_LOCK). On POSIX the clipboard needs a desktop backend this
 * build does not have: the tests that need one skip and say why; the
 * portable input checks run everywhere. */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

/* Skips (exit 77, with the reason) where there is no clipboard backend. */
static int posix_refuses(void) {
  if (!sbtest_is_windows())
    sbtest_skip("the POSIX agent has no desktop backend for the clipboard (agent/posix/tasks_posix.c answers SB_EUNSUPPORTED; task_posix_unsupported checks that)");
  return 0;
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

/* The portable checks (agent/core/task_check.c) refuse on every platform,
 * with or without a clipboard backend, before anything is touched. */
SB_TEST(task_clipboard_text_check_refuses) {
  CHECK_OK(sb_task_clipboard_text_check((const uint8_t *)"caf\xc3\xa9", 5));
  CHECK_ERR(sb_task_clipboard_text_check((const uint8_t *)"bad \xc3(", 6),
            SB_EUTF8);
  CHECK_ERR(sb_task_clipboard_text_check((const uint8_t *)"\xed\xa0\x80", 3),
            SB_EUTF8); /* a surrogate */
  CHECK_ERR(sb_task_clipboard_text_check((const uint8_t *)"a\0b", 3),
            SB_EFIELD);
  /* The platform's set runs the same check first. */
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"bad \xc3(", 6, 0, NULL),
            SB_EUTF8);
}

SB_TEST(task_clipboard_image_check_refuses) {
  static const uint8_t png1x1[] = {
      0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H',
      'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde};
  uint8_t bad[sizeof png1x1];
  const char *why = NULL;
  CHECK_OK(sb_task_clipboard_image_check(png1x1, sizeof png1x1, &why));
  CHECK_ERR(sb_task_clipboard_image_check((const uint8_t *)"GIF89a", 6, &why),
            SB_EFIELD);
  CHECK(why && strstr(why, "signature"));
  memcpy(bad, png1x1, sizeof bad);
  bad[12] = 'X'; /* IHDR -> XHDR */
  CHECK_ERR(sb_task_clipboard_image_check(bad, sizeof bad, &why), SB_EFIELD);
  CHECK(why && strstr(why, "IHDR"));
  memcpy(bad, png1x1, sizeof bad);
  bad[19] = 0; /* width 0 */
  CHECK_ERR(sb_task_clipboard_image_check(bad, sizeof bad, &why), SB_EFIELD);
  CHECK_ERR(sb_task_clipboard_image_check(png1x1, 20, &why), SB_EFIELD);
  CHECK_ERR(sb_task_clipboard_image_check(NULL, 0, &why), SB_EFIELD);
}
