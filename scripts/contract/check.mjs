// Checks recorded replies against openapi/openapi.yaml.
//
// Usage: node scripts/contract/check.mjs DIR [SPEC]
//
// DIR holds replies-*.jsonl written by the integration tests (tests/helpers/th.c),
// one JSON object a line: {"method","path" (with query string),"status",
// "content_type","headers" ({lower-case name: value}),"body_len", and the
// body as "body" (UTF-8 text) or "body_base64" (anything else)}. Each reply
// is matched to an operation (path template and method) and must have
// - a documented status (exact, NXX range or default);
// - the documented content type, and no body where none is documented;
// - for JSON, a body that validates against the response schema (JSON Schema
//   2020-12, as OpenAPI 3.1 has it); for PDF and PNG, the format's magic
//   bytes; for SVG and HTML, a document of that kind; a Content-Length equal
//   to the body's length;
// - every documented response header marked `required: true`, and every
//   documented header it has valid against the header's schema (values are
//   read as numbers where the schema says integer or number).
// Requests that match no operation must get the router's own replies, which
// the document describes under x-unmatched-requests. Exits 1 on any problem.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = dirname(fileURLToPath(import.meta.url));
const top = resolve(here, '..', '..');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOC_ID = 'https://repair-ledger.invalid/openapi.yaml';
const MAX_ERRORS_SHOWN = 3;

function usage(msg) {
  console.error(`check-contract: ${msg}\nusage: check-contract DIR [SPEC]`);
  process.exit(2);
}

const dir = process.argv[2];
const specPath = process.argv[3] ?? join(top, 'openapi', 'openapi.yaml');
if (!dir) usage('no record directory given');
if (!existsSync(dir)) usage(`${dir} does not exist`);

const doc = parseYaml(readFileSync(specPath, 'utf8'));

// --- JSON pointers and $ref ------------------------------------------------

const escapeToken = (t) => String(t).replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (t) => t.replace(/~1/g, '/').replace(/~0/g, '~');
const pointer = (tokens) => tokens.map((t) => '/' + escapeToken(t)).join('');

function at(ptr) {
  let node = doc;
  for (const raw of ptr.split('/').slice(1)) {
    const t = unescapeToken(decodeURIComponent(raw));
    if (node == null || typeof node !== 'object' || !(t in node)) return undefined;
    node = node[t];
  }
  return node;
}

// Follows local $refs; returns [object, its JSON pointer].
function deref(node, ptr) {
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#/')) throw new Error(`${ptr}: only local $refs are supported`);
    if (seen.has(node.$ref)) throw new Error(`${ptr}: $ref loop at ${node.$ref}`);
    seen.add(node.$ref);
    ptr = node.$ref.slice(1);
    node = at(ptr);
    if (node === undefined) throw new Error(`unresolvable $ref ${ptr}`);
  }
  return [node, ptr];
}

// --- schemas ----------------------------------------------------------------

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);
const validators = new Map();
function validatorFor(ptr) {
  if (!validators.has(ptr)) {
    const frag = ptr.split('/').map((t) => encodeURIComponent(t)).join('/');
    validators.set(ptr, ajv.compile({ $ref: `${DOC_ID}#${frag}` }));
  }
  return validators.get(ptr);
}

// --- operations -------------------------------------------------------------

const segmentsOf = (p) => p.split('/').filter((s) => s !== '');

const templates = Object.keys(doc.paths ?? {}).map((tpl) => ({
  tpl,
  segs: segmentsOf(tpl),
  literals: segmentsOf(tpl).filter((s) => !/^\{.+\}$/.test(s)).length,
}));
const operationCount = templates.reduce(
  (n, t) => n + METHODS.filter((m) => doc.paths[t.tpl][m]).length,
  0,
);

// The template for a concrete path, preferring literal segments over parameters.
function matchPath(path) {
  const segs = segmentsOf(path);
  let best = null;
  for (const t of templates) {
    if (t.segs.length !== segs.length) continue;
    const ok = t.segs.every((s, i) => /^\{.+\}$/.test(s) || s === segs[i]);
    if (ok && (best === null || t.literals > best.literals)) best = t;
  }
  return best;
}

// --- content types ----------------------------------------------------------

function parseType(ct) {
  const [base, ...params] = String(ct ?? '').split(';').map((s) => s.trim().toLowerCase());
  return { base, params: params.filter(Boolean).sort() };
}
const isJsonType = (base) => base === 'application/json' || base.endsWith('+json');

