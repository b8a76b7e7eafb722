/* SPDX-License-Identifier: MIT */
/* sbctl's (the client API's) check of the control pipe's server, live
 * under Wine: a stand-in process serves the control pipe's real name
 * while the SCM's "sessionbridge" service is another process (this
 * test's helper, registered as that service). The client must refuse
 * before it sends a byte: the stand-in reads end of file, nothing else.
 * (With the check gone the client's handshake Hello arrives.) Named
 * service_scm_* so CTest runs it alone with the other users of the
 * service name and control pipe. */
#include "svcwin.h" /* windows.h first */

#include "sbtest.h"
#include "sessionbridge.h"
#include "sessionbridge/client.h"

static SERVICE_STATUS_HANDLE fake_status;
static SERVICE_STATUS fake_st;
static HANDLE fake_stop;

static DWORD WINAPI fake_handler(DWORD c, DWORD e, LPVOID d, LPVOID x) {
  (void)e;
  (void)d;
  (void)x;
  if (c == SERVICE_CONTROL_STOP) {
    fake_st.dwCurrentState = SERVICE_STOP_PENDING;
    SetServiceStatus(fake_status, &fake_st);
    SetEvent(fake_stop);
  }
  return NO_ERROR;
}

static void WINAPI fake_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  fake_stop = CreateEventW(NULL, TRUE, FALSE, NULL);
  fake_status = RegisterServiceCtrlHandlerExW(SB_SVC_NAME_W, fake_handler,
                                              NULL);
  fake_st.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  fake_st.dwCurrentState = SERVICE_RUNNING;
  fake_st.dwControlsAccepted = SERVICE_ACCEPT_STOP;
  SetServiceStatus(fake_status, &fake_st);
  WaitForSingleObject(fake_stop, 60000);
  fake_st.dwCurrentState = SERVICE_STOPPED;
  SetServiceStatus(fake_status, &fake_st);
}

/* A service named sessionbridge that serves nothing. */
SB_HELPER(fake_service) {
  (void)argc;
  (void)argv;
  SERVICE_TABLE_ENTRYW t[] = {{(LPWSTR)SB_SVC_NAME_W, fake_main},
                              {NULL, NULL}};
  return StartServiceCtrlDispatcherW(t) ? 0 : 1;
}

typedef struct {
  const char *key;
  int err;
} client_arg_t;

static void client_thread(void *p) {
  client_arg_t *a = p;
  sb_client_t *c = NULL;
  /* The default endpoint: the check applies to it (a caller-named
   * endpoint is the caller's choice). */
  a->err = sb_client_open(&c, NULL, a->key, (uint32_t)sbtest_ms(5000));
  if (c)
    sb_client_close(c);
}

SB_TEST(service_scm_control_server_wrong_pid_refused) {
  WCHAR cmd[MAX_PATH + 64], self[MAX_PATH];
  SERVICE_STATUS_PROCESS st;
  SERVICE_STATUS ss;
  DWORD n = 0;
  char key[600];
  uint8_t k[32], b[64];
  size_t got = 0;
  sb_listener_t *l = NULL;
  sb_stream_t *s = NULL;
  sb_thread_t *t = NULL;
  sb_listen_opts_t o = {"D:P(A;;GA;;;WD)", 0, -1, 0};
  client_arg_t a = {key, 1};

  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  CHECK(scm != NULL);
  SC_HANDLE svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_QUERY_STATUS);
  if (svc) {
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    sbtest_skip("a sessionbridge service is installed in this prefix");
  }
  MultiByteToWideChar(CP_UTF8, 0, sbtest_self(), -1, self, MAX_PATH);
  _snwprintf(cmd, MAX_PATH + 64, L"\"%ls\" --helper fake_service", self);
  svc = CreateServiceW(scm, SB_SVC_NAME_W, SB_SVC_NAME_W, SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                       SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, NULL,
                       NULL);
  CHECK(svc != NULL);
  int running = 0;
  if (StartServiceW(svc, 0, NULL))
    for (int i = 0; i < sbtest_ms(10000) / 50 && !running; i++) {
      running = QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO,
                                     (BYTE *)&st, sizeof st, &n) &&
                st.dwCurrentState == SERVICE_RUNNING && st.dwProcessId;
      if (!running)
        Sleep(50);
    }
  /* The stand-in: this process, on the control pipe's real name. */
  snprintf(key, sizeof key, "%s\\control.key", sbtest_tmpdir());
  sbtest_fill(k, sizeof k, 3);
  FILE *f = fopen(key, "wb");
  int ok = running && f && fwrite(k, 1, 32, f) == 32;
  if (f)
    fclose(f);
  int lerr = ok ? sb_listener_open(&l, SB_CONTROL_ENDPOINT_WIN, &o) : -1;
  if (!lerr && sb_thread_create(&t, client_thread, &a, 0) == 0 &&
      sb_listener_accept(l, &s, sbtest_ms(5000)) == 0) {
    /* Everything the client sends until it gives up. */
    size_t r = 0;
    while (got < sizeof b &&
           sb_stream_read(s, b + got, sizeof b - got, &r, sbtest_ms(3000)) ==
               0 &&
           r > 0)
      got += r;
  }
  if (t)
    sb_thread_join(t);
  if (s)
    sb_stream_close(s);
  if (l)
    sb_listener_close(l);
  ControlService(svc, SERVICE_CONTROL_STOP, &ss);
  for (int i = 0; i < 100; i++) {
    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st,
                              sizeof st, &n) ||
        st.dwCurrentState == SERVICE_STOPPED)
      break;
    Sleep(50);
  }
  DeleteService(svc);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  CHECK(running); /* the SCM ran the helper as "sessionbridge" */
  CHECK_OK(lerr);
  CHECK(s != NULL);
  fprintf(stderr, "client: %s; the stand-in read %u bytes\n",
          sb_err_name(a.err), (unsigned)got);
  CHECK_ERR(a.err, SB_EPEER);
  CHECK_EQ(got, 0);
}
