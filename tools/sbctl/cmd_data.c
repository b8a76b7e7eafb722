/* SPDX-License-Identifier: MIT */
/* clipboard get/set and screenshot: the data-carrying tasks. */
#include <stdlib.h>
#include <string.h>

#include "sbctl.h"
#include "sessionbridge/thread.h"

/* Read all of f (stdin or the image file), refusing more than the
 * clipboard cap before it can exhaust memory. */
static int read_all(FILE *f, uint8_t **out, size_t *len) {
  size_t cap = 65536, n = 0;
  uint8_t *buf = malloc(cap);
  if (!buf)
    return EXIT_LOCAL;
  for (;;) {
    if (n == cap) {
      if (cap > SB_CLIENT_CLIPBOARD_MAX) {
        free(buf);
        fprintf(stderr,
                "sbctl: TOO_LARGE: clipboard data is limited to %u "
                "bytes\n",
                SB_CLIENT_CLIPBOARD_MAX);
        return EXIT_USAGE;
      }
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        return EXIT_LOCAL;
      }
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    if (r == 0)
      break;
    n += r;
  }
  *out = buf;
  *len = n;
  return EXIT_OK;
}

/* Called only with the whole download in hand (a download that ended
 * early never gets here, so an older file of that name is left as it
 * was); a write that fails half way removes what it wrote rather than
 * leave a truncated PNG behind. */
static int write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = sbctl_fopen(path, "wb");
  int ok = f && fwrite(data, 1, len, f) == len;
  if (f && fclose(f) != 0)
    ok = 0;
  if (!ok) {
    /* Only a regular file is removed, and only when the name itself is
     * one: a device or pipe named by -o (for root, /dev/full) is not
     * sbctl's to delete, nor is a link such as /dev/stdout, which names
     * a regular file whenever stdout is redirected to one (a stat that
     * follows the link said "regular", and the link was removed). */
    int removed = f && sbctl_remove_plain(path);
    fprintf(stderr, "sbctl: cannot write %s%s\n", path,
            removed ? " (the part written was removed)"
            : f     ? " (not a regular file: left as it is)"
                    : "");
    return EXIT_LOCAL;
  }
  return EXIT_OK;
}

/* image_out: NULL for text (to stdout), else the PNG file to write. */
static int clipboard_get(sbctl_t *c, const char *image_out) {
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = sbctl_connect(c);
  if (rc)
    return rc;
  if (image_out)
    rc = sbctl_result(
        c, sb_client_clipboard_get_image(c->client, sbctl_session(c),
                                         c->timeout_ms, &data, &len));
  else
    rc = sbctl_result(
        c, sb_client_clipboard_get_text(c->client, sbctl_session(c),
                                        c->timeout_ms, (char **)&data, &len));
  if (rc)
    return rc;
  if (image_out) {
    /* No image is an answer, not a failure, but there is no file to
     * write: say so, and exit 3 so a script cannot mistake an old file
     * for this one. */
    if (!data) {
      fprintf(stderr, "sbctl clipboard: EMPTY: the clipboard holds no "
                      "image\n");
      rc = EXIT_REMOTE;
    } else {
      rc = write_file(image_out, data, len);
    }
    if (!rc && c->json) {
      printf("{\"empty\":false,\"file\":");
      sbctl_json_str(stdout, image_out);
      printf(",\"bytes\":%zu}\n", len);
    } else if (!rc) {
      printf("%s: PNG, %zu bytes\n", image_out, len);
    }
    sb_free(data);
    return rc;
  }
  if (c->json) {
    /* The text comes NUL-terminated. */
    printf("{\"empty\":%s,\"text\":", data ? "false" : "true");
    sbctl_json_str(stdout, data ? (const char *)data : "");
    printf("}\n");
  } else if (len) {
    fwrite(data, 1, len, stdout);
  }
  sb_free(data);
  return EXIT_OK;
}

/* image: text is the path of a PNG file to put on the clipboard as a
 * bitmap; else text itself, or - for stdin. */
