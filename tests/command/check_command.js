// The calltrace command on real recordings of progs/work.c: every
// subcommand's output compared exactly with what the trace's JSON says.
//   node check_command.js cli|run|info|tree|report|diff|convert CALLTRACE WORK [CONVERT]
'use strict';
const L = require('./lib.js');
const {ctx, fail, eq, ok, run, record, pad, fs, path, os} = L;

const [what, ct, prog, convert] = process.argv.slice(2);
ctx.ct = ct;
const ESC = '\x1b';

function mainThread(trace) {
  return Object.values(trace.call_trees).find((t) => t.root_calls.some((n) => n.function === 'main'));
}

const checks = {};

checks.cli = () => {
  for (const sub of ['info', 'tree', 'report', 'diff', 'convert', 'run', 'export']) {
    const r = run(ct, [sub, '--help']);
    ok(r.status === 0 && r.out.startsWith(`usage: calltrace ${sub}`), `${sub} --help: ${r.status} ${r.out}`);
  }
  let r = run(ct, []);
  ok(r.status === 2 && r.err.startsWith('usage: calltrace COMMAND'), 'no command: status 2 and the usage');
  r = run(ct, ['frobnicate']);
  eq(r.err, "calltrace: 'frobnicate' is not a command (calltrace --help lists them)\n", 'an unknown command');
  ok(r.status === 2, 'an unknown command: status 2');
  r = run(ct, ['report', '--sort', 'colour', 'x.json']);
  ok(r.status === 2 && r.err.startsWith("calltrace: --sort 'colour'"), `a bad option: ${r.status} ${r.err}`);
  r = run(ct, ['info', path.join(ctx.tmp, 'none.json')]);
  ok(r.status === 1 && /^calltrace: cannot open .*none\.json: No such file/.test(r.err), `a missing file: ${r.err}`);
  const bad = path.join(ctx.tmp, 'bad.json');
  fs.writeFileSync(bad, '{"metadata": {"version": "0.1.0"}, "call_trees": {"1": {"root_calls": [{"function": 3');
  r = run(ct, ['tree', bad]);
  ok(r.status === 1 && /^calltrace: .*bad\.json is not a calltrace JSON trace \(byte \d+: the file ends early\)\n$/.test(r.err),
     `a torn trace: ${r.status} ${r.err}`);
  const t = record('cli', prog, ['a']);
  for (const sub of [['info'], ['tree'], ['report'], ['diff', t.file]]) {
    r = run(ct, sub.concat([t.file]));
    ok(r.status === 0 && !r.out.includes(ESC), `${sub[0]} through a pipe: no escape codes (${r.status})`);
  }
};

checks.run = () => {
  const file = path.join(ctx.tmp, 'r.json');
  let r = run(ct, ['run', '-o', file, '--', prog, 'a', '42']);
  ok(r.status === 42, `the program's exit status passes through: ${r.status}`);
  eq(r.out, 'done\n', "the program's own output");
  eq(r.err, `calltrace: trace of ${prog} written to ${file}\n`, 'the one line');
  r = run(ct, ['run', '--format', 'json,text', '-o', file, prog, 'a']);
  eq(r.err, `calltrace: trace of ${prog} written to ${file}, ${file.replace(/\.json$/, '.txt')}\n`, 'two views');
  r = run(ct, ['run', '-o', file, '--', '/bin/true']);
  ok(r.status === 1 && /^calltrace: \/bin\/true is not linked with calltrace .*-finstrument-functions.*pkg-config --libs calltrace.*calltrace_instrument/.test(r.err),
     `a program without calltrace is refused: ${r.status} ${r.err}`);
  r = run(ct, ['run', '--', path.join(ctx.tmp, 'nowhere')]);
  ok(r.status === 127 && r.err.includes('no such program'), `a missing program: ${r.status} ${r.err}`);
  // the options become the CALLTRACE_* variables
  let t = record('r_nostart', prog, ['a'], ['--no-start']);
  ok(t.trace.metadata.total_calls === 0, '--no-start: nothing recorded');
  t = record('r_depth', prog, ['a'], ['-d', '2']);
  ok(L.stats(t.trace).get('fact') === undefined && t.trace.metadata.dropped.depth > 0, '-d 2: nothing deeper than 2');
  fs.writeFileSync(path.join(ctx.tmp, 'filter'), '# parse only\nparse\n');
  t = record('r_filter', prog, ['a'], ['-f', path.join(ctx.tmp, 'filter')]);
  eq([...L.stats(t.trace).keys()].join(','), 'parse', '-f FILE: only parse');
  t = record('r_args', prog, ['a'], ['--args']);
  ok(t.trace.metadata.capture_args === true, '--args: values captured');
  const parses = [...L.walk(mainThread(t.trace).root_calls, 0)].filter((x) => x.n.function === 'parse');
  eq(parses.map((x) => `${x.n.arguments[0].value}=${x.n.return_value.value}`).join(' '), 'alpha=5 be=2 gamma=5', '--args: values');
  t = record('r_sys', prog, ['a'], ['--syscalls']);
  ok(t.trace.metadata.total_calls > 0, '--syscalls: the program runs and is traced');
};

