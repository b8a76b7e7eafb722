/* SPDX-License-Identifier: MIT */
/* Frame parser: length bounds, incremental parsing, buffer reuse. */
#include "internal.h"
#include "sbtest.h"

#include "sessionbridge.h"

/* A counting allocator: proves that a hostile length allocates nothing. */
static size_t largest_alloc;
static size_t n_allocs;

static void *count_malloc(size_t n) {
  n_allocs++;
  if (n > largest_alloc)
    largest_alloc = n;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n) {
  n_allocs++;
  if (n > largest_alloc)
    largest_alloc = n;
  return realloc(p, n);
}
static void count_free(void *p) { free(p); }

static void counting_on(void) {
  largest_alloc = 0;
  n_allocs = 0;
  CHECK_OK(sb_replace_allocator(count_malloc, count_realloc, count_free));
}
static void counting_off(void) {
  CHECK_OK(sb_replace_allocator(NULL, NULL, NULL));
}

/* Feed everything at once; returns the feed result. */
static int feed_all(sb_frame_parser_t *p, const uint8_t *d, size_t n,
                    size_t *used) {
  size_t u = 0;
  int r = sb_frame_parser_feed(p, d, n, &u);
  if (used)
    *used = u;
  return r;
}

static void header(uint8_t h[4], uint32_t len) { sb_frame_write_header(h, len); }

SB_TEST(frame_header_le) {
  uint8_t h[4];
  header(h, 0x01020304u);
  CHECK_EQ(h[0], 4);
  CHECK_EQ(h[1], 3);
  CHECK_EQ(h[2], 2);
  CHECK_EQ(h[3], 1);
}

SB_TEST(frame_len_zero_short) {
  sb_frame_parser_t p;
  uint8_t h[4];
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  header(h, 0);
  CHECK_ERR(feed_all(&p, h, 4, NULL), SB_ESHORT);
  /* The parser stays unusable after a bad length. */
  uint8_t more[21] = {17};
  CHECK(feed_all(&p, more, sizeof more, NULL) < 0);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_len_16_short) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 16] = {0};
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  header(buf, 16);
  CHECK_ERR(feed_all(&p, buf, sizeof buf, NULL), SB_ESHORT);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_len_min_accepted) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 17];
  size_t used, len;
  sbtest_fill(buf + 4, 17, 1);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  header(buf, 17);
  CHECK_EQ(feed_all(&p, buf, sizeof buf, &used), 1);
  CHECK_EQ(used, sizeof buf);
  const uint8_t *f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, 17);
  CHECK_MEM(f, buf + 4, 17);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_len_max_plus_one_no_alloc) {
  sb_frame_parser_t p;
  uint8_t h[4];
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  header(h, SB_FRAME_MAX + 1);
  counting_on();
  int r = feed_all(&p, h, 4, NULL);
  size_t big = largest_alloc, count = n_allocs;
  counting_off();
  CHECK_ERR(r, SB_ETOOBIG);
  CHECK_EQ(count, 0);
  CHECK_EQ(big, 0);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_len_ffffffff_no_alloc) {
  sb_frame_parser_t p;
  uint8_t h[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  size_t used = 99;
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  counting_on();
  int r = feed_all(&p, h, 4, &used);
  size_t count = n_allocs;
  counting_off();
  CHECK_ERR(r, SB_ETOOBIG);
  CHECK_EQ(used, 4);
  CHECK_EQ(count, 0);
  CHECK(!sb_frame_parser_in_progress(&p));
  sb_frame_parser_free(&p);
}

SB_TEST(frame_len_max_accepted) {
  sb_frame_parser_t p;
  size_t n = 4 + SB_FRAME_MAX, used, len;
  uint8_t *buf = malloc(n);
  CHECK(buf != NULL);
  header(buf, SB_FRAME_MAX);
  sbtest_fill(buf + 4, SB_FRAME_MAX, 7);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  counting_on();
  int r = feed_all(&p, buf, n, &used);
  size_t big = largest_alloc;
  counting_off();
  CHECK_EQ(r, 1);
  CHECK_EQ(used, n);
  /* Exactly what was declared, not more. */
  CHECK_EQ(big, SB_FRAME_MAX);
  const uint8_t *f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, SB_FRAME_MAX);
  CHECK_MEM(f, buf + 4, SB_FRAME_MAX);
  sb_frame_parser_free(&p);
  free(buf);
}