// The documented media type a reply's Content-Type matches: same type and,
// when the document lists parameters, the same parameters.
function matchMedia(content, ct) {
  const got = parseType(ct);
  for (const key of Object.keys(content)) {
    const want = parseType(key);
    if (want.base !== got.base) continue;
    if (want.params.length && want.params.join(';') !== got.params.join(';')) continue;
    return key;
  }
  return null;
}

// --- checking ---------------------------------------------------------------

const problems = new Map(); // message → {line, count}
const usedOps = new Set();
let checked = 0;
let unmatched = 0;

function problem(rec, what) {
  const line = `${rec.method} ${rec.path} ${rec.status}: ${what}`;
  const key = `${rec.method} ${rec.tplKey ?? rec.path} ${rec.status}: ${what}`;
  const p = problems.get(key);
  if (p) p.count++;
  else problems.set(key, { line, count: 1 });
}

function describeErrors(errors, whole = '(body)') {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => {
    const where = e.instancePath || whole;
    let msg = `${where} ${e.message}`;
    if (e.keyword === 'additionalProperties') msg = `${where} has undocumented field "${e.params.additionalProperty}"`;
    if (e.keyword === 'enum') msg += ` (${e.params.allowedValues.join(', ')})`;
    if (e.keyword === 'const') msg += ` (${JSON.stringify(e.params.allowedValue)})`;
    return msg;
  });
  const more = errors.length > MAX_ERRORS_SHOWN ? `; and ${errors.length - MAX_ERRORS_SHOWN} more` : '';
  return shown.join('; ') + more;
}

// --- headers ----------------------------------------------------------------

// A header value as the header's schema reads it: HTTP sends text, so a
// value documented as a number is compared as one.
function headerValue(schema, text) {
  const types = [].concat(schema?.type ?? []);
  if ((types.includes('integer') || types.includes('number')) && /^-?[0-9]+(\.[0-9]+)?$/.test(text))
    return Number(text);
  return text;
}

// Checks the reply's headers against the response's documented ones.
function checkHeaders(rec, resp, rptr) {
  const got = rec.headers;
  for (const [name, h] of Object.entries(resp.headers ?? {})) {
    if (name.toLowerCase() === 'content-type') continue; // OpenAPI ignores it
    const [hdr, hptr] = deref(h, `${rptr}/headers/${escapeToken(name)}`);
    const value = got[name.toLowerCase()];
    if (value === undefined) {
      if (hdr.required === true) problem(rec, `required header ${name} is missing`);
      continue;
    }
    if (!hdr.schema) continue;
    const [schema] = deref(hdr.schema, `${hptr}/schema`);
    const validate = validatorFor(`${hptr}/schema`);
    if (!validate(headerValue(schema, value)))
      problem(rec, `header ${name} "${value}" does not match its schema: ${describeErrors(validate.errors, 'the value')}`);
  }
}

// --- bodies -------------------------------------------------------------------

// The reply's body as bytes, from "body" (text) or "body_base64".
function bodyBytes(rec) {
  if (typeof rec.body_base64 === 'string') return Buffer.from(rec.body_base64, 'base64');
  return Buffer.from(rec.body ?? '', 'utf8');
}

const startsWith = (bytes, magic) => bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// What a body of this (non-JSON) media type must look like; null when fine.
function binaryProblem(base, bytes) {
  const head = () => bytes.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (base === 'application/pdf' && !startsWith(bytes, PDF_MAGIC)) return 'the body is not a PDF (no %PDF- header)';
  if (base === 'image/png' && !startsWith(bytes, PNG_MAGIC)) return 'the body is not a PNG (no PNG signature)';
  if (base === 'image/svg+xml' && !/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/.test(head()))
    return 'the body is not an SVG document';
  if (base === 'text/html' && !/^<!doctype html>/i.test(head())) return 'the body is not an HTML document';
  return null;
}

