// What the command's checks share: running the command and the programs,
// reading traces, and the expected output computed from a trace's JSON on
// its own (a second reading of the same file, not the command's code).
'use strict';
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ctx = {tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'ct-command-'))};
process.on('exit', () => fs.rmSync(ctx.tmp, {recursive: true, force: true}));

function fail(msg) {
  console.error('FAIL: ' + msg);
  process.exit(1);
}

function eq(actual, expected, what) {
  if (actual === expected) return;
  const a = String(actual).split('\n'), e = String(expected).split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++)
    if (a[i] !== e[i])
      fail(`${what}: line ${i + 1}\n  got:      ${JSON.stringify(a[i])}\n  expected: ${JSON.stringify(e[i])}\n` +
           `--- got:\n${actual}\n--- expected:\n${expected}`);
  fail(`${what}: differs`);
}

function ok(cond, what) {
  if (!cond) fail(what);
}

function run(cmd, args, env) {
  const r = cp.spawnSync(cmd, args, {env: Object.assign({}, process.env, env || {}), encoding: 'utf8',
                                     maxBuffer: 1 << 30});
  if (r.error) fail(`cannot run ${cmd}: ${r.error.message}`);
  return {status: r.status, signal: r.signal, out: r.stdout, err: r.stderr};
}

// calltrace run -o FILE [opts] -- prog args: the trace, parsed.
function record(name, prog, args, opts, env) {
  const file = path.join(ctx.tmp, name + '.json');
  const r = run(ctx.ct, ['run', '-o', file].concat(opts || [], ['--', prog], args || []), env);
  if (r.status !== 0) fail(`calltrace run ${prog} ${args}: status ${r.status}\n${r.err}`);
  return {file, trace: JSON.parse(fs.readFileSync(file, 'utf8')), run: r};
}

const pad = (s, w) => String(s).padStart(w);
const padr = (s, w) => String(s).padEnd(w);

// A captured value as the command prints it.
function valueText(a) {
  if (a.optimized_out) return '<optimized out>';
  if (a.unreadable) return '<unreadable>';
  return 'value' in a ? JSON.stringify(a.value) : '?';
}

function* walk(nodes, depth, parent) {
  for (const n of nodes) {
    yield {n, depth, parent};
    yield* walk(n.children, depth + 1, n);
  }
}

// The tree view, threads in file order, filtered as `calltrace tree` says:
// shown(node, depth, ancestors) decides a node; hidden ones give their
// children to their nearest shown caller; --min-duration hides a subtree.
function expectTree(trace, o) {
  o = Object.assign({min: 0, depth: 0, args: true, tid: null, shown: () => ({visible: true})}, o);
  const out = [];
  for (const th of Object.values(trace.call_trees)) {
    if (o.tid !== null && th.thread_id !== o.tid) continue;
    out.push(`# thread ${th.thread_id} "${th.name}": ${th.calls} calls`);
    const args = (n) => '(' + (o.args && n.arguments ? n.arguments.map((a) => `${a.name}=${valueText(a)}`).join(', ') : '') + ')';
    const ret = (n) => (o.args && n.return_value ? ' = ' + valueText(n.return_value) : '');
    const flags = (n) => (n.unfinished ? ' [unfinished]' : '') + (n.unwound ? ' [unwound]' : '');
    const emit = (nodes, eff, anc) => {
      for (const n of nodes) {
        const st = o.shown(n, anc);
        let vis = st.visible && (!o.depth || eff < o.depth);
        const ok2 = vis && n.duration_ns >= o.min;
        const kids = [];
        const sub = [];
        const save = out.length;
        emit(n.children, eff + (vis ? 1 : 0), anc.concat([Object.assign({node: n}, st)]));
        sub.push(...out.splice(save));
        if (!ok2) { out.push(...sub); continue; }
        const ind = ' | ' + '  '.repeat(eff);
        if (sub.length) {
          out.push(pad('', 10) + ind + n.function + args(n) + ' {');
          out.push(...sub);
          out.push(pad(n.duration_ns, 10) + ind + '}' + ret(n) + ` /* ${n.function} */` + flags(n));
        } else {
          out.push(pad(n.duration_ns, 10) + ind + n.function + args(n) + ret(n) + ';' + flags(n));
        }
        void kids;
      }
    };
    emit(th.root_calls, 0, []);
  }
  return out.join('\n') + '\n';
}

// Per-function statistics: total counts a function's outermost calls only.
function stats(trace, filter) {
  const s = new Map();
  const get = (k) => {
    if (!s.has(k)) s.set(k, {name: k, calls: 0, total: 0, self: 0, sum: 0, min: Infinity, max: 0});
    return s.get(k);
  };
  for (const th of Object.values(trace.call_trees)) {
    if (filter && !filter(th)) continue;
    for (const {n, parent} of walk(th.root_calls, 0, null)) void parent, void n;
    const rec = (nodes, open) => {
      for (const n of nodes) {
        const f = get(n.function);
        const kids = n.children.reduce((a, c) => a + c.duration_ns, 0);
        f.calls++;
        f.sum += n.duration_ns;
        f.self += Math.max(0, n.duration_ns - kids);
        if (!open.has(n.function)) f.total += n.duration_ns;
        f.min = Math.min(f.min, n.duration_ns);
        f.max = Math.max(f.max, n.duration_ns);
        const o2 = new Set(open);
        o2.add(n.function);
        rec(n.children, o2);
      }
    };
    rec(th.root_calls, new Set());
  }
  for (const f of s.values()) f.avg = Math.floor((f.sum + Math.floor(f.calls / 2)) / f.calls);
  return s;
}

function reportTable(rows, header) {
  const line = (c, t, s, a, mi, ma, n) =>
    `${pad(c, 10)} ${pad(t, 11)} ${pad(s, 11)} ${pad(a, 11)} ${pad(mi, 11)} ${pad(ma, 11)}  ${n}`;
  return [line('calls', 'total', 'self', 'avg', 'min', 'max', header)]
    .concat(rows.map((f) => line(f.calls, f.total, f.self, f.avg, f.min, f.max, f.name))).join('\n') + '\n';
}

function sortRows(rows, col) {
  return rows.sort((a, b) => (col !== 'name' && a[col] !== b[col] ? b[col] - a[col] : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

module.exports = {ctx, fail, eq, ok, run, record, pad, padr, valueText, walk, expectTree, stats,
                  reportTable, sortRows, fs, path, os};