// a crash (crash's ending.c): the status, the ending and the open calls
checks.crash = () => {
  const file = path.join(ctx.tmp, 'crash.json');
  const r = run(ct, ['run', '-o', file, '--', prog, 'segv']);
  ok(r.status === 139, `a SIGSEGV exits 128 + 11: ${r.status}`);
  eq(r.err, `calltrace: ${prog} was killed by signal 11 (Segmentation fault)\ncalltrace: trace of ${prog} written to ${file}\n`, 'the lines');
  const m = JSON.parse(fs.readFileSync(file, 'utf8')).metadata;
  const info = run(ct, ['info', file]).out.split('\n');
  const at = info.findIndex((l) => l.startsWith('ended'));
  eq(info.slice(at, at + 1 + m.crash.stack.length).join('\n'),
     [`ended        crash: SIGSEGV at ${m.crash.fault_address} in thread ${m.crash.thread_id}`]
       .concat(m.crash.stack.map((f) => `  ${f.function}  ${f.file}:${f.line}`)).join('\n'), 'info: the crash');
  ok(m.crash.stack.length >= 3 && info.includes('complete     yes'), 'a crash trace is complete');
  const tree = run(ct, ['tree', '--no-args', file]).out;
  ok(/\} \/\* main \*\/ \[unfinished\]\n$/.test(tree), `tree: the open calls unfinished:\n${tree}`);
};

checks.info = () => {
  const t = record('info', prog, ['a'], ['--args']);
  const m = t.trace.metadata;
  const th = Object.values(t.trace.call_trees);
  const l = (k, v) => `${k.padEnd(12)} ${v}`;
  const expected = [
    l('executable', m.executable), l('pid', m.pid), l('started', m.timestamp), l('duration', m.duration_ns),
    l('calls', m.total_calls), l('threads', th.length),
    ...th.map((x) => `  thread ${x.thread_id} "${x.name}": ${x.calls} calls` + (x.marks && x.marks.length ? `, ${x.marks.length} marks` : '') +
      (x.unfinished_calls ? `, ${x.unfinished_calls} unfinished` : '') + (x.unwound_calls ? `, ${x.unwound_calls} unwound` : '')),
    l('complete', 'yes'), l('dropped', 'none'), l('filtered', 'none'), l('ended', 'exit'),
    l('recorded', `clock ${m.clock}, max depth 65536, arguments yes`), l('host', os.hostname()),
    l('written by', `calltrace ${m.version}`)].join('\n') + '\n';
  const r = run(ct, ['info', '--ns', t.file]);
  ok(r.status === 0, `info: ${r.status} ${r.err}`);
  eq(r.out, expected, 'info');
  ok(m.host === os.hostname() && th.length === 2 && m.total_calls === 1 + 3 + 5 * 4 + 1 + 1 + 2 * 4,
     `the recording: ${m.total_calls} calls, ${th.length} threads`);
  // an event file: the same calls and threads, read through a conversion
  const raw = record('info_raw', prog, ['a'], ['--format', 'json,raw']);
  const rr = run(ct, ['info', '--ns', raw.file.replace(/\.json$/, '.ctraw')]);
  ok(rr.status === 0, `info on an event file: ${rr.err}`);
  const lines = rr.out.split('\n');
  ok(lines.includes(l('calls', raw.trace.metadata.total_calls)) && lines.includes(l('threads', 2)) &&
     lines.includes(l('pid', raw.trace.metadata.pid)), `info on an event file:\n${rr.out}`);
};

