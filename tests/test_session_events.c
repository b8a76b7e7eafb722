/* SPDX-License-Identifier: MIT */
/* Session-change subscription (protocol.md, Events) through the platform
 * seam: the service core runs on a fake OS, a client subscribes through
 * the client API, and the session changes the OS reports (logon, lock,
 * unlock, logoff) reach it in order, with the user and lock state. A
 * client that did not subscribe gets none, and one that unsubscribed gets
 * no more. (Agent up/down from a real agent: e2e_session_events_wine and
 * the Python binding's test natively.) */
#include <stdio.h>
#include <string.h>

#include "fake_os.h"
#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

/* The agent is "launched" but never connects: only the OS's session
 * changes are under test here. */
static void start(sbt_fakeos_t *r) {
  const sb_os_session_t session = {.session_id = 3,
                                   .logon_id = 77,
                                   .has_user = 1,
                                   .is_console = 1,
                                   .user = "TESTBOX\\alice",
                                   .state = "active"};
  sbt_fakeos_start(r, "ev", &session);
}

static void expect(sb_client_t *c, uint32_t session, sb_session_change_t ch,
                   int locked, const char *user) {
  sb_session_event_t *ev = NULL;
  CHECK_OK(sb_client_next_event(c, (uint32_t)sbtest_ms(5000), &ev));
  CHECK_EQ(ev->session_id, session);
  CHECK_EQ((int)ev->change, (int)ch);
  CHECK_EQ(ev->locked, locked);
  CHECK_EQ(ev->lost, 0);
  if (user)
    CHECK(strcmp(ev->user, user) == 0);
  sb_free(ev);
}

SB_TEST(session_events_in_order) {
  sbt_fakeos_t r;
  sb_client_t *sub = NULL, *other = NULL;
  sb_session_event_t *ev = NULL;
  start(&r);
  CHECK_OK(sb_client_open(&sub, r.ep, r.key, 5000));
  CHECK_OK(sb_client_open(&other, r.ep, r.key, 5000));
  CHECK_OK(sb_client_subscribe(sub, 1, 5000));

  sb_service_session_event(r.svc, SB_SVC_EVENT_LOGON, 3);
  sb_service_session_event(r.svc, SB_SVC_EVENT_LOCK, 3);
  sb_service_session_event(r.svc, SB_SVC_EVENT_UNLOCK, 3);
  /* A console disconnect is not one of the changes reported. */
  sb_service_session_event(r.svc, SB_SVC_EVENT_DISCONNECT, 3);
  sb_service_session_event(r.svc, SB_SVC_EVENT_LOCK, 3);
  sb_service_session_event(r.svc, SB_SVC_EVENT_LOGOFF, 3);

  expect(sub, 3, SB_SESSION_LOGON, 0, "TESTBOX\\alice");
  expect(sub, 3, SB_SESSION_LOCK, 1, "TESTBOX\\alice");
  expect(sub, 3, SB_SESSION_UNLOCK, 0, NULL);
  expect(sub, 3, SB_SESSION_LOCK, 1, NULL);
  expect(sub, 3, SB_SESSION_LOGOFF, 1, "TESTBOX\\alice");
  /* Nothing more, and nothing at all for the client that did not ask. */
  CHECK_EQ(sb_client_next_event(sub, 200, &ev), SB_ETIMEDOUT);
  CHECK_EQ(sb_client_next_event(other, 200, &ev), SB_ETIMEDOUT);
  CHECK(ev == NULL);

  /* Unsubscribed: the next change is not sent. */
  CHECK_OK(sb_client_subscribe(sub, 0, 5000));
  sb_service_session_event(r.svc, SB_SVC_EVENT_LOGON, 3);
  CHECK_EQ(sb_client_next_event(sub, 300, &ev), SB_ETIMEDOUT);

  sb_client_close(other);
  sb_client_close(sub);
  sbt_fakeos_stop(&r);
}

typedef struct {
  sb_client_t *c;
  int err;
  uint64_t ms;
} waiter_t;

static void wait_event(void *arg) {
  waiter_t *w = arg;
  sb_session_event_t *ev = NULL;
  uint64_t t0 = sb_now_ms();
  w->err = sb_client_next_event(w->c, 20000, &ev);
  w->ms = sb_now_ms() - t0;
  sb_free(ev);
}

SB_TEST(session_events_wait_is_cancelled) {
  sbt_fakeos_t r;
  sb_client_t *c = NULL;
  sb_thread_t *t = NULL;
  waiter_t w = {NULL, 1, 0};
  start(&r);
  CHECK_OK(sb_client_open(&c, r.ep, r.key, 5000));
  CHECK_OK(sb_client_subscribe(c, 1, 5000));
  w.c = c;
  CHECK_OK(sb_thread_create(&t, wait_event, &w, 0));
  sb_sleep_ms(300);
  sb_client_cancel(c);
  sb_thread_join(t);
  CHECK_EQ(w.err, SB_ECANCELED);
  CHECK(w.ms < (uint64_t)sbtest_ms(5000));
  /* A later wait is not affected by the earlier cancel. */
  sb_service_session_event(r.svc, SB_SVC_EVENT_LOCK, 3);
  expect(c, 3, SB_SESSION_LOCK, 1, NULL);
  sb_client_close(c);
  sbt_fakeos_stop(&r);
}

