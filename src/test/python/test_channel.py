"""The worker's Channel over real pipes, in this process: whole frames, answers paired to callbacks."""

import json
import os
import threading
import unittest

from coproxy_testing import WAIT_SECONDS, encode, read_frame
from coproxy_worker import Channel


class Pipes(object):
    """A Channel whose other end (the gateway's) is in the test's hands."""

    def __init__(self):
        to_worker_r, self.to_worker_w = os.pipe()
        self.from_worker_r, from_worker_w = os.pipe()
        self.worker_in = os.fdopen(to_worker_r, "rb", buffering=1 << 16)
        self.channel = Channel(self.worker_in, from_worker_w)
        self.gateway_in = os.fdopen(self.from_worker_r, "rb")
        self._write_lock = threading.Lock()
        self._fds = [from_worker_w, self.to_worker_w]

    def gateway_send(self, kind, header=b"", body=b""):
        data = encode(kind, header, body)
        with self._write_lock:
            while data:
                data = data[os.write(self.to_worker_w, data):]

    def close_gateway_side(self):
        os.close(self._fds.pop())

    def close(self):
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self.gateway_in.close()
        self.worker_in.close()


def start(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


class ChannelTest(unittest.TestCase):

    def setUp(self):
        self.pipes = Pipes()
        self.addCleanup(self.pipes.close)

    def test_frames_from_many_threads_arrive_whole(self):
        # Frames far larger than the pipe's atomic write size: without one lock per frame they would interleave.
        threads, per_thread = 6, 40
        received = []

        def gateway():
            for _ in range(threads * per_thread):
                received.append(read_frame(self.pipes.gateway_in))

        reader = start(gateway)

        def writer(number):
            for i in range(per_thread):
                body = bytes([65 + number]) * (20000 + 997 * i)
                self.pipes.channel.send("N", json.dumps({"thread": number, "i": i}).encode("utf-8"), body)

        writers = [start(writer, n) for n in range(threads)]
        for thread in writers:
            thread.join(WAIT_SECONDS)
        reader.join(WAIT_SECONDS)
        self.assertEqual(threads * per_thread, len(received))
        seen = set()
        for kind, header, body in received:
            fields = json.loads(header.decode("utf-8"))
            self.assertEqual("N", kind)
            self.assertEqual(bytes([65 + fields["thread"]]) * (20000 + 997 * fields["i"]), body)
            seen.add((fields["thread"], fields["i"]))
        self.assertEqual(threads * per_thread, len(seen))

    def test_each_callback_gets_its_own_answer_while_calls_arrive(self):
        # The gateway answers each callback late and interleaves calls with the answers; plugin threads
        # call back concurrently while the main loop waits for its next call.
        calls = 50
        callers, rounds = 4, 40
        done = threading.Event()

        def gateway():
            sent_calls = 0
            answered = 0
            while answered < callers * rounds:
                kind, header, _ = read_frame(self.pipes.gateway_in)
                self.assertEqual("C", kind)
                fields = json.loads(header.decode("utf-8"))
                if sent_calls < calls:
                    self.pipes.gateway_send("D", b"call", str(sent_calls).encode())
                    sent_calls += 1
                self.pipes.gateway_send("A", json.dumps({"value": fields["key"]}).encode("utf-8"))
                answered += 1
            while sent_calls < calls:
                self.pipes.gateway_send("D", b"call", str(sent_calls).encode())
                sent_calls += 1
            done.set()

        start(gateway)
        wrong = []

        def caller(number):
            for i in range(rounds):
                key = "%d-%d" % (number, i)
                answer = self.pipes.channel.callback({"op": "get_data", "key": key})
                if answer.get("value") != key:
                    wrong.append((key, answer))

        bodies = []

        def main_loop():
            for _ in range(calls):
                bodies.append(self.pipes.channel.read()[2])

        threads = [start(caller, n) for n in range(callers)] + [start(main_loop)]
        for thread in threads:
            thread.join(WAIT_SECONDS)
        self.assertTrue(done.wait(WAIT_SECONDS), "the gateway side did not get every callback")
        self.assertEqual([], wrong)
        self.assertEqual([str(i).encode() for i in range(calls)], bodies)

    def test_a_callback_from_the_main_loop_keeps_calls_that_arrive_meanwhile(self):
        def gateway():
            kind, header, _ = read_frame(self.pipes.gateway_in)
            self.pipes.gateway_send("D", b"h", b"queued call")
            self.pipes.gateway_send("A", json.dumps({"value": "v"}).encode("utf-8"))

        start(gateway)
        self.assertEqual({"value": "v"}, self.pipes.channel.callback({"op": "get_data", "key": "k"}))
        self.assertEqual(("D", b"h", b"queued call"), self.pipes.channel.read())

    def test_an_error_answer_is_raised_to_the_caller(self):
        def gateway():
            read_frame(self.pipes.gateway_in)
            self.pipes.gateway_send("A", json.dumps({"error": "store unavailable"}).encode("utf-8"))

        start(gateway)
        with self.assertRaisesRegex(RuntimeError, "gateway: store unavailable"):
            self.pipes.channel.callback({"op": "get_data", "key": "k"})

    def test_a_closed_channel_fails_the_waiting_callback_and_ends_the_main_loop(self):
        outcome = []

        def plugin_thread():
            try:
                self.pipes.channel.callback({"op": "get_data", "key": "k"})
                outcome.append("answered")
            except RuntimeError as e:
                outcome.append(str(e))

        thread = start(plugin_thread)
        self.assertEqual("C", read_frame(self.pipes.gateway_in)[0])
        self.pipes.close_gateway_side()
        with self.assertRaises(EOFError):
            self.pipes.channel.read()
        thread.join(WAIT_SECONDS)
        self.assertEqual(["gateway: the channel to the gateway is closed"], outcome)


if __name__ == "__main__":
    unittest.main()
