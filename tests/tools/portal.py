#!/usr/bin/env python3
"""A stand-in for a city's open-data portal, for the publishing tests.

Listens on a free 127.0.0.1 port (printed as "PORT n" on stdout), checks
each upload as data.gouv.fr or CKAN would see it (method, path, the secret's
header, the multipart fields) and appends what it received to --record as
one JSON line: {"method", "path", "problems": [...], "fields": {name: {...}},
"file_sha256", "file_size"}. It answers by its mode, which a test can change
with POST /_mode/<mode>: ok, 401 (echoing the key it got, as some portals
do, so that the service must keep it out of what it records), 500, or
stall (reads the upload, never answers).

Usage: portal.py --kind datagouv|ckan --secret S --resource R [--dataset D]
                 --record FILE [--mode ok]
"""
import argparse
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
mode = {"value": "ok"}
lock = threading.Lock()


def parse_multipart(ctype, body):
    """Parts of a multipart/form-data body, by name, bytes exact."""
    boundary = None
    for item in ctype.split(";")[1:]:
        k, _, v = item.strip().partition("=")
        if k == "boundary":
            boundary = v.strip('"').encode()
    if not ctype.startswith("multipart/form-data") or not boundary:
        return None
    parts = {}
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk[2:].partition(b"\r\n\r\n")
        data = data[:-2] if data.endswith(b"\r\n") else data
        headers = {}
        for line in head.split(b"\r\n"):
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        disp = headers.get("content-disposition", "")
        params = {}
        for item in disp.split(";")[1:]:
            k, _, v = item.strip().partition("=")
            params[k] = v.strip('"')
        parts[params.get("name", "")] = {
            "filename": params.get("filename"),
            "content_type": headers.get("content-type"),
            "data": data,
        }
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(405, {"message": "method not allowed"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if self.path.startswith("/_mode/"):
            mode["value"] = self.path[len("/_mode/"):]
            return self.reply(200, {"mode": mode["value"]})
        problems = []
        if args.kind == "datagouv":
            want = "/api/1/datasets/%s/resources/%s/upload/" % (args.dataset, args.resource)
            header, file_field = "X-API-KEY", "file"
        else:
            want = "/api/3/action/resource_update"
            header, file_field = "Authorization", "upload"
        if self.path != want:
            problems.append("path %s, expected %s" % (self.path, want))
        key = self.headers.get(header)
        if key != args.secret:
            problems.append("header %s is not the secret" % header)
        parts = parse_multipart(self.headers.get("Content-Type", ""), body)
        fields = {}
        sha, size = None, None
        if parts is None:
            problems.append("not multipart/form-data")
        else:
            for name, p in parts.items():
                fields[name] = {"filename": p["filename"], "content_type": p["content_type"],
                                "size": len(p["data"])}
            f = parts.get(file_field)
            if f is None or not f["filename"]:
                problems.append("no file in field %s" % file_field)
            else:
                sha = hashlib.sha256(f["data"]).hexdigest()
                size = len(f["data"])
            if args.kind == "ckan":
                rid = parts.get("id")
                if rid is None or rid["data"].decode() != args.resource:
                    problems.append("field id is not the resource id")
            extra = set(parts) - {file_field} - ({"id"} if args.kind == "ckan" else set())
            if extra:
                problems.append("unexpected fields %s" % sorted(extra))
        with lock, open(args.record, "a") as out:
            out.write(json.dumps({"method": self.command, "path": self.path,
                                  "problems": problems, "fields": fields,
                                  "file_sha256": sha, "file_size": size}) + "\n")
        if problems:
            return self.reply(400, {"message": "; ".join(problems)})
        m = mode["value"]
        if m == "401":
            return self.reply(401, {"message": "Invalid API Key: %s" % key})
        if m == "500":
            return self.reply(500, {"message": "internal server error"})
        if m == "stall":
            time.sleep(120)
            return
        if args.kind == "ckan":
            return self.reply(200, {"success": True, "result": {"id": args.resource}})
        return self.reply(200, {"success": True, "url": "https://example.org/r.csv"})


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", required=True, choices=["datagouv", "ckan"])
    ap.add_argument("--secret", required=True)
    ap.add_argument("--dataset")
    ap.add_argument("--resource", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--mode", default="ok")
    args = ap.parse_args()
    mode["value"] = args.mode
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print("PORT %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
