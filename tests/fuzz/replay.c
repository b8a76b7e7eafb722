/* SPDX-License-Identifier: MIT */
/* Replays inputs through a fuzz target's LLVMFuzzerTestOneInput without
 * libFuzzer, so the targets build with any compiler and run in the normal
 * suites (under ASan/UBSan in native-asan): each target's seed corpus and
 * the crash inputs kept under tests/fuzz/regressions/<target>/ are run on
 * every test run, not only when someone fuzzes.
 *
 * Usage: replay_<target> CORPUS_DIR [MORE_DIRS_OR_FILES...]. The first
 * directory must hold at least one input (a replay of nothing would pass
 * on nothing); later ones may be missing or empty. A finding aborts
 * (the sanitizers' report, or the target's own abort). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *buf;
  long n;
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return -1;
  }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  /* A copy of exactly the input's size, as libFuzzer gives it, so ASan
   * sees a read past the end. */
  buf = malloc(n > 0 ? (size_t)n : 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(buf);
    fprintf(stderr, "replay: cannot read %s\n", path);
    return -1;
  }
  fclose(f);
  LLVMFuzzerTestOneInput(buf, (size_t)n);
  free(buf);
  return 0;
}

/* Returns the number of inputs replayed, or -1. */
static long replay_path(const char *path) {
  struct stat st;
  long count = 0;
  if (stat(path, &st) != 0)
    return 0;
  if (!S_ISDIR(st.st_mode))
    return replay_file(path) == 0 ? 1 : -1;
  DIR *d = opendir(path);
  struct dirent *e;
  if (!d)
    return -1;
  while ((e = readdir(d)) != NULL) {
    char p[4096];
    if (e->d_name[0] == '.' || !strcmp(e->d_name, "README.md"))
      continue;
    snprintf(p, sizeof p, "%s/%s", path, e->d_name);
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (replay_file(p) != 0) {
      closedir(d);
      return -1;
    }
    count++;
  }
  closedir(d);
  return count;
}

int main(int argc, char **argv) {
  long total = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: %s CORPUS_DIR [DIR_OR_FILE...]\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    long n = replay_path(argv[i]);
    if (n < 0)
      return 1;
    if (i == 1 && n == 0) {
      fprintf(stderr, "replay: no inputs in %s\n", argv[i]);
      return 1;
    }
    printf("%s: %ld inputs\n", argv[i], n);
    total += n;
  }
  printf("replayed %ld inputs, no findings\n", total);
  return 0;
}
