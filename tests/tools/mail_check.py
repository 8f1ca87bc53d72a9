#!/usr/bin/python3
"""Reads one message (a file, or stdin) with Python's standard e-mail
parser, strictly (policy.default, which decodes RFC 2047 words), and prints
what a mail client would show as one JSON object: the headers (decoded),
"defects" (what the parser found wrong, anywhere), "content_type", the
"parts" ({"content_type", "charset", "encoding", "text"} each, decoded),
and "max_line" (the longest line of the raw message, CRLF not counted).

Usage: mail_check.py [FILE]
"""
import email
import json
import sys
from email import policy


def main():
    raw = open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else sys.stdin.buffer.read()
    msg = email.message_from_bytes(raw, policy=policy.default)
    headers = {}
    for name in msg.keys():
        headers[name] = str(msg[name])
    defects = [type(d).__name__ for d in msg.defects]
    parts = []
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "encoding": part.get("Content-Transfer-Encoding"),
            "text": part.get_content(),
        })
    lines = raw.split(b"\r\n")
    out = {
        "headers": headers,
        "defects": defects,
        "content_type": msg.get_content_type(),
        "parts": parts,
        "max_line": max(len(x) for x in lines),
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