static int clipboard_set(sbctl_t *c, const char *text, int image,
                         int sensitive) {
  uint8_t *data = NULL;
  size_t len;
  int rc;
  if (image) {
    FILE *f = sbctl_fopen(text, "rb");
    if (!f) {
      fprintf(stderr, "sbctl clipboard set: cannot open %s\n", text);
      return EXIT_LOCAL;
    }
    rc = read_all(f, &data, &len);
    fclose(f);
    if (rc)
      return rc;
  } else if (strcmp(text, "-") == 0) {
    if ((rc = read_all(stdin, &data, &len)))
      return rc;
  } else {
    len = strlen(text);
  }
  if (len > SB_CLIENT_CLIPBOARD_MAX) {
    fprintf(stderr, "sbctl: TOO_LARGE: clipboard text is limited to %u bytes\n",
            SB_CLIENT_CLIPBOARD_MAX);
    free(data);
    return EXIT_USAGE;
  }
  if ((rc = sbctl_connect(c))) {
    free(data);
    return rc;
  }
  const uint8_t *p = data ? data : (const uint8_t *)text;
  unsigned flags = sensitive ? SB_CLIPBOARD_SENSITIVE : 0;
  if (image)
    rc = sbctl_result(c, sb_client_clipboard_set_image(c->client,
                                                       sbctl_session(c), p, len,
                                                       flags, c->timeout_ms));
  else
    rc = sbctl_result(c, sb_client_clipboard_set_text(
                             c->client, sbctl_session(c), (const char *)p, len,
                             flags, c->timeout_ms));
  free(data);
  if (rc)
    return rc;
  if (c->json)
    printf("{\"set\":true,\"bytes\":%zu}\n", len);
  return EXIT_OK;
}

int sbctl_cmd_clipboard(sbctl_t *c, int argc, char **argv) {
  int rc;
  if (argc < 1) {
    fprintf(stderr, "sbctl clipboard: get or set?\n");
    return EXIT_USAGE;
  }
  if ((rc = sbctl_need_session(c, "clipboard")))
    return rc;
  if (strcmp(argv[0], "get") == 0) {
    const char *out = NULL;
    int image = 0;
    for (int i = 1; i < argc; i++) {
      if (strcmp(argv[i], "--image") == 0)
        image = 1;
      else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
        out = argv[++i];
      else
        goto usage;
    }
    if (image != (out != NULL)) {
      fprintf(stderr, "sbctl clipboard get: --image and -o FILE.png go "
                      "together (text goes to stdout)\n");
      return EXIT_USAGE;
    }
    return clipboard_get(c, out);
  }
  if (strcmp(argv[0], "set") == 0) {
    /* --sensitive and --image in any order before the one operand. */
    int image = 0, sensitive = 0, i = 1;
    for (; i < argc - 1; i++) {
      if (strcmp(argv[i], "--image") == 0 && !image)
        image = 1;
      else if (strcmp(argv[i], "--sensitive") == 0 && !sensitive)
        sensitive = 1;
      else
        goto usage;
    }
    if (i == argc - 1)
      return clipboard_set(c, argv[i], image, sensitive);
  }
usage:
  fprintf(stderr, "sbctl clipboard: usage: clipboard get [--image -o "
                  "FILE.png] | clipboard set [--sensitive] TEXT|- | "
                  "clipboard set [--sensitive] --image FILE.png\n");
  return EXIT_USAGE;
}

static int parse_region(const char *v, sb_region_t *r) {
  long x, y, w, h;
  char tail;
  if (sscanf(v, "%ld,%ld,%ld,%ld%c", &x, &y, &w, &h, &tail) != 4 || w <= 0 ||
      h <= 0 || w > 65535 || h > 65535 || x < -65535 || x > 65535 ||
      y < -65535 || y > 65535) {
    fprintf(stderr, "sbctl screenshot: --region wants x,y,w,h with w,h > 0\n");
    return EXIT_USAGE;
  }
  r->x = (int32_t)x;
  r->y = (int32_t)y;
  r->width = (uint32_t)w;
  r->height = (uint32_t)h;
  return EXIT_OK;
}