// Patterns as CALLTRACE_FILTER writes them, read on their own here.
function patterns(list) {
  const pats = list.map((p) => {
    let kind = 'inc';
    if (p[0] === '!') { kind = 'exc'; p = p.slice(1); if (p.endsWith('/**')) { kind = 'tree'; p = p.slice(0, -3); } }
    const re = p.length > 1 && p[0] === '/' && p.endsWith('/') ? new RegExp(p.slice(1, -1))
      : new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return {kind, re};
  });
  const anyInc = pats.some((p) => p.kind === 'inc');
  return (n, anc) => {
    const up = anc.length ? anc[anc.length - 1] : {inside: false, tree: false};
    const hits = pats.filter((p) => p.re.test(n.function));
    const st = {inside: up.inside || hits.some((p) => p.kind === 'inc'), tree: up.tree || hits.some((p) => p.kind === 'tree')};
    st.visible = !st.tree && (!anyInc || st.inside) && !hits.some((p) => p.kind === 'exc');
    return st;
  };
}

checks.tree = () => {
  const t = record('tree', prog, ['a'], ['--args']);
  const tree = (args) => {
    const r = run(ct, ['tree', '--ns', '--no-pager', t.file].concat(args));
    if (r.status !== 0) fail(`tree ${args}: ${r.status} ${r.err}`);
    return r.out;
  };
  const strip = (s) => s.split('\n').map((x) => x.replace(/^ *\d* \| /, '')).join('\n');
  eq(tree([]), L.expectTree(t.trace, {}), 'tree');
  const main = mainThread(t.trace).thread_id;
  const hdr = `# thread ${main} "${mainThread(t.trace).name}": ${mainThread(t.trace).calls} calls\n`;
  // by hand: the shapes the filters must give
  const fact3 = 'fact() {\n  fact() {\n    fact();\n  } /* fact */\n} /* fact */\n';
  const compute = 'compute() {\n' + fact3.trimEnd().replace(/^/gm, '  ') + '\n} /* compute */\n';
  eq(strip(tree(['--no-args', '--tid', String(main), 'compute'])), hdr + compute.repeat(5), 'tree compute');
  eq(strip(tree(['--no-args', '--tid', String(main), '!fact/**'])),
     hdr + 'main() {\n' + '  parse();\n'.repeat(3) + '  compute();\n'.repeat(5) + '  legacy();\n} /* main */\n', 'tree !fact/**');
  // at -O0 every value is there; at -O2 what the DWARF gives (maybe optimized out)
  const parseLines = prog.endsWith('_O0') ? 'parse(s="alpha") = 5;\nparse(s="be") = 2;\nparse(s="gamma") = 5;\n'
    : [...L.walk(mainThread(t.trace).root_calls, 0)].filter((x) => x.n.function === 'parse').map((x) =>
      `parse(s=${L.valueText(x.n.arguments[0])})${x.n.return_value ? ' = ' + L.valueText(x.n.return_value) : ''};\n`).join('');
  eq(strip(tree(['--tid', String(main), '/^(parse|legacy)$/'])), hdr + parseLines + 'legacy();\n', 'tree /regex/ with values');
  eq(strip(tree(['--no-args', '--depth', '1'])), Object.values(t.trace.call_trees).map((th) =>
    `# thread ${th.thread_id} "${th.name}": ${th.calls} calls\n` + th.root_calls.map((n) => n.function + '();' + (n.unfinished ? ' [unfinished]' : '') + (n.unwound ? ' [unwound]' : '') + '\n').join('')).join(''), 'tree --depth 1');
  // against the trace: each filter alone and together
  const facts = [...L.walk(mainThread(t.trace).root_calls, 0)].filter((x) => x.n.function === 'fact').map((x) => x.n);
  const minDur = facts.map((n) => n.duration_ns).sort((a, b) => a - b)[Math.floor(facts.length / 2)];
  const starts = [...L.walk(mainThread(t.trace).root_calls, 0)].map((x) => x.n.start_ns).sort((a, b) => a - b);
  const [t0, t1] = [starts[5], starts[15]];
  const inRange = (n) => n.start_ns >= t0 && n.start_ns <= t1;
  const cases = [
    [['!compute'], {shown: patterns(['!compute'])}],
    [['--filter', 'compute,!fact'], {shown: patterns(['compute', '!fact'])}],
    [['--depth', '3'], {depth: 3}],
    [['--min-duration', `${minDur}ns`], {min: minDur}],
    [['--time-range', `${t0}-${t1}`], {shown: (n) => ({visible: inRange(n)})}],
    [['--tid', String(main), '--depth', '2', '--min-duration', `${minDur}`, '--no-args'], {tid: main, depth: 2, min: minDur, args: false}],
  ];
  for (const [args, o] of cases) eq(tree(args), L.expectTree(t.trace, o), `tree ${args.join(' ')}`);
};

