/* Connection to the service's control channel. */
#include <string.h>

#include "sbctl.h"

int sbctl_connect(sbctl_t *c) {
  char endpoint[512], keypath[512];
  uint8_t key[32];
  sb_channel_t *ch = NULL;
  sb_channel_opts_t opts;
  sb_rpc_opts_t ro;
  sb_io_t io;
  int err, default_endpoint = !c->endpoint;
  char why[256];

  if (!c->endpoint) {
    if (sb_path_control_endpoint(endpoint, sizeof endpoint) != 0) {
      fprintf(stderr, "sbctl: cannot build the control endpoint name\n");
      return EXIT_CONNECT;
    }
    c->endpoint = endpoint;
  }
  if (!c->key_path) {
    if (sb_path_control_key(keypath, sizeof keypath) != 0) {
      fprintf(stderr, "sbctl: cannot build the control key path\n");
      return EXIT_CONNECT;
    }
    c->key_path = keypath;
  }
  err = sb_key_file_read(c->key_path, key);
  if (err) {
    fprintf(stderr,
            "sbctl: cannot read the control key %s: %s (is the service "
            "installed, and are you an administrator?)\n",
            c->key_path, sb_strerror(err));
    return EXIT_CONNECT;
  }
  err = sb_stream_connect(&c->stream, c->endpoint, 5000);
  if (err) {
    fprintf(stderr, "sbctl: cannot connect to %s: %s (is the service running?)\n",
            c->endpoint, sb_strerror(err));
    goto fail;
  }
  /* Nothing is sent to a server that is not the service (an endpoint
   * given with --endpoint is the caller's choice). */
  if (default_endpoint && sbctl_check_server(c->stream, why, sizeof why)) {
    fprintf(stderr, "sbctl: refusing to talk to %s: %s\n", c->endpoint, why);
    err = SB_EPEER;
    goto fail;
  }
  io = sb_stream_io(c->stream);
  memset(&opts, 0, sizeof opts);
  opts.role = SB_ROLE_CLIENT;
  opts.psk = key;
  err = sb_channel_new(&ch, &io, &opts);
  if (!err)
    err = sb_channel_handshake(ch);
  if (err) {
    fprintf(stderr, "sbctl: handshake with the service failed: %s%s\n",
            sb_strerror(err),
            err == SB_EAUTH ? " (wrong control key?)" : "");
    goto fail;
  }
  memset(&ro, 0, sizeof ro);
  ro.stream = c->stream;
  /* sbctl serves nothing and makes one call at a time: reading its own
   * answers saves a thread hand-off per request. */
  ro.caller_reads = 1;
  err = sb_rpc_start(&c->rpc, ch, &ro);
  if (err) {
    fprintf(stderr, "sbctl: %s\n", sb_strerror(err));
    goto fail;
  }
  sb_memzero(key, sizeof key);
  if (c->endpoint == endpoint)
    c->endpoint = NULL;
  if (c->key_path == keypath)
    c->key_path = NULL;
  return EXIT_OK;

fail:
  sb_memzero(key, sizeof key);
  sb_channel_free(ch);
  if (c->stream)
    sb_stream_close(c->stream);
  c->stream = NULL;
  if (c->endpoint == endpoint)
    c->endpoint = NULL;
  if (c->key_path == keypath)
    c->key_path = NULL;
  return EXIT_CONNECT;
}

void sbctl_disconnect(sbctl_t *c) {
  if (c->rpc)
    sb_rpc_stop(c->rpc);
  if (c->stream)
    sb_stream_close(c->stream);
  c->rpc = NULL;
  c->stream = NULL;
}

int sbctl_call(sbctl_t *c, Sbwire__V1__Request *req, const uint8_t *upload,
               size_t upload_len, sb_rpc_result_t *res) {
  const char *detail = NULL;
  int err;
  if (c->session >= 0)
    req->session_id = (uint32_t)c->session;
  err = sb_rpc_call(c->rpc, req, c->timeout_ms, upload, upload_len, res);
  if (err) {
    fprintf(stderr, "sbctl: request failed: %s\n", sb_strerror(err));
    return err == SB_ETIMEDOUT ? EXIT_REMOTE : EXIT_CONNECT;
  }
  err = sb_rpc_result_err(res, &detail);
  if (err) {
    const sb_envelope_t *env = res->env;
    const char *name = env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR
                           ? sb_status_name(env->error->status)
                           : "PROTOCOL";
    if (strncmp(name, "STATUS_", 7) == 0)
      name += 7;
    if (c->json) {
      printf("{\"error\":");
      sbctl_json_str(stdout, name);
      printf(",\"detail\":");
      sbctl_json_str(stdout, detail ? detail : "");
      printf("}\n");
    }
    fprintf(stderr, "sbctl: %s: %s\n", name,
            detail && *detail ? detail : sb_strerror(err));
    sb_rpc_result_free(res);
    return EXIT_REMOTE;
  }
  return EXIT_OK;
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