int sbctl_cmd_screenshot(sbctl_t *c, int argc, char **argv) {
  sb_region_t region;
  const char *out = NULL;
  int monitor = SB_SCREEN_ALL, has_region = 0, rc;
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t width = 0, height = 0;
  int32_t x = 0, y = 0;
  unsigned flags = 0;
  for (int i = 0; i < argc; i++) {
    if (i + 1 >= argc) {
      fprintf(stderr, "sbctl screenshot: %s needs a value\n", argv[i]);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(argv[i - 1], "-o") == 0) {
      out = v;
    } else if (strcmp(argv[i - 1], "--monitor") == 0) {
      long m;
      if ((rc = sbctl_number("screenshot", "--monitor", v, 0, 64, &m)))
        return rc;
      monitor = (int)m;
      has_region = 0;
    } else if (strcmp(argv[i - 1], "--region") == 0) {
      if ((rc = parse_region(v, &region)))
        return rc;
      has_region = 1;
      monitor = SB_SCREEN_ALL;
    } else if (strcmp(argv[i - 1], "--compression") == 0) {
      if (strcmp(v, "fast") == 0) {
        flags = 0;
      } else if (strcmp(v, "small") == 0) {
        flags = SB_SCREENSHOT_SMALL;
      } else {
        fprintf(stderr, "sbctl screenshot: --compression is fast or small\n");
        return EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "sbctl screenshot: unknown option %s\n", argv[i - 1]);
      return EXIT_USAGE;
    }
  }
  if (!out) {
    fprintf(stderr, "sbctl screenshot: -o FILE.png is required\n");
    return EXIT_USAGE;
  }
  uint64_t t0 = sb_now_ms(), t1, t2;
  if ((rc = sbctl_need_session(c, "screenshot")) || (rc = sbctl_connect(c)))
    return rc;
  t1 = sb_now_ms();
  rc = sbctl_result(
      c, sb_client_screenshot(c->client, sbctl_session(c), monitor,
                              has_region ? &region : NULL, flags, c->timeout_ms,
                              &png, &len, &width, &height, &x, &y));
  if (rc)
    return rc;
  t2 = sb_now_ms();
  if ((rc = write_file(out, png, len))) {
    sb_free(png);
    return rc;
  }
  /* For scripts/bench.sh: where sbctl's own time went (stderr, so the
   * output stays what it is). bench.sh parses the line as it is, and
   * tests/test_sbctl_timing.c checks its format. */
  if (getenv("SBCTL_TIMING"))
    fprintf(stderr,
            "sbctl timing: connect %llu ms, screenshot answered %llu ms, "
            "file written %llu ms\n",
            (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1),
            (unsigned long long)(sb_now_ms() - t2));
  if (c->json) {
    printf("{\"file\":");
    sbctl_json_str(stdout, out);
    printf(",\"width\":%u,\"height\":%u,\"x\":%d,\"y\":%d,\"bytes\":%zu}\n",
           width, height, (int)x, (int)y, len);
  } else {
    printf("%s: %ux%u PNG at %d,%d, %zu bytes\n", out, width, height, (int)x,
           (int)y, len);
  }
  sb_free(png);
  return EXIT_OK;
}

int sbctl_cmd_monitors(sbctl_t *c, int argc, char **argv) {
  sb_monitors_t *r = NULL;
  int rc;
  (void)argv;
  if (argc > 0) {
    fprintf(stderr, "sbctl monitors: takes no arguments but --session N\n");
    return EXIT_USAGE;
  }
  if ((rc = sbctl_need_session(c, "monitors")) || (rc = sbctl_connect(c)))
    return rc;
  rc = sbctl_result(
      c, sb_client_monitors(c->client, sbctl_session(c), c->timeout_ms, &r));
  if (rc)
    return rc;
  const sb_region_t *vs = &r->virtual_screen;
  if (c->json) {
    printf("{\"dpi_awareness\":");
    sbctl_json_str(stdout, r->dpi_awareness);
    if (vs)
      printf(",\"virtual_screen\":{\"x\":%d,\"y\":%d,\"width\":%u,"
             "\"height\":%u}",
             (int)vs->x, (int)vs->y, vs->width, vs->height);
    printf(",\"monitors\":[");
    for (size_t i = 0; i < r->count; i++) {
      const sb_monitor_t *mo = &r->monitors[i];
      const sb_region_t *rc2 = &mo->rect;
      printf("%s{\"index\":%u,\"x\":%d,\"y\":%d,\"width\":%u,\"height\":%u,"
             "\"primary\":%s,\"dpi\":%u,\"device\":",
             i ? "," : "", mo->index, rc2 ? (int)rc2->x : 0,
             rc2 ? (int)rc2->y : 0, rc2 ? rc2->width : 0, rc2 ? rc2->height : 0,
             mo->primary ? "true" : "false", mo->dpi);
      sbctl_json_str(stdout, mo->device);
      printf("}");
    }
    printf("]}\n");
  } else {
    printf("%-5s %-22s %-7s %-5s %s\n", "index", "rect (x,y wxh)", "primary",
           "dpi", "device");
    for (size_t i = 0; i < r->count; i++) {
      const sb_monitor_t *mo = &r->monitors[i];
      const sb_region_t *rc2 = &mo->rect;
      char rect[48];
      snprintf(rect, sizeof rect, "%d,%d %ux%u", rc2 ? (int)rc2->x : 0,
               rc2 ? (int)rc2->y : 0, rc2 ? rc2->width : 0,
               rc2 ? rc2->height : 0);
      printf("%-5u %-22s %-7s %-5u %s\n", mo->index, rect,
             mo->primary ? "yes" : "no", mo->dpi, mo->device);
    }
    if (vs)
      printf("virtual screen: %d,%d %ux%u; agent DPI awareness: %s\n",
             (int)vs->x, (int)vs->y, vs->width, vs->height, r->dpi_awareness);
  }
  sb_free(r);
  return EXIT_OK;
}
