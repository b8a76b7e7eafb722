/* SPDX-License-Identifier: MIT */
/* The connection to the service and the mapping of client API errors to
 * sbctl's exit codes and messages. */
#include <string.h>

#include "sbctl.h"

int sbctl_connect(sbctl_t *c) {
  /* The connect and handshake get the command's deadline, up to 5 s: a
   * service that is not there should be reported quickly. */
  uint32_t ms = c->timeout_ms < 5000 ? c->timeout_ms : 5000;
  int err = sb_client_open(&c->client, c->endpoint, c->key_path, ms);
  if (err) {
    fprintf(stderr, "sbctl: %s\n", sb_client_error_detail());
    return EXIT_CONNECT;
  }
  return EXIT_OK;
}

void sbctl_disconnect(sbctl_t *c) {
  sb_client_close(c->client);
  c->client = NULL;
}

uint32_t sbctl_session(const sbctl_t *c) { return (uint32_t)c->session; }

int sbctl_result(sbctl_t *c, int err) {
  const char *status, *detail;
  if (!err)
    return EXIT_OK;
  status = sb_client_error_status();
  detail = sb_client_error_detail();
  if (!*status) {
    /* Local: the connection failed, or our own deadline passed (the
     * service did not answer in time: that is the remote's failure). */
    fprintf(stderr, "sbctl: %s\n", *detail ? detail : sb_strerror(err));
    return err == SB_ETIMEDOUT ? EXIT_REMOTE : EXIT_CONNECT;
  }
  if (c->json) {
    printf("{\"error\":");
    sbctl_json_str(stdout, status);
    printf(",\"detail\":");
    sbctl_json_str(stdout, detail);
    printf("}\n");
  }
  fprintf(stderr, "sbctl: %s: %s\n", status,
          *detail ? detail : sb_strerror(err));
  return EXIT_REMOTE;
}

int sbctl_need_session(sbctl_t *c, const char *cmd) {
  if (c->session < 0) {
    fprintf(stderr, "sbctl: %s needs --session N\n", cmd);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

void sbctl_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}