SB_TEST(session_events_end_with_the_connection) {
  sbt_fakeos_t r;
  sb_client_t *c = NULL;
  sb_session_event_t *ev = NULL;
  start(&r);
  CHECK_OK(sb_client_open(&c, r.ep, r.key, 5000));
  CHECK_OK(sb_client_subscribe(c, 1, 5000));
  /* The service going away ends the wait with SB_EPIPE, not a timeout:
   * the waiter learns at once that no more events will come. */
  sbt_fakeos_stop(&r);
  uint64_t t0 = sb_now_ms();
  CHECK_EQ(sb_client_next_event(c, 20000, &ev), SB_EPIPE);
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(5000));
  CHECK(*sb_client_error_detail() != 0);
  sb_client_close(c);
}

/* A subscriber that stops reading holds up no one: publishing only queues
 * (the OS's session notification must not wait on a client's pipe), the
 * other subscriber still gets every change, and the one that fell
 * SB_ROUTER_EVENT_QUEUE events behind is disconnected. The stuck client
 * is a raw channel that subscribes and then never reads. */
SB_TEST(session_events_slow_subscriber_holds_up_no_one) {
  sbt_fakeos_t r;
  sb_client_t *good = NULL;
  sb_stream_t *s = NULL;
  sb_channel_t *ch = NULL;
  sb_channel_opts_t o;
  sb_msg_t *m = NULL;
  uint8_t psk[32];
  FILE *f;
  uint64_t worst = 0;
  int n, got = 0, ended = 0;
  start(&r);
  f = fopen(r.key, "rb");
  CHECK(f != NULL);
  CHECK_EQ(fread(psk, 1, sizeof psk, f), sizeof psk);
  fclose(f);
  CHECK_OK(sb_client_open(&good, r.ep, r.key, 5000));
  CHECK_OK(sb_client_subscribe(good, 1, 5000));

  memset(&o, 0, sizeof o);
  o.role = SB_ROLE_CLIENT;
  o.psk = psk;
  CHECK_OK(sb_stream_connect(&s, r.ep, sbtest_ms(5000)));
  sb_io_t io = sb_stream_io(s);
  CHECK_OK(sb_channel_new(&ch, &io, &o));
  CHECK_OK(sb_channel_handshake(ch));
  {
    Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
    Sbwire__V1__SubscribeRequest sr = SBWIRE__V1__SUBSCRIBE_REQUEST__INIT;
    sr.session_events = 1;
    req.body_case = SBWIRE__V1__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &sr;
    req.deadline_ms = 5000;
    env.request_id = 1;
    env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
    env.request = &req;
    CHECK_OK(sb_channel_send_envelope(ch, &env));
    CHECK_OK(sb_channel_recv_envelope(ch, &m, sbtest_ms(5000), NULL));
    CHECK_EQ((int)sb_msg_envelope(m)->body_case,
             (int)SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
    sb_msg_free(m);
    m = NULL;
  }

  /* Far more than a pipe holds: the stuck client's pipe fills, then its
   * queue. No call may wait for it (a send to it waits up to the frame
   * deadline, SB_DEFAULT_FRAME_TIMEOUT_MS), and the reading subscriber,
   * paced by its own reads, gets every change in order. */
  n = 1500;
  for (int i = 0; i < n; i++) {
    sb_session_event_t *ev = NULL;
    sb_session_change_t want = i % 2 ? SB_SESSION_UNLOCK : SB_SESSION_LOCK;
    uint64_t t0 = sb_now_ms();
    sb_service_session_event(r.svc,
                             i % 2 ? SB_SVC_EVENT_UNLOCK : SB_SVC_EVENT_LOCK, 3);
    if (sb_now_ms() - t0 > worst)
      worst = sb_now_ms() - t0;
    CHECK_OK(sb_client_next_event(good, (uint32_t)sbtest_ms(5000), &ev));
    CHECK_EQ((int)ev->change, (int)want);
    CHECK_EQ(ev->lost, 0);
    sb_free(ev);
  }
  printf("  %d events published and read by the other subscriber; the "
         "slowest publish took %llu ms\n", n, (unsigned long long)worst);
  CHECK(worst < SB_DEFAULT_FRAME_TIMEOUT_MS / 2);
  sb_session_t *list = NULL;
  size_t count = 0;
  CHECK_OK(sb_client_sessions(good, 5000, &list, &count));
  CHECK_EQ(count, 1);
  sb_free(list);

  /* The stuck one was disconnected: what it finds in its pipe ends, well
   * short of everything that was published. */
  while (!ended) {
    int err = sb_channel_recv_envelope(ch, &m, sbtest_ms(10000), NULL);
    if (err) {
      CHECK(err != SB_ETIMEDOUT);
      ended = 1;
      break;
    }
    got++;
    sb_msg_free(m);
    m = NULL;
  }
  printf("  the stuck subscriber had %d events in its pipe, then its "
         "connection ended\n", got);
  CHECK(got < n);
  sb_channel_free(ch);
  sb_stream_close(s);
  sb_client_close(good);
  sbt_fakeos_stop(&r);
}
