// calltrace export: the OTLP/JSON it writes is decoded and re-encoded with
// OpenTelemetry's own protobuf definitions (otlp-transformer's root.js) and
// must survive the round trip unchanged (a misnamed field or a wrong type
// would not); its spans must be the trace's calls, parent and child as in the
// tree, with their attributes. Then OTLP/HTTP to a receiver on 127.0.0.1.
//   node check_otlp.js CALLTRACE WORK ROOT_JS
'use strict';
const cp = require('child_process');
const http = require('http');
const L = require('./lib.js');
const {ctx, fail, eq, ok, run, record, fs, path, os} = L;

const [ct, prog, rootJs] = process.argv.slice(2);
ctx.ct = ct;
const T = require(rootJs).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const TP_TRACE = '0af7651916cd43dd8448eb211c80319c', TP_PARENT = 'b7ad6b7169203331';

function canon(v) {
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])]));
  return v;
}

function mapIds(req, f) {
  for (const rs of req.resourceSpans || [])
    for (const ss of rs.scopeSpans || [])
      for (const s of ss.spans || [])
        for (const k of ['traceId', 'spanId', 'parentSpanId']) if (k in s) s[k] = f(s[k]);
  return req;
}

// The OTLP/JSON request, checked against the schema: ids are hex in
// OTLP/JSON, bytes in protobuf.
function decode(text) {
  ok(text.endsWith('\n') && text.indexOf('\n') === text.length - 1, 'one request on one line');
  const req = JSON.parse(text);
  const msg = T.fromObject(mapIds(JSON.parse(text), (h) => Buffer.from(h, 'hex')));
  const back = T.toObject(T.decode(T.encode(msg).finish()), {longs: String, enums: Number, bytes: String});
  mapIds(back, (b) => Buffer.from(b, 'base64').toString('hex'));
  eq(JSON.stringify(canon(back), null, 1), JSON.stringify(canon(req), null, 1), 'the request after a protobuf round trip');
  return req;
}

const attrs = (list) => Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));

// Every span against the call it comes from.
function checkSpans(req, trace, {parent, expectCalls}) {
  const rs = req.resourceSpans[0], spans = rs.scopeSpans[0].spans;
  const m = trace.metadata, base = BigInt(Date.parse(m.timestamp)) * 1000000n;
  eq(JSON.stringify(attrs(rs.resource.attributes)), JSON.stringify({
    'service.name': path.basename(m.executable), 'process.pid': String(m.pid), 'process.executable.path': m.executable,
    'process.executable.name': path.basename(m.executable), 'host.name': os.hostname(), 'telemetry.sdk.name': 'calltrace',
    'telemetry.sdk.language': 'c', 'telemetry.sdk.version': m.version}), 'the resource');
  eq(rs.scopeSpans[0].scope.name, 'calltrace', 'the scope');
  const calls = new Map();
  for (const th of Object.values(trace.call_trees))
    for (const {n, parent: p} of L.walk(th.root_calls, 0, null)) calls.set(`${th.thread_id}:${n.start_ns}:${n.function}`, {n, p, th});
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  ok(byId.size === spans.length, 'span ids are unique');
  const traceId = spans[0].traceId;
  ok(/^[0-9a-f]{32}$/.test(traceId) && !/^0+$/.test(traceId), `a trace id: ${traceId}`);
  for (const s of spans) {
    const a = attrs(s.attributes);
    const start = BigInt(s.startTimeUnixNano) - base;
    const c = calls.get(`${a['thread.id']}:${start}:${s.name}`);
    ok(c, `span ${s.name} at ${start} is no call of the trace`);
    const {n, p, th} = c;
    ok(s.traceId === traceId && s.kind === 1, 'one trace, internal spans');
    eq(BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano), BigInt(n.duration_ns), `${s.name}: duration`);
    const want = {'code.function': n.function, 'code.filepath': n.file, 'code.lineno': String(n.line),
                  'thread.id': String(th.thread_id), 'thread.name': th.name};
    for (const v of n.arguments || []) want[`calltrace.arg.${v.name}`] = L.valueText(v);
    if (n.return_value) want['calltrace.return_value'] = L.valueText(n.return_value);
    if (n.unfinished) want['calltrace.unfinished'] = true;
    if (n.unwound) want['calltrace.unwound'] = true;
    eq(JSON.stringify(a), JSON.stringify(want), `${s.name}'s attributes`);
    if (p) {
      const ps = byId.get(s.parentSpanId);
      ok(ps && ps.name === p.function && BigInt(ps.startTimeUnixNano) - base === BigInt(p.start_ns),
         `${s.name}'s parent span is its caller ${p.function}`);
    } else {
      eq(s.parentSpanId, parent, `${s.name} (a root call)'s parent`);
    }
  }
  if (expectCalls !== undefined) eq(spans.length, expectCalls, 'spans');
  return spans;
}

