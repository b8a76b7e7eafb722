/* SPDX-License-Identifier: MIT */
/* The cut of UTF-16 text into a fixed field (notification title and text,
 * message box title): never half a surrogate pair at the end. Windows
 * only: the function works on WCHAR, which is 32 bits wide on POSIX. */
#include <windows.h>

#include "win/desktop_win.h"
#include "sbtest.h"

SB_TEST(agent_wcopy_surrogate_at_the_cut) {
  /* "ab", U+1F600 (D83D DE00), "c" */
  static const WCHAR src[] = {L'a', L'b', 0xD83D, 0xDE00, L'c', 0};
  WCHAR dst[8];
  /* Room for 3 units: the pair would be split, so it goes whole. */
  CHECK_EQ(sb_agent_wcopy(dst, 4, src), 1);
  CHECK(dst[0] == L'a' && dst[1] == L'b' && dst[2] == 0);
  /* Room for 4: the pair fits, "c" is cut. */
  CHECK_EQ(sb_agent_wcopy(dst, 5, src), 1);
  CHECK(dst[2] == 0xD83D && dst[3] == 0xDE00 && dst[4] == 0);
  /* Room for all. */
  CHECK_EQ(sb_agent_wcopy(dst, 6, src), 0);
  CHECK(dst[4] == L'c' && dst[5] == 0);
  /* A field of one unit holds only the terminator. */
  CHECK_EQ(sb_agent_wcopy(dst, 1, src), 1);
  CHECK(dst[0] == 0);
  /* The pair first, room for 1: nothing but the terminator. */
  static const WCHAR pair[] = {0xD83D, 0xDE00, 0};
  CHECK_EQ(sb_agent_wcopy(dst, 2, pair), 1);
  CHECK(dst[0] == 0);
}
