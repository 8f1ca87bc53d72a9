#!/usr/bin/python3
"""A real SMTP server for the e-mail tests: aiosmtpd's Controller on
127.0.0.1, writing each message it accepts into --dir as NNNN.eml (the
bytes received, after the SMTP envelope) with NNNN.json beside it
({"mail_from", "rcpt_tos"}). It prints "READY" on stdout once it listens.

--fail CODE:N answers CODE (451: try later, 550: refused) to the next N
messages, at DATA, then accepts again; --user/--password ask for an SMTP
login (AUTH PLAIN or LOGIN, allowed without TLS here: it is loopback).

Usage: smtp_sink.py --port P --dir D [--fail 451:2] [--user U --password W]
"""
import argparse
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, fail_code, fail_count):
        self.dir = directory
        self.fail_code = fail_code
        self.fail_left = fail_count
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                # The text repeats the address, as real servers do: the
                # service must keep it out of what it records.
                return "%d Not now for %s" % (self.fail_code, ",".join(envelope.rcpt_tos))
            self.count += 1
            n = self.count
        base = os.path.join(self.dir, "%04d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK queued as %04d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail", default="0:0")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()
    code, _, count = a.fail.partition(":")
    sink = Sink(a.dir, int(code), int(count or 0))
    kwargs = {}
    if a.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login.decode() == a.user and
                  auth_data.password.decode() == a.password)
            return AuthResult(success=ok)
        kwargs = {"authenticator": authenticate, "auth_required": True,
                  "auth_require_tls": False}
    controller = Controller(sink, hostname="127.0.0.1", port=a.port, **kwargs)
    controller.start()
    print("READY", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