SB_TEST(frame_header_one_byte_at_a_time) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 40];
  size_t used, len;
  header(buf, 40);
  sbtest_fill(buf + 4, 40, 3);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  for (size_t i = 0; i < sizeof buf - 1; i++) {
    CHECK_EQ(feed_all(&p, buf + i, 1, &used), 0);
    CHECK_EQ(used, 1);
    CHECK(sb_frame_parser_in_progress(&p));
    CHECK(sb_frame_parser_frame(&p, &len) == NULL);
  }
  CHECK_EQ(feed_all(&p, buf + sizeof buf - 1, 1, &used), 1);
  CHECK_EQ(used, 1);
  CHECK(!sb_frame_parser_in_progress(&p));
  const uint8_t *f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, 40);
  CHECK_MEM(f, buf + 4, 40);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_two_in_one_feed) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 20 + 4 + 30];
  size_t used, len, off = 0;
  header(buf, 20);
  sbtest_fill(buf + 4, 20, 1);
  header(buf + 24, 30);
  sbtest_fill(buf + 28, 30, 2);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));

  CHECK_EQ(feed_all(&p, buf, sizeof buf, &used), 1);
  CHECK_EQ(used, 24); /* stops at the end of the first frame */
  off += used;
  const uint8_t *f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, 20);
  CHECK_MEM(f, buf + 4, 20);

  CHECK_EQ(feed_all(&p, buf + off, sizeof buf - off, &used), 1);
  CHECK_EQ(used, 34);
  f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, 30);
  CHECK_MEM(f, buf + 28, 30);

  /* Nothing left: a further empty feed yields no frame. */
  CHECK_EQ(feed_all(&p, buf, 0, &used), 0);
  CHECK_EQ(used, 0);
  CHECK(sb_frame_parser_frame(&p, &len) == NULL);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_three_header_bytes_no_frame) {
  sb_frame_parser_t p;
  uint8_t h[4];
  size_t used, len;
  header(h, 20);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  CHECK_EQ(feed_all(&p, h, 3, &used), 0);
  CHECK_EQ(used, 3);
  CHECK(sb_frame_parser_in_progress(&p));
  CHECK(sb_frame_parser_frame(&p, &len) == NULL);
  CHECK_EQ(len, 0);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_declared_1000_got_999) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 1000];
  size_t used, len;
  header(buf, 1000);
  sbtest_fill(buf + 4, 1000, 9);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  CHECK_EQ(feed_all(&p, buf, 4 + 999, &used), 0);
  CHECK_EQ(used, 4 + 999);
  CHECK(sb_frame_parser_in_progress(&p));
  CHECK(sb_frame_parser_frame(&p, &len) == NULL);
  /* The last byte completes it. */
  CHECK_EQ(feed_all(&p, buf + 4 + 999, 1, &used), 1);
  CHECK(sb_frame_parser_frame(&p, &len) != NULL);
  CHECK_EQ(len, 1000);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_small_buffer_kept_big_freed) {
  sb_frame_parser_t p;
  size_t big = SB_FRAME_KEEP + 1;
  uint8_t *buf = calloc(1, 4 + big);
  size_t used;
  CHECK(buf != NULL);
  CHECK_OK(sb_frame_parser_init(&p, 1, SB_FRAME_MAX));

  /* Two small frames: the second reuses the first's buffer. */
  header(buf, 100);
  counting_on();
  CHECK_EQ(feed_all(&p, buf, 104, &used), 1);
  CHECK_EQ(feed_all(&p, buf, 104, &used), 1);
  size_t count = n_allocs;
  counting_off();
  CHECK_EQ(count, 1);
  CHECK(p.cap <= SB_FRAME_KEEP);

  /* A big frame gets its own buffer, released once consumed. */
  header(buf, (uint32_t)big);
  CHECK_EQ(feed_all(&p, buf, 4 + big, &used), 1);
  CHECK(p.cap >= big);
  header(buf, 100);
  CHECK_EQ(feed_all(&p, buf, 2, &used), 0);
  CHECK(p.cap <= SB_FRAME_KEEP);
  sb_frame_parser_free(&p);
  free(buf);
}

SB_TEST(frame_set_limits) {
  sb_frame_parser_t p;
  uint8_t buf[4 + 24] = {0};
  size_t used;
  CHECK_ERR(sb_frame_parser_init(&p, 10, 5), SB_EINVAL);
  CHECK_ERR(sb_frame_parser_init(&p, 1, SB_FRAME_MAX + 1), SB_EINVAL);
  CHECK_OK(sb_frame_parser_init(&p, 1, 256));
  CHECK_OK(sb_frame_parser_set_limits(&p, 24, 24));
  header(buf, 24);
  CHECK_EQ(feed_all(&p, buf, sizeof buf, &used), 1);
  CHECK_OK(sb_frame_parser_set_limits(&p, 17, SB_FRAME_MAX));
  header(buf, 24);
  /* Mid-frame the limits cannot change under a checked header. */
  CHECK_EQ(feed_all(&p, buf, 6, &used), 0);
  CHECK_ERR(sb_frame_parser_set_limits(&p, 1, 2), SB_ESTATE);
  sb_frame_parser_free(&p);

  CHECK_OK(sb_frame_parser_init(&p, 24, 24));
  header(buf, 25);
  CHECK_ERR(feed_all(&p, buf, 4, &used), SB_ETOOBIG);
  sb_frame_parser_free(&p);
}

