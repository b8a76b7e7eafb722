/* SPDX-License-Identifier: MIT */
/* sbservice on POSIX: `sbservice run --console` runs the service core in
 * the foreground, with the current login as its one session and the
 * native sbagent as a child over a Unix socket. (A full POSIX backend with
 * logind and X11 comes later.) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfile.h"
#include "platform_posix.h"
#include "service.h"

static volatile sig_atomic_t stop_requested;
static sb_logfile_t *logfile;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void log_sink(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  fprintf(stderr, "sbservice: %s: %s\n", sb_log_level_name(level), msg);
  sb_logfile_write(logfile, level, msg);
}

/* The runtime dir holds the sockets and the control key: ours alone. */
static int prepare_dir(const char *dir) {
  struct stat st;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "sbservice: cannot create %s: %s\n", dir, strerror(errno));
    return -1;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
      st.st_uid != geteuid() || (st.st_mode & 022)) {
    fprintf(stderr, "sbservice: %s must be a directory owned by us and not "
                    "writable by others\n",
            dir);
    return -1;
  }
  return 0;
}

/* Console mode makes its own control key on first use (mode 0600). */
static int ensure_key(const char *path) {
  uint8_t key[32];
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    return errno == EEXIST ? 0 : -1;
  sb_random(key, sizeof key);
  ssize_t n = write(fd, key, sizeof key);
  sb_memzero(key, sizeof key);
  close(fd);
  return n == (ssize_t)sizeof key ? 0 : -1;
}

static void usage(void) {
  fprintf(stderr, "usage: sbservice run --console [--runtime-dir DIR] "
                  "[--backoff-ms BASE,CAP]\n"
                  "On POSIX only console mode exists: the service runs in "
                  "the foreground until SIGINT/SIGTERM.\n");
}

int main(int argc, char **argv) {
  char dir[512], key[600], logpath[600], agent[PATH_MAX + 16], self[PATH_MAX];
  sb_posix_platform_t pp;
  sb_svc_platform_t plat;
  sb_service_config_t cfg;
  sb_service_t *svc;
  sb_smgr_config_t smgr = {500, 30000, 60000, 15000, 1000, 10000};
  int console = 0, err;

  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("sbservice %s\n", SB_VERSION);
    return 0;
  }
  if (argc < 2 || strcmp(argv[1], "run") != 0) {
    usage();
    return 1;
  }
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--console") == 0)
      console = 1;
    else if (strcmp(argv[i], "--runtime-dir") == 0 && i + 1 < argc)
      setenv("SB_DATA_DIR", argv[++i], 1);
    else if (strcmp(argv[i], "--backoff-ms") == 0 && i + 1 < argc) {
      /* BASE,CAP: fault-injection runs kill the agent hundreds of times
       * and cannot wait out the production 30 s cap. */
      unsigned base, cap;
      if (sscanf(argv[++i], "%u,%u", &base, &cap) != 2 || base == 0 ||
          cap < base) {
        usage();
        return 1;
      }
      smgr.backoff_base_ms = base;
      smgr.backoff_cap_ms = cap;
    }
    else {
      usage();
      return 1;
    }
  }
  if (!console) {
    usage();
    return 1;
  }
  if (sb_init() != 0 || sb_path_data_dir(dir, sizeof dir) != 0 ||
      prepare_dir(dir) != 0)
    return 1;
  snprintf(key, sizeof key, "%s/control.key", dir);
  snprintf(logpath, sizeof logpath, "%s/sessionbridge.log", dir);
  if (ensure_key(key) != 0) {
    fprintf(stderr, "sbservice: cannot create the control key %s\n", key);
    return 1;
  }
  if (sb_logfile_open(&logfile, logpath, 1024 * 1024) != 0)
    fprintf(stderr, "sbservice: cannot open %s; logging to stderr only\n",
            logpath);
  sb_log_set_sink(log_sink, NULL, SB_LOG_INFO);

  /* The agent is the sbagent next to this executable, by full path. */
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "sbservice: cannot find my own path\n");
    return 1;
  }
  self[n] = 0;
  char *slash = strrchr(self, '/');
  *slash = 0;
  snprintf(agent, sizeof agent, "%s/sbagent", self);

  char prefix[600];
  snprintf(prefix, sizeof prefix, "%s/agent", dir);
  memset(&cfg, 0, sizeof cfg);
  cfg.agent_path = agent;
  cfg.control_key_path = key;
  cfg.agent_prefix = prefix;
  cfg.smgr = &smgr;
  sb_posix_platform_init(&pp, agent, &plat);

  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  err = sb_service_start(&svc, &cfg, &plat);
  if (err) {
    fprintf(stderr, "sbservice: cannot start: %s\n", sb_strerror(err));
    sb_logfile_close(logfile);
    return 1;
  }
  while (!stop_requested)
    sb_sleep_ms(100);
  sb_service_stop(svc, NULL, NULL);
  sb_log_set_sink(NULL, NULL, SB_LOG_INFO);
  sb_logfile_close(logfile);
  return 0;
}