checks.report = () => {
  const t = record('report', prog, ['a']);
  const report = (args) => {
    const r = run(ct, ['report', '--ns', '--no-pager', t.file].concat(args));
    if (r.status !== 0) fail(`report ${args}: ${r.status} ${r.err}`);
    return r.out;
  };
  const s = L.stats(t.trace);
  eq(report([]), L.reportTable(L.sortRows([...s.values()], 'total'), 'function'), 'report');
  for (const col of ['calls', 'self', 'avg', 'min', 'max', 'name'])
    eq(report(['--sort', col]), L.reportTable(L.sortRows([...s.values()], col), 'function'), `report --sort ${col}`);
  eq(report(['--sort', 'calls', '--top', '2']), L.reportTable(L.sortRows([...s.values()], 'calls').slice(0, 2), 'function'), 'report --top 2');
  // recursion once: fact's total is its outermost calls' time
  const fact = s.get('fact');
  ok(fact.calls === 21 && s.get('compute').calls === 7 && fact.total < fact.sum, `fact: ${fact.calls} calls`);
  // per thread
  const per = Object.values(t.trace.call_trees).map((th) =>
    `# thread ${th.thread_id} "${th.name}": ${th.calls} calls\n` +
    L.reportTable(L.sortRows([...L.stats(t.trace, (x) => x === th).values()], 'total'), 'function')).join('');
  eq(report(['--per-thread']), per, 'report --per-thread');
  // callers and callees, counted from the tree
  const edges = (keyOf) => {
    const m = new Map();
    for (const th of Object.values(t.trace.call_trees))
      for (const {n, parent} of L.walk(th.root_calls, 0, null)) {
        const k = keyOf(n, parent);
        if (k === null) continue;
        if (!m.has(k)) m.set(k, {name: k, calls: 0, total: 0, self: 0, sum: 0, min: Infinity, max: 0});
        const f = m.get(k), kids = n.children.reduce((a, c) => a + c.duration_ns, 0);
        f.calls++; f.total += n.duration_ns; f.sum += n.duration_ns; f.self += n.duration_ns - kids;
        f.min = Math.min(f.min, n.duration_ns); f.max = Math.max(f.max, n.duration_ns);
      }
    for (const f of m.values()) f.avg = Math.floor((f.sum + Math.floor(f.calls / 2)) / f.calls);
    return L.sortRows([...m.values()], 'total');
  };
  const callers = edges((n, p) => (n.function === 'fact' ? (p ? p.function : '<root>') : null));
  eq(callers.map((f) => `${f.name}:${f.calls}`).sort().join(' '), 'compute:7 fact:14', 'fact has 2 callers');
  eq(report(['--callers', 'fact']), L.reportTable(callers, 'caller'), 'report --callers fact');
  eq(report(['--callees', 'main']), L.reportTable(edges((n, p) => (p && p.function === 'main' ? n.function : null)), 'callee'),
     'report --callees main');
};

function relText(x, y, inA, inB) {
  if (!inA) return 'new';
  if (!inB) return 'gone';
  if (x === 0) return y ? 'new' : '0.0%';
  const r = ((y - x) * 100) / x, a = Math.abs(r) * 10, f = Math.floor(a);
  let t = a - f > 0.5 || (a - f === 0.5 && f % 2 === 1) ? f + 1 : f; // round half to even, as printf
  return (r < 0 && t ? '-' : '+') + (t / 10).toFixed(1) + '%';
}