SB_TEST(frame_zero_length_allowed_when_min_zero) {
  sb_frame_parser_t p;
  uint8_t buf[8];
  size_t used, len;
  header(buf, 0);
  header(buf + 4, 0);
  CHECK_OK(sb_frame_parser_init(&p, 0, 16));
  CHECK_EQ(feed_all(&p, buf, sizeof buf, &used), 1);
  CHECK_EQ(used, 4);
  CHECK(sb_frame_parser_frame(&p, &len) != NULL);
  CHECK_EQ(len, 0);
  CHECK_EQ(feed_all(&p, buf + 4, 4, &used), 1);
  sb_frame_parser_free(&p);
}

/* Every split of a stream of three frames yields the same frames. */
SB_TEST(frame_every_split) {
  uint8_t buf[3 * 4 + 17 + 18 + 300];
  size_t lens[3] = {17, 18, 300}, off = 0;
  for (int i = 0; i < 3; i++) {
    header(buf + off, (uint32_t)lens[i]);
    sbtest_fill(buf + off + 4, lens[i], (uint32_t)i + 10);
    off += 4 + lens[i];
  }
  for (size_t step = 1; step <= sizeof buf; step++) {
    sb_frame_parser_t p;
    size_t pos = 0, got = 0, foff = 0;
    CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
    while (pos < sizeof buf) {
      size_t n = sizeof buf - pos < step ? sizeof buf - pos : step;
      size_t used = 0, len = 0;
      int r = sb_frame_parser_feed(&p, buf + pos, n, &used);
      CHECK(r >= 0);
      CHECK(used > 0);
      pos += used;
      if (r == 1) {
        const uint8_t *f = sb_frame_parser_frame(&p, &len);
        CHECK(got < 3);
        CHECK_EQ(len, lens[got]);
        CHECK_MEM(f, buf + foff + 4, len);
        foff += 4 + len;
        got++;
      }
    }
    CHECK_EQ(got, 3);
    sb_frame_parser_free(&p);
  }
}

/* The rest of a big frame read straight into the parser's buffer (what
 * the channel does so that a 512 KiB chunk is one pipe read, not 64):
 * the room is exactly the missing payload, in place; commits complete
 * the frame; more than is missing is refused. */
SB_TEST(frame_direct_room_commit) {
  sb_frame_parser_t p;
  enum { N = 100000 };
  uint8_t *buf = malloc(4 + N);
  size_t used, len, room = 1;
  CHECK(buf != NULL);
  header(buf, N);
  sbtest_fill(buf + 4, N, 9);
  CHECK_OK(sb_frame_parser_init(&p, 17, SB_FRAME_MAX));
  /* No header yet: no room. */
  CHECK(sb__frame_parser_room(&p, &room) == NULL);
  CHECK_EQ(room, 0);
  CHECK_EQ(feed_all(&p, buf, 3, &used), 0);
  CHECK(sb__frame_parser_room(&p, &room) == NULL);
  /* Header and 10 payload bytes through feed, the rest directly. */
  CHECK_EQ(feed_all(&p, buf + 3, 11, &used), 0);
  uint8_t *dst = sb__frame_parser_room(&p, &room);
  CHECK(dst != NULL);
  CHECK_EQ(room, N - 10);
  CHECK_ERR(sb__frame_parser_commit(&p, room + 1), SB_EINVAL);
  memcpy(dst, buf + 14, 5000);
  CHECK_EQ(sb__frame_parser_commit(&p, 5000), 0);
  CHECK(sb_frame_parser_frame(&p, &len) == NULL);
  dst = sb__frame_parser_room(&p, &room);
  CHECK_EQ(room, N - 5010);
  memcpy(dst, buf + 5014, room);
  CHECK_EQ(sb__frame_parser_commit(&p, room), 1);
  const uint8_t *f = sb_frame_parser_frame(&p, &len);
  CHECK_EQ(len, N);
  CHECK_MEM(f, buf + 4, N);
  /* Complete: no room until the next header. */
  CHECK(sb__frame_parser_room(&p, &room) == NULL);
  CHECK_ERR(sb__frame_parser_commit(&p, 1), SB_EINVAL);
  /* The next frame parses normally after a direct one. */
  header(buf, 20);
  CHECK_EQ(feed_all(&p, buf, 24, &used), 1);
  CHECK_EQ(used, 24);
  sb_frame_parser_free(&p);
  free(buf);
}
