#!/usr/bin/env node
// A webhook receiver for the tests: it checks every delivery's signature
// with the official `standardwebhooks` package (not with Repair Ledger's own
// code) and answers as a test tells it.
//
// Listens on 127.0.0.1 and a free port, printed as "PORT n" on stdout.
// Deliveries go to POST /hook/<name>; each <name> is one receiver with its
// own secrets, mode and record:
//   POST /_secrets/<name>   body: JSON array of "whsec_…" secrets; a
//                           delivery is verified when one of them verifies it
//   POST /_mode/<name>/<m>  m: ok (200), 500, 410, stall (reads the request,
//                           never answers), slow<ms> (answers 200 after ms)
//   GET  /_received/<name>  JSON array of what <name> received, in order:
//                           {id, timestamp, signature, verified, verified_with
//                            (index of the secret), problem, body (parsed),
//                            raw, at (ms since start), answered}
//   POST /_reset/<name>     forgets what <name> received
// The first byte of each answer body is "ok" or the mode's text, so that the
// service's record of "the response's first bytes" can be checked.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const receivers = new Map();
const started = Date.now();

function receiver(name) {
  let r = receivers.get(name);
  if (!r) {
    r = { secrets: [], mode: 'ok', received: [] };
    receivers.set(name, r);
  }
  return r;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function verify(r, raw, headers) {
  let problem = 'no secret set';
  for (let i = 0; i < r.secrets.length; i++) {
    try {
      new Webhook(r.secrets[i]).verify(raw, {
        'webhook-id': headers['webhook-id'],
        'webhook-timestamp': headers['webhook-timestamp'],
        'webhook-signature': headers['webhook-signature'],
      });
      return { verified: true, verified_with: i, problem: null };
    } catch (e) {
      problem = String(e && e.message ? e.message : e);
    }
  }
  return { verified: false, verified_with: null, problem };
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const parts = url.pathname.split('/').filter(Boolean);
  const body = await readBody(req);
  try {
    if (req.method === 'POST' && parts[0] === 'hook' && parts.length === 2) {
      const r = receiver(parts[1]);
      const raw = body.toString('utf8');
      const v = verify(r, raw, req.headers);
      let parsed = null;
      try {
        parsed = JSON.parse(raw);
      } catch {
        v.problem = v.problem || 'body is not JSON';
      }
      const rec = {
        id: req.headers['webhook-id'] || null,
        timestamp: req.headers['webhook-timestamp'] || null,
        signature: req.headers['webhook-signature'] || null,
        content_type: req.headers['content-type'] || null,
        ...v,
        body: parsed,
        raw,
        at: Date.now() - started,
        mode: r.mode,
      };
      r.received.push(rec);
      const mode = r.mode;
      if (mode === 'stall') return; // never answers; the client gives up
      if (mode.startsWith('slow')) {
        const ms = Number(mode.slice(4)) || 1000;
        setTimeout(() => json(res, 200, { ok: true }), ms);
        return;
      }
      const status = mode === 'ok' ? 200 : Number(mode);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(mode === 'ok' ? 'ok' : `answer ${mode}`);
      return;
    }
    if (req.method === 'POST' && parts[0] === '_secrets' && parts.length === 2) {
      receiver(parts[1]).secrets = JSON.parse(body.toString('utf8'));
      return json(res, 200, { ok: true });
    }
    if (req.method === 'POST' && parts[0] === '_mode' && parts.length === 3) {
      receiver(parts[1]).mode = parts[2];
      return json(res, 200, { ok: true });
    }
    if (req.method === 'POST' && parts[0] === '_reset' && parts.length === 2) {
      receiver(parts[1]).received = [];
      return json(res, 200, { ok: true });
    }
    if (req.method === 'GET' && parts[0] === '_received' && parts.length === 2) {
      return json(res, 200, receiver(parts[1]).received);
    }
    json(res, 404, { error: 'unknown path' });
  } catch (e) {
    json(res, 400, { error: String(e) });
  }
});

// A stalled request must not keep the receiver from stopping.
server.keepAliveTimeout = 1000;
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