checks.diff = () => {
  const A = record('diff_a', prog, ['a']), B = record('diff_b', prog, ['b']);
  const r = run(ct, ['diff', '--ns', '--no-pager', '--sort', 'calls', A.file, B.file]);
  ok(r.status === 0, `diff: ${r.err}`);
  const sa = L.stats(A.trace), sb = L.stats(B.trace);
  const names = [...new Set([...sa.keys(), ...sb.keys()])];
  const sgn = (d) => (d > 0 ? '+' : d < 0 ? '-' : '') + Math.abs(d);
  const rows = names.map((n) => {
    const a = sa.get(n), b = sb.get(n), g = (f, k) => (f ? f[k] : 0);
    return {n, key: g(b, 'calls') - g(a, 'calls'), line: [pad(g(a, 'calls'), 9), pad(g(b, 'calls'), 9), pad(sgn(g(b, 'calls') - g(a, 'calls')), 9),
      pad(g(a, 'total'), 11), pad(g(b, 'total'), 11), pad(sgn(g(b, 'total') - g(a, 'total')), 11), pad(relText(g(a, 'total'), g(b, 'total'), a, b), 8),
      pad(g(a, 'self'), 11), pad(g(b, 'self'), 11), pad(sgn(g(b, 'self') - g(a, 'self')), 11), pad(relText(g(a, 'self'), g(b, 'self'), a, b), 8)].join(' ') + '  ' + n};
  }).sort((x, y) => Math.abs(y.key) - Math.abs(x.key) || (x.n < y.n ? -1 : 1));
  const head = `# A: ${A.file} (${prog}, ${A.trace.metadata.total_calls} calls)\n# B: ${B.file} (${prog}, ${B.trace.metadata.total_calls} calls)\n` +
    [pad('calls(A)', 9), pad('calls(B)', 9), pad('change', 9), pad('total(A)', 11), pad('total(B)', 11), pad('change', 11), pad('rel', 8),
     pad('self(A)', 11), pad('self(B)', 11), pad('change', 11), pad('rel', 8)].join(' ') + '  function\n';
  eq(r.out, head + rows.map((x) => x.line + '\n').join(''), 'diff --sort calls');
  // the known differences, by hand: order, calls, and what is new or gone
  const got = r.out.split('\n').slice(3, -1).map((l) => l.trim().split(/ +/));
  eq(got.map((f) => `${f[11]} ${f[0]} ${f[1]} ${f[2]}`).join('\n'),
     'fact 21 36 +15\ncompute 7 12 +5\ncache 0 2 +2\nlegacy 1 0 -1\nhelper 1 1 0\nmain 1 1 0\nparse 3 3 0', 'the known differences');
  ok(got[2][6] === 'new' && got[2][10] === 'new' && got[3][6] === 'gone' && got[3][10] === 'gone', 'cache is new, legacy gone');
  // by total (the default): the largest absolute change of total time first
  const d = run(ct, ['diff', '--ns', A.file, B.file]).out.split('\n').slice(3, -1).map((l) => Math.abs(Number(l.trim().split(/ +/)[5])));
  ok(d.length === 7 && d.every((x, i) => i === 0 || d[i - 1] >= x), `diff sorted by total change: ${d}`);
};

checks.convert = () => {
  const t = record('conv', prog, ['a'], ['--format', 'json,raw']);
  const raw = t.file.replace(/\.json$/, '.ctraw');
  const a = path.join(ctx.tmp, 'a.json'), b = path.join(ctx.tmp, 'b.json');
  let r = run(ct, ['convert', raw, '--format', 'json,text,folded', '--output', a]);
  ok(r.status === 0, `calltrace convert: ${r.err}`);
  r = run(convert, ['--format', 'json,text,folded', '--output', b, raw]);
  ok(r.status === 0, `calltrace-convert: ${r.err}`);
  for (const [x, y] of [[a, b], [a.replace('.json', '.txt'), b.replace('.json', '.txt')], [a.replace('.json', '.folded'), b.replace('.json', '.folded')]])
    eq(fs.readFileSync(x, 'utf8').replace(/"timestamp": "[^"]*"/, ''), fs.readFileSync(y, 'utf8').replace(/"timestamp": "[^"]*"/, ''), `${path.basename(x)}: the two names write the same`);
  ok(JSON.parse(fs.readFileSync(a, 'utf8')).metadata.total_calls === t.trace.metadata.total_calls, 'the converted calls');
  r = run(ct, ['convert', t.file]);
  ok(r.status === 1 && r.err.startsWith(`calltrace: ${t.file} is a JSON trace; convert reads an event file (.ctraw)`), `a JSON given to convert: ${r.err}`);
  // every subcommand reads the event file as it reads the JSON
  eq(run(ct, ['report', '--ns', raw]).out.split('\n')[0], run(ct, ['report', '--ns', t.file]).out.split('\n')[0], 'report on .ctraw');
  eq(run(ct, ['tree', '--no-args', raw]).out.replace(/^ *[\d.]+ [um ]?s \|/gm, ''), run(ct, ['tree', '--no-args', t.file]).out.replace(/^ *[\d.]+ [um ]?s \|/gm, ''), 'tree on .ctraw');
};

if (!checks[what]) fail(`no check '${what}'`);
checks[what]();
console.log(`command ${what}: ok`);
