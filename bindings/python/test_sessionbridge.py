# SPDX-License-Identifier: MIT
"""Tests of the Python binding against `sbservice run --console` (native).

Run by CTest (python_binding) with SB_LIBRARY (the shared library) and
SB_BIN_DIR (where sbservice is); each test is its own method. The desktop
tasks have no POSIX backend yet: natively they answer with the status the
portable core documents for that (protocol.md), which is what is checked.
"""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import sessionbridge as sb

BIN = os.environ.get("SB_BIN_DIR", "")
DESKTOP_STATUS = ("UNSUPPORTED", "INTERNAL")


def setUpModule():
    global SVC, TMP, LOG
    TMP = tempfile.mkdtemp()
    os.chmod(TMP, 0o700)
    os.environ["SB_DATA_DIR"] = os.path.join(TMP, "rt")
    LOG = open(os.path.join(TMP, "service.err"), "w")
    SVC = subprocess.Popen([os.path.join(BIN, "sbservice"), "run", "--console",
                            "--runtime-dir", os.environ["SB_DATA_DIR"]],
                           stderr=LOG)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            with sb.Client(deadline_ms=1000) as c:
                if any(s.session_id == 1 and s.agent_connected
                       for s in c.sessions(deadline_ms=1000)):
                    return
        except sb.Error:
            pass
        time.sleep(0.1)
    raise RuntimeError("the console service did not get its agent connected")


def tearDownModule():
    SVC.terminate()
    SVC.wait(10)
    LOG.close()
    shutil.rmtree(TMP, ignore_errors=True)


class Binding(unittest.TestCase):
    def setUp(self):
        self.c = sb.Client()

    def tearDown(self):
        self.c.close()

    def test_version(self):
        v = sb.version()
        self.assertRegex(v, r"^\d+\.\d+\.\d+$")
        self.assertEqual(v, os.environ.get("SB_EXPECT_VERSION", v))

    def test_sessions(self):
        s = [x for x in self.c.sessions() if x.session_id == 1]
        self.assertEqual(len(s), 1)
        self.assertTrue(s[0].agent_connected)
        self.assertEqual(s[0].state, "connected")
        self.assertGreater(s[0].agent_pid, 0)

    def test_ping(self):
        self.assertGreaterEqual(self.c.ping(1, deadline_ms=5000), 0)

    def test_session_info(self):
        i = self.c.session_info(1)
        self.assertEqual(i.user, pwd.getpwuid(os.geteuid()).pw_name)
        self.assertEqual(i.state, "active")

    def test_no_such_session(self):
        with self.assertRaises(sb.Error) as e:
            self.c.ping(5)
        self.assertEqual(e.exception.status, "NO_SESSION")
        self.assertEqual(e.exception.name, "SB_ENOSESSION")

    def test_desktop_tasks_answer_their_status(self):
        calls = [
            lambda: self.c.message_box(1, "t", "x", timeout_ms=1000),
            lambda: self.c.clipboard_get_text(1),
            lambda: self.c.clipboard_set_text(1, "Grüße"),
            lambda: self.c.screenshot(1),
            # Every argument of sb_client_notify (wait_ms included) has to
            # match the binding's signature to reach the agent at all.
            lambda: self.c.notify(1, "t", "x", sb.ICON_INFO, wait_ms=100,
                                  deadline_ms=5000),
        ]
        for call in calls:
            with self.assertRaises(sb.Error) as e:
                call()
            self.assertIn(e.exception.status, DESKTOP_STATUS)

    def test_invalid_notify_is_refused_by_the_agent(self):
        with self.assertRaises(sb.Error) as e:
            self.c.notify(1, "", "")
        self.assertEqual(e.exception.status, "INVALID")

    def test_wrong_key_is_local(self):
        path = os.path.join(TMP, "wrong.key")
        with open(path, "wb") as f:
            f.write(os.urandom(32))
        with self.assertRaises(sb.Error) as e:
            sb.Client(key_path=path)
        self.assertEqual(e.exception.status, "")
        self.assertEqual(e.exception.name, "SB_EAUTH")

    def test_threads_share_one_handle(self):
        errors = []

        def work():
            try:
                for _ in range(25):
                    self.c.ping(1, deadline_ms=5000)
            except sb.Error as e:  # pragma: no cover - reported below
                errors.append(e)

        ts = [threading.Thread(target=work) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])

    def test_cancel_from_another_thread(self):
        # A stopped agent never answers: the ping waits until cancelled.
        pid = [s.agent_pid for s in self.c.sessions() if s.session_id == 1][0]
        os.kill(pid, signal.SIGSTOP)
        try:
            result = {}

            def call():
                t0 = time.monotonic()
                try:
                    self.c.ping(1, deadline_ms=20000)
                    result["err"] = None
                except sb.Error as e:
                    result["err"] = e
                result["s"] = time.monotonic() - t0

            t = threading.Thread(target=call)
            t.start()
            time.sleep(0.5)
            self.c.cancel()
            t.join(5)
            self.assertFalse(t.is_alive(), "cancel did not end the call")
            self.assertIsNotNone(result["err"])
            self.assertEqual(result["err"].name, "SB_ECANCELED")
            self.assertLess(result["s"], 3)
        finally:
            os.kill(pid, signal.SIGCONT)
        # The handle still works after a cancel.
        self.assertGreaterEqual(self.c.ping(1, deadline_ms=10000), 0)

    def test_events_agent_killed_and_relaunched(self):
        # Natively the console service relaunches a killed agent (after
        # its backoff): a subscriber hears agent-down, then agent-up with
        # the new process id.
        self.c.subscribe()
        old = [s.agent_pid for s in self.c.sessions() if s.session_id == 1][0]
        os.kill(old, signal.SIGKILL)
        down = self.c.next_event(deadline_ms=10000)
        self.assertEqual((down.session_id, down.change, down.agent_pid),
                         (1, "agent-down", old))
        up = self.c.next_event(deadline_ms=20000)
        self.assertEqual((up.session_id, up.change), (1, "agent-up"))
        self.assertNotEqual(up.agent_pid, old)
        self.assertGreater(up.agent_pid, 0)
        self.assertEqual(down.lost + up.lost, 0)
        # Unsubscribed: nothing more arrives.
        self.c.subscribe(False)
        with self.assertRaises(sb.Error) as e:
            self.c.next_event(deadline_ms=300)
        self.assertEqual(e.exception.name, "SB_ETIMEDOUT")


if __name__ == "__main__":
    unittest.main()