function exportFile(file, args) {
  const out = path.join(ctx.tmp, 'out.otlp.json');
  const r = run(ct, ['export', '--otlp', out].concat(args, [file]));
  if (r.status !== 0) fail(`export ${args}: ${r.status} ${r.err}`);
  return fs.readFileSync(out, 'utf8');
}

async function receive(env, answer, args) {
  const got = [];
  const server = http.createServer((req, res) => {
    const body = [];
    req.on('data', (d) => body.push(d));
    req.on('end', () => {
      got.push({url: req.url, method: req.method, headers: req.headers, body: Buffer.concat(body).toString()});
      res.writeHead(answer, {'Content-Type': 'application/json'});
      res.end(answer === 200 ? '{}' : 'no room');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const child = cp.spawn(ct, ['export', '--endpoint'].concat(args), {env: Object.assign({}, process.env, env(port))});
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const status = await new Promise((r) => child.on('close', r));
  server.close();
  return {got, status, err, port};
}

async function main() {
  // a run inside a distributed trace: values, two threads, a TRACEPARENT
  const t = record('otlp', prog, ['a'], ['--args'], {TRACEPARENT: `00-${TP_TRACE}-${TP_PARENT}-01`});
  eq(t.trace.metadata.traceparent, `00-${TP_TRACE}-${TP_PARENT}-01`, 'the run keeps its TRACEPARENT');
  const all = exportFile(t.file, ['--min-duration', '0']);
  const spans = checkSpans(decode(all), t.trace, {parent: TP_PARENT, expectCalls: t.trace.metadata.total_calls});
  ok(spans.every((s) => s.traceId === TP_TRACE), 'the spans join the TRACEPARENT trace');
  eq(exportFile(t.file, ['--min-duration', '0']), all, 'exported twice: the same spans, the same ids');
  // the cap keeps the longest calls, and with them their callers
  const durs = [];
  for (const th of Object.values(t.trace.call_trees))
    for (const {n, depth} of L.walk(th.root_calls, 0, null)) durs.push({d: n.duration_ns, depth, s: n.start_ns});
  durs.sort((a, b) => b.d - a.d || a.depth - b.depth || a.s - b.s);
  const capped = checkSpans(decode(exportFile(t.file, ['--min-duration', '0', '--max-spans', '6'])), t.trace, {parent: TP_PARENT, expectCalls: 6});
  const floor = durs[5].d;
  ok(capped.every((s) => BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano) >= BigInt(floor)), '--max-spans 6: the 6 longest');
  // the defaults: calls of at least 100 us
  const def = decode(exportFile(t.file, [])).resourceSpans[0].scopeSpans[0].spans;
  eq(def.length, durs.filter((x) => x.d >= 100000).length, 'by default, the calls of 100 us or more');
  // a threshold: exactly the calls at least that long
  const mid = durs[Math.floor(durs.length / 2)].d;
  checkSpans(decode(exportFile(t.file, ['--min-duration', `${mid}ns`])), t.trace,
             {parent: TP_PARENT, expectCalls: durs.filter((x) => x.d >= mid).length});
  // no TRACEPARENT: a trace of its own, root calls without a parent
  const u = record('otlp_plain', prog, ['a']);
  checkSpans(decode(exportFile(u.file, ['--min-duration', '0'])), u.trace, {parent: undefined, expectCalls: u.trace.metadata.total_calls});

  // OTLP/HTTP: OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, with the headers
  let h = await receive((port) => ({OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`,
                                     OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret%20value, x-team = c'}),
                        200, ['--min-duration', '0', t.file]);
  ok(h.status === 0 && h.got.length === 1, `export --endpoint: ${h.status} ${h.err}`);
  eq(h.err, `calltrace: ${t.trace.metadata.total_calls} spans sent\n`, 'the one line');
  const g = h.got[0];
  eq(`${g.method} ${g.url} ${g.headers['content-type']} ${g.headers['x-api-key']} ${g.headers['x-team']}`,
     'POST /v1/traces application/json s3cret value c', 'the request');
  eq(g.body, all, 'the body is the file export');
  checkSpans(decode(g.body), t.trace, {parent: TP_PARENT, expectCalls: t.trace.metadata.total_calls});
  // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is, and wins
  h = await receive((port) => ({OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/custom/traces`,
                                OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1'}), 200, [t.file]);
  ok(h.status === 0 && h.got.length === 1 && h.got[0].url === '/custom/traces', `the traces endpoint: ${h.err}`);
  // a refusal is an error, said once
  h = await receive((port) => ({OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`}), 500, [t.file]);
  eq(`${h.status} ${h.err}`, `1 calltrace: http://127.0.0.1:${h.port}/v1/traces answered 500: no room\n`, 'a 500');
  const r = run(ct, ['export', '--endpoint', t.file], {OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector.invalid'});
  ok(r.status === 1 && r.err.includes('https is not supported'), `https: ${r.err}`);
  console.log('command otlp: ok');
}

main().catch((e) => fail(e.stack));