// Checks one reply against a response object found at ptr.
function checkResponse(rec, response, ptr) {
  const [resp, rptr] = deref(response, ptr);
  checkHeaders(rec, resp, rptr);
  const content = resp.content ?? {};
  const bytes = bodyBytes(rec);
  if (typeof rec.body_len === 'number' && rec.body_len !== bytes.length)
    problem(rec, `recorded body_len ${rec.body_len} but a body of ${bytes.length} bytes`);
  const cl = rec.headers['content-length'];
  if (cl !== undefined && rec.method !== 'HEAD' && Number(cl) !== bytes.length)
    problem(rec, `Content-Length is ${cl} but the body has ${bytes.length} bytes`);
  if (Object.keys(content).length === 0) {
    if (bytes.length > 0) problem(rec, 'the document says no body, but the reply has one');
    return;
  }
  const media = matchMedia(content, rec.content_type);
  if (media === null) {
    problem(rec, `content type "${rec.content_type}" is not documented (documented: ${Object.keys(content).join(', ')})`);
    return;
  }
  const [mt, mptr] = deref(content[media], `${rptr}/content/${escapeToken(media)}`);
  const base = parseType(media).base;
  if (!isJsonType(base)) {
    if (bytes.length === 0) problem(rec, 'empty body');
    else {
      const bad = binaryProblem(base, bytes);
      if (bad) problem(rec, bad);
    }
    return;
  }
  if (!mt.schema) return;
  const sptr = `${mptr}/schema`;
  if (typeof rec.body !== 'string') {
    problem(rec, 'a JSON reply whose body is not UTF-8 text');
    return;
  }
  let value;
  try {
    value = JSON.parse(rec.body);
  } catch (e) {
    problem(rec, `the body is not JSON: ${e.message}`);
    return;
  }
  const validate = validatorFor(sptr);
  if (!validate(value)) problem(rec, `body does not match ${schemaName(mt.schema)}: ${describeErrors(validate.errors)}`);
}

function schemaName(schema) {
  return typeof schema.$ref === 'string' ? schema.$ref.split('/').pop() : 'the response schema';
}

function checkRecord(rec) {
  const [path] = rec.path.split('?');
  const method = rec.method.toLowerCase();
  const status = String(rec.status);
  const t = matchPath(path);
  const unmatchedDoc = doc['x-unmatched-requests'] ?? {};
  if (t === null) {
    unmatched++;
    rec.tplKey = '(unknown path)';
    if (status !== '404' || !unmatchedDoc['unknown-path']) {
      problem(rec, 'no operation has this path');
      return;
    }
    checkResponse(rec, unmatchedDoc['unknown-path'], '/x-unmatched-requests/unknown-path');
    return;
  }
  rec.tplKey = t.tpl;
  const op = doc.paths[t.tpl][method];
  if (!op) {
    unmatched++;
    if (status !== '405' || !unmatchedDoc['unknown-method']) {
      problem(rec, `no ${rec.method} operation on ${t.tpl}`);
      return;
    }
    checkResponse(rec, unmatchedDoc['unknown-method'], '/x-unmatched-requests/unknown-method');
    return;
  }
  usedOps.add(`${rec.method} ${t.tpl}`);
  const responses = op.responses ?? {};
  const key = [status, `${status[0]}XX`, `${status[0]}xx`, 'default'].find((k) => k in responses);
  if (key === undefined) {
    problem(rec, `status ${status} is not documented for ${rec.method} ${t.tpl} (documented: ${Object.keys(responses).join(', ')})`);
    return;
  }
  checkResponse(rec, responses[key], pointer(['paths', t.tpl, method, 'responses', key]));
}

const files = readdirSync(dir).filter((f) => /^replies-.*\.jsonl$/.test(f)).sort();
let total = 0;
for (const f of files) {
  const lines = readFileSync(join(dir, f), 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      problems.set(`${f}:${i + 1}`, { line: `${f}:${i + 1}: not a JSON line: ${e.message}`, count: 1 });
      return;
    }
    total++;
    if (!rec.status) return; // no reply (connection refused, timeout)
    checked++;
    if (rec.headers === null || typeof rec.headers !== 'object') {
      problem(rec, 'recorded without "headers" (tests/helpers/th.c too old?)');
      rec.headers = {};
    }
    try {
      checkRecord(rec);
    } catch (e) {
      problem(rec, `checker error: ${e.message}`);
    }
  });
}

const nProblems = [...problems.values()].reduce((n, p) => n + p.count, 0);
if (total === 0) {
  console.log(`contract: no recorded replies in ${dir}`);
  process.exit(1);
}
console.log(
  `contract: ${checked} replies checked against ${usedOps.size} operations` +
    ` (of ${operationCount} documented; ${unmatched} to undocumented paths or methods), ` +
    `${nProblems} problem${nProblems === 1 ? '' : 's'}`,
);
for (const p of problems.values()) console.log(`  ${p.line}${p.count > 1 ? ` (×${p.count})` : ''}`);
if (process.env.CONTRACT_VERBOSE) {
  const unused = templates.flatMap((t) =>
    METHODS.filter((m) => doc.paths[t.tpl][m]).map((m) => `${m.toUpperCase()} ${t.tpl}`),
  ).filter((k) => !usedOps.has(k));
  if (unused.length) console.log(`  not exercised: ${unused.join(', ')}`);
}
process.exit(nProblems > 0 ? 1 : 0);
