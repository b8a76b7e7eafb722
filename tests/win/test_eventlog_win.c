/* SPDX-License-Identifier: MIT */
/* The Event Log message table (service/win/messages.mc): the built
 * sbservice.exe carries a message for every Event ID the service reports
 * under, read back from the exe's resources with
 * FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE) as Event Viewer reads them
 * through EventMessageFile; and each kind of event maps to its own ID.
 * (Wine's ReportEventW keeps nothing, so what is reported is not read
 * back from a log.) */
#include "svcwin.h" /* windows.h first */

#include "messages.h"
#include "sbtest.h"

static HMODULE load_service_exe(void) {
  char path[MAX_PATH];
  snprintf(path, sizeof path, "%s\\sbservice.exe", SB_TEST_BIN_DIR);
  HMODULE m = LoadLibraryExA(path, NULL,
                             LOAD_LIBRARY_AS_DATAFILE |
                                 LOAD_LIBRARY_AS_IMAGE_RESOURCE);
  if (!m)
    fprintf(stderr, "cannot load %s: %lu\n", path, GetLastError());
  CHECK(m != NULL);
  return m;
}

/* The text of id in the exe with "INSERTED" as %1; "" if none. */
static int format(HMODULE m, DWORD id, WCHAR *out, DWORD cap) {
  DWORD_PTR args[1] = {(DWORD_PTR)L"INSERTED"};
  out[0] = 0;
  return FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE |
                            FORMAT_MESSAGE_ARGUMENT_ARRAY,
                        m, id, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
                        out, cap, (va_list *)args) > 0;
}

static const struct {
  sb_svc_event_kind_t kind;
  sb_log_level_t level;
  DWORD id;
  const WCHAR *words;
} table[] = {
    {SB_EV_STARTED, SB_LOG_INFO, SB_MSG_STARTED, L"started"},
    {SB_EV_STOPPED, SB_LOG_INFO, SB_MSG_STOPPED, L"stopped"},
    {SB_EV_START_FAILED, SB_LOG_ERROR, SB_MSG_START_FAILED,
     L"could not start"},
    {SB_EV_GROUND_REFUSED, SB_LOG_ERROR, SB_MSG_GROUND_REFUSED,
     L"refuses to run"},
    {SB_EV_DATA_FOLDER_REFUSED, SB_LOG_ERROR, SB_MSG_DATA_FOLDER_REFUSED,
     L"data folder"},
    {SB_EV_DATA_FOLDER_TAKEN_BACK, SB_LOG_WARN, SB_MSG_DATA_FOLDER_TAKEN_BACK,
     L"taken back"},
    {SB_EV_AGENT_LAUNCH_FAILED, SB_LOG_ERROR, SB_MSG_AGENT_LAUNCH_FAILED,
     L"could not be launched"},
    {SB_EV_AGENT_REFUSED, SB_LOG_ERROR, SB_MSG_AGENT_REFUSED,
     L"refused to launch"},
    {SB_EV_NONE, SB_LOG_INFO, SB_MSG_LOG_INFO, L""},
    {SB_EV_NONE, SB_LOG_WARN, SB_MSG_LOG_WARNING, L""},
    {SB_EV_NONE, SB_LOG_ERROR, SB_MSG_LOG_ERROR, L""},
};
#define N (sizeof table / sizeof table[0])

SB_TEST(eventlog_message_table_in_exe) {
  HMODULE m = load_service_exe();
  WCHAR text[512];
  for (size_t i = 0; i < N; i++) {
    if (!format(m, table[i].id, text, 512))
      fprintf(stderr, "no message 0x%08lx in sbservice.exe: %lu\n",
              (unsigned long)table[i].id, GetLastError());
    CHECK(text[0] != 0);
    CHECK(wcsstr(text, L"INSERTED") != NULL);
    CHECK(wcsstr(text, table[i].words) != NULL);
  }
  /* An ID the table does not have is not found: the lookup is real. */
  CHECK(!format(m, 0xC0000FFFu, text, 512));
  CHECK_EQ(GetLastError(), ERROR_MR_MID_NOT_FOUND);
  FreeLibrary(m);
}

SB_TEST(eventlog_each_kind_its_own_id) {
  /* Every kind, and the generic lines by level, map to the ID above;
   * the kinds' IDs are all different (a rule can filter on each). */
  for (size_t i = 0; i < N; i++) {
    CHECK_EQ(sb_winlog_event_id(table[i].kind, table[i].level), table[i].id);
    for (size_t j = 0; j < i; j++)
      CHECK(table[i].id != table[j].id);
  }
  for (int k = SB_EV_NONE + 1; k < SB_EV_COUNT_; k++) {
    int listed = 0;
    for (size_t i = 0; i < N; i++)
      listed |= table[i].kind == (sb_svc_event_kind_t)k;
    CHECK(listed); /* a new kind needs a message and a line here */
  }
  /* A kind's ID does not depend on the level it was logged at. */
  CHECK_EQ(sb_winlog_event_id(SB_EV_AGENT_LAUNCH_FAILED, SB_LOG_WARN),
           SB_MSG_AGENT_LAUNCH_FAILED);
}
