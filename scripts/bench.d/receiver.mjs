#!/usr/bin/env node
// Part G of scripts/bench: the fastest webhook receiver we can run here. It
// answers 200 "ok" to every POST without verifying anything (the tests'
// tests/tools/webhook_receiver.mjs verifies signatures; this one only
// measures how fast repaird delivers). Listens on 127.0.0.1 and a free
// port, printed as "PORT n"; GET /count answers how many POSTs it had.
import http from 'node:http';

let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'GET') {
      const body = String(received);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
      return;
    }
    received++;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
const stop = () => {
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
