'use strict';
(function () {
  var ROW = 18;          /* px per nesting level (--row) */
  var MARK_STRIP = 16;   /* px above the rows for mark labels (--mark-strip) */
  var DOM_MAX = 20000;   /* up to this many calls, one element per call; more: canvas */
  var MIN_SPAN = 10;     /* ns: the deepest zoom */
  var MATCH = '#2f6fdf', DIM = '#e2e2e2';

  /* ---------------------------------------------------------------- data */

  function take(el) {
    var v = JSON.parse(el.textContent);
    el.remove();
    return v;
  }
  var meta = take(document.getElementById('ct-meta'));
  var lanes = Array.prototype.map.call(document.querySelectorAll('script.ct-thread'),
                                       function (el) { return decode(take(el)); });
  var fns = take(document.getElementById('ct-fns'));

  /* One thread's records into typed arrays, calls in closing order; rows[d]
   * lists the calls at depth d in time order (their closing order). */
  function decode(th) {
    var ev = th.ev, n = 0, i, k = 0, t = 0, d;
    for (i = 0; i < ev.length; i += ev[i] >= 0 ? 5 : 4)
      if (ev[i] >= 0)
        n++;
    var L = {
      th: th, n: n, maxDepth: -1, marks: [],
      depth: new Int32Array(n), fn: new Int32Array(n), flags: new Uint8Array(n),
      start: new Float64Array(n), dur: new Float64Array(n), self: new Float64Array(n)
    };
    var kids = [0]; /* per depth: time of the closed calls below the open one */
    for (i = 0; i < ev.length;) {
      t += ev[i + 1];
      if (ev[i] < 0) {
        L.marks.push({ t: t, depth: -1 - ev[i], fn: ev[i + 2], label: String(ev[i + 3]) });
        i += 4;
        continue;
      }
      d = ev[i];
      L.depth[k] = d;
      L.start[k] = t;
      L.dur[k] = ev[i + 2];
      L.fn[k] = ev[i + 3];
      L.flags[k] = ev[i + 4];
      while (kids.length < d + 2)
        kids.push(0);
      L.self[k] = Math.max(0, ev[i + 2] - kids[d + 1]);
      kids[d + 1] = 0;
      kids[d] += ev[i + 2];
      if (d > L.maxDepth)
        L.maxDepth = d;
      k++;
      i += 5;
    }
    delete th.ev;
    var counts = new Int32Array(L.maxDepth + 1);
    for (i = 0; i < n; i++)
      counts[L.depth[i]]++;
    L.rows = [];
    L.ends = [];
    for (d = 0; d <= L.maxDepth; d++) {
      L.rows.push(new Int32Array(counts[d]));
      L.ends.push(new Float64Array(counts[d]));
      counts[d] = 0;
    }
    for (i = 0; i < n; i++) {
      d = L.depth[i];
      L.rows[d][counts[d]] = i;
      L.ends[d][counts[d]++] = L.start[i] + L.dur[i];
    }
    return L;
  }

  function fnName(f) { return fns[f] ? fns[f][0] : '(unknown)'; }
  function fnWhere(f) {
    if (!fns[f])
      return '(unknown)';
    return fns[f][1] + (fns[f][2] ? ':' + fns[f][2] : '');
  }

  /* A warm colour per function, from its name; system calls
   * (CALLTRACE_SYSCALLS, "syscall:openat") a cool one, to stand apart. */
  var colors = fns.map(function (f) {
    var h = 0, s = f[0];
    for (var i = 0; i < s.length; i++)
      h = (h * 31 + s.charCodeAt(i)) >>> 0;
    if (s.lastIndexOf('syscall:', 0) === 0)
      return 'hsl(' + (195 + h % 30) + ', 65%, ' + (62 + (h >>> 8) % 10) + '%)';
    return 'hsl(' + (20 + h % 36) + ', 80%, ' + (58 + (h >>> 8) % 14) + '%)';
  });
  function color(f) { return colors[f] || '#bbb'; }

  /* ---------------------------------------------------------------- formatting */

  function fmtDur(ns) {
    if (ns < 1e3)
      return Math.round(ns) + ' ns';
    if (ns < 1e6)
      return (ns / 1e3).toFixed(3) + ' \u00b5s';
    if (ns < 1e9)
      return (ns / 1e6).toFixed(3) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }
  /* A time on an axis that ends at `end`, with ticks `step` ns apart. */
  function fmtTick(t, step, end) {
    var u = end >= 1e9 ? 1e9 : end >= 1e6 ? 1e6 : end >= 1e3 ? 1e3 : 1;
    var unit = { 1: 'ns', 1000: '\u00b5s', 1000000: 'ms', 1000000000: 's' }[u];
    var dec = Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9));
    return (t / u).toFixed(dec) + ' ' + unit;
  }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function baseName(p) { return p.slice(p.lastIndexOf('/') + 1); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls)
      e.className = cls;
    if (text !== undefined)
      e.textContent = text;
    return e;
  }

  /* ---------------------------------------------------------------- page */

  var total = lanes.reduce(function (a, L) { return a + L.n; }, 0);
  var useDom = total <= DOM_MAX;
  var body = document.body, lanesEl = document.getElementById('lanes');
  var ruler = document.getElementById('ruler'), tip = document.getElementById('tip');
  var search = document.getElementById('search'), countEl = document.getElementById('count');
  body.classList.add(useDom ? 'dom' : 'canvas');

  var exe = baseName(meta.exe);
  document.title = 'calltrace: ' + exe;
  document.getElementById('title').textContent = exe;
  var info = ['pid ' + meta.pid, plural(meta.total_calls, 'call'), plural(meta.threads, 'thread'),
              fmtDur(meta.duration_ns), meta.timestamp];
  if (!meta.complete)
    info.push('flushed while running');
  if (meta.truncated)
    info.push('truncated');
  var lost = meta.dropped.reduce(function (a, b) { return a + b; }, 0);
  if (lost)
    info.push(lost + ' calls or threads not recorded (depth, reentrant, buffer, threads: ' +
              meta.dropped.join(', ') + ')');
  document.getElementById('info').textContent = info.join(' \u00b7 ');

  /* The time range of everything recorded. */
  var full0 = Infinity, full1 = -Infinity;
  lanes.forEach(function (L) {
    for (var i = 0; i < L.n; i++) {
      full0 = Math.min(full0, L.start[i]);
      full1 = Math.max(full1, L.start[i] + L.dur[i]);
    }
    L.marks.forEach(function (m) {
      full0 = Math.min(full0, m.t);
      full1 = Math.max(full1, m.t);
    });
  });
  if (!(full0 <= full1)) {
    full0 = 0;
    full1 = 1;
  }
  var pad = Math.max((full1 - full0) * 0.005, MIN_SPAN / 2);
  full0 = Math.max(0, full0 - pad);
  full1 += pad;
  var view = { t0: full0, t1: full1 };
  var scale = 1; /* px per ns, set by render() */

  if (!lanes.length)
    lanesEl.appendChild(el('p', '', 'No calls and no marks were recorded.'));

  lanes.forEach(function (L, li) {
    var th = L.th;
    L.el = el('section', 'lane');
    L.el.dataset.tid = th.tid;
    var head = el('h2', 'lane-head');
    head.appendChild(el('span', 'thread-name', th.name));
    var facts = ['thread ' + th.key, plural(L.n, 'call'), plural(L.marks.length, 'mark')];
    if (th.unfinished)
      facts.push(th.unfinished + ' unfinished');
    if (th.unwound)
      facts.push(th.unwound + ' unwound');
    var dropped = th.dropped.reduce(function (a, b) { return a + b; }, 0);
    if (dropped)
      facts.push(dropped + ' not recorded');
    head.appendChild(el('span', 'thread-info', facts.join(' \u00b7 ')));
    L.el.appendChild(head);
    L.height = MARK_STRIP + (L.maxDepth + 1) * ROW + 2;
    L.chart = el('div', 'chart');
    L.chart.style.height = L.height + 'px';
    L.chart.dataset.lane = li;
    L.el.appendChild(L.chart);
    if (useDom) {
      L.els = new Array(L.n);
      L.shown = new Uint8Array(L.n).fill(1);
      for (var i = 0; i < L.n; i++) {
        var b = el('div', 'box' + (L.flags[i] & 1 ? ' unfinished' : '') +
                          (L.flags[i] & 2 ? ' unwound' : ''));
        b.dataset.fn = fnName(L.fn[i]);
        b.style.top = (MARK_STRIP + L.depth[i] * ROW) + 'px';
        b.style.setProperty('--c', color(L.fn[i]));
        b.textContent = fnName(L.fn[i]);
        L.chart.appendChild(b);
        L.els[i] = b;
      }
    } else {
      L.canvas = el('canvas', 'chart-canvas');
      L.chart.appendChild(L.canvas);
    }
    L.markEls = L.marks.map(function (m) {
      var e = el('div', 'mark');
      e.appendChild(el('span', 'mark-label', m.label));
      L.chart.appendChild(e);
      return e;
    });
    lanesEl.appendChild(L.el);
  });

  /* ---------------------------------------------------------------- search */

  var query = '', fnMatch = new Uint8Array(fns.length), matchCount = 0, matchList = null;
  var matchCursor = -1;

  function setSearch(q) {
    query = q;
    matchList = null;
    matchCursor = -1;
    var lq = q.toLowerCase(), nfn = 0;
    fns.forEach(function (f, i) {
      fnMatch[i] = lq !== '' && f[0].toLowerCase().indexOf(lq) >= 0 ? 1 : 0;
      nfn += fnMatch[i];
    });
    matchCount = 0;
    lanes.forEach(function (L) {
      /* canvas: prefix counts per row, so a merged pixel knows if it holds a match */
      if (!useDom)
        L.matchBefore = L.rows.map(function (row) { return new Int32Array(row.length + 1); });
      for (var d = 0; d <= L.maxDepth; d++) {
        var row = L.rows[d];
        for (var j = 0; j < row.length; j++) {
          var m = fnMatch[L.fn[row[j]]] || 0;
          matchCount += m;
          if (useDom)
            L.els[row[j]].classList.toggle('match', m === 1);
          else
            L.matchBefore[d][j + 1] = L.matchBefore[d][j] + m;
        }
      }
    });
    body.classList.toggle('searching', lq !== '');
    countEl.textContent = lq === '' ? plural(total, 'call') :
      plural(matchCount, 'matching call') + ' (' + plural(nfn, 'function') + ')';
    schedule();
  }

  /* Focuses the next (dir 1) or previous (-1) matching call. */
  function nextMatch(dir) {
    if (!matchCount)
      return;
    if (!matchList) {
      matchList = [];
      lanes.forEach(function (L) {
        var own = [];
        for (var i = 0; i < L.n; i++)
          if (fnMatch[L.fn[i]])
            own.push(i);
        own.sort(function (a, b) { return L.start[a] - L.start[b]; });
        own.forEach(function (i) { matchList.push([L, i]); });
      });
    }
    matchCursor = (matchCursor + dir + matchList.length) % matchList.length;
    focusCall(matchList[matchCursor][0], matchList[matchCursor][1]);
  }

  /* ---------------------------------------------------------------- view */

  var focused = null; /* [lane, call] */

  function setView(t0, t1) {
    var span = Math.min(Math.max(t1 - t0, MIN_SPAN), full1 - full0);
    var mid = (t0 + t1) / 2;
    t0 = Math.min(Math.max(mid - span / 2, full0), full1 - span);
    view.t0 = t0;
    view.t1 = t0 + span;
    schedule();
  }
  function zoomAt(t, factor) {
    var f = (t - view.t0) / (view.t1 - view.t0);
    var span = Math.min(Math.max((view.t1 - view.t0) * factor, MIN_SPAN), full1 - full0);
    var t0 = t - f * span;
    t0 = Math.min(Math.max(t0, full0), full1 - span);
    view.t0 = t0;
    view.t1 = t0 + span;
    schedule();
  }
  function pan(dt) {
    setView(view.t0 + dt, view.t1 + dt);
  }
  function focusCall(L, i) {
    if (focused && useDom)
      focused[0].els[focused[1]].classList.remove('focus');
    focused = [L, i];
    if (useDom)
      L.els[i].classList.add('focus');
    var margin = Math.max(L.dur[i] * 0.05, MIN_SPAN);
    setView(L.start[i] - margin, L.start[i] + L.dur[i] + margin);
    var r = L.chart.getBoundingClientRect(), top = document.getElementById('top').offsetHeight;
    if (r.top < top || r.top > window.innerHeight - 40)
      window.scrollBy(0, r.top - top - 8);
  }
  function reset() {
    if (focused && useDom)
      focused[0].els[focused[1]].classList.remove('focus');
    focused = null;
    setView(full0, full1);
  }

  /* ---------------------------------------------------------------- drawing */

  var pending = false;
  function schedule() {
    if (!pending) {
      pending = true;
      requestAnimationFrame(render);
    }
  }

  function chartWidth() {
    return lanes.length ? lanes[0].chart.clientWidth : ruler.clientWidth;
  }

  function render() {
    pending = false;
    var W = Math.max(chartWidth(), 1);
    scale = W / (view.t1 - view.t0);
    renderRuler(W);
    lanes.forEach(function (L) {
      if (useDom)
        renderBoxes(L, W);
      else
        renderCanvas(L, W);
      renderMarks(L, W);
    });
  }

  function renderRuler(W) {
    ruler.replaceChildren();
    var span = view.t1 - view.t0, raw = span / Math.max(W / 110, 1);
    var p = Math.pow(10, Math.floor(Math.log10(raw))), step = p;
    [1, 2, 5, 10].some(function (m) { step = m * p; return step >= raw; });
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var tick = el('div', 'tick', fmtTick(t, step, view.t1));
      tick.style.left = ((t - view.t0) * scale) + 'px';
      ruler.appendChild(tick);
    }
  }

  /* x of time t in the chart, clamped just outside its edges */
  function xOf(t, W) {
    return Math.min(Math.max((t - view.t0) * scale, -2), W + 2);
  }

  function renderBoxes(L, W) {
    for (var i = 0; i < L.n; i++) {
      var s = L.start[i], e = s + L.dur[i], b = L.els[i];
      var show = e >= view.t0 && s <= view.t1;
      if (show !== (L.shown[i] === 1)) {
        b.style.display = show ? '' : 'none';
        L.shown[i] = show ? 1 : 0;
      }
      if (!show)
        continue;
      var x0 = xOf(s, W), x1 = xOf(e, W);
      b.style.left = x0 + 'px';
      b.style.width = Math.max(x1 - x0, 1) + 'px';
    }
  }

  /* First j with a[j] >= v (a sorted), from j = lo. */
  function lowerBound(a, v, lo) {
    var hi = a.length;
    lo = lo || 0;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (a[mid] < v)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  /* Canvas: per row, the calls in view; all calls inside one pixel column
   * are merged into a 1 px line (a match among them makes it a match). */
  function renderCanvas(L, W) {
    var c = L.canvas, dpr = window.devicePixelRatio || 1, H = L.height;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
      c.style.width = W + 'px';
      c.style.height = H + 'px';
    }
    var g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    var searching = query !== '';
    for (var d = 0; d <= L.maxDepth; d++) {
      var row = L.rows[d], ends = L.ends[d], y = MARK_STRIP + d * ROW, j = lowerBound(ends, view.t0);
      while (j < row.length) {
        var i = row[j], s = L.start[i];
        if (s > view.t1)
          break;
        var x0 = xOf(s, W), x1 = xOf(s + L.dur[i], W);
        if (x1 - x0 < 1) {
          var px = Math.floor(x0), next = lowerBound(ends, view.t0 + (px + 1) / scale, j + 1);
          var hit = searching && L.matchBefore[d][next] > L.matchBefore[d][j];
          g.fillStyle = searching ? (hit ? MATCH : DIM) : color(L.fn[i]);
          g.fillRect(px, y, 1, ROW - 1);
          j = next;
          continue;
        }
        var m = searching && fnMatch[L.fn[i]];
        g.fillStyle = searching ? (m ? MATCH : DIM) : color(L.fn[i]);
        g.fillRect(x0, y, x1 - x0 > 3 ? x1 - x0 - 1 : x1 - x0, ROW - 1); /* a gap, as in the DOM */
        if (L.flags[i] & 1) { /* unfinished: a red right edge */
          g.fillStyle = '#c0182b';
          g.fillRect(x1 - 2, y, 2, ROW - 1);
        }
        if (focused && focused[0] === L && focused[1] === i) {
          g.strokeStyle = '#000';
          g.lineWidth = 2;
          g.strokeRect(x0 + 1, y + 1, x1 - x0 - 2, ROW - 3);
        }
        if (x1 - x0 > 24) {
          g.save();
          g.beginPath();
          g.rect(x0, y, x1 - x0 - 2, ROW - 1);
          g.clip();
          g.fillStyle = searching ? (m ? '#fff' : '#999') : '#222';
          g.fillText(fnName(L.fn[i]), Math.max(x0, 0) + 3, y + ROW / 2);
          g.restore();
        }
        j++;
      }
    }
  }

  /* A label that would overlap the one before is hidden, and that one says
   * how many it hides ("+2"); hovering the strip lists them all. */
  function renderMarks(L, W) {
    var right = -Infinity, shown = null, hidden = 0;
    L.marks.forEach(function (m, k) {
      var e = L.markEls[k], label = e.firstChild, show = m.t >= view.t0 && m.t <= view.t1;
      e.style.display = show ? '' : 'none';
      if (!show)
        return;
      var x = xOf(m.t, W);
      e.style.left = x + 'px';
      delete label.dataset.more;
      if (x < right) {
        label.style.visibility = 'hidden';
        shown.dataset.more = '+' + ++hidden;
        return;
      }
      label.style.visibility = '';
      shown = label;
      hidden = 0;
      right = x + Math.min(240, 6 * m.label.length + 12);
    });
  }

  /* ---------------------------------------------------------------- input */

  /* The call under (x, y) of lane L's chart, or -1: at the row of y, the
   * call covering x, else the nearest one within 3 px. */
  function hit(L, x, y) {
    var d = Math.floor((y - MARK_STRIP) / ROW);
    if (d < 0 || d > L.maxDepth)
      return -1;
    var row = L.rows[d], ends = L.ends[d], t = view.t0 + x / scale, slack = 3 / scale;
    var best = -1, bestGap = Infinity;
    for (var j = lowerBound(ends, t - slack); j < row.length && j < 4096; j++) {
      var i = row[j], s = L.start[i];
      if (s > t + slack)
        break;
      var gap = t < s ? s - t : t > s + L.dur[i] ? t - s - L.dur[i] : 0;
      if (gap < bestGap) {
        best = i;
        bestGap = gap;
      }
      if (gap === 0)
        break;
    }
    return best;
  }

  /* The lane and position of a mouse event over a chart, or null. */
  function where(ev) {
    var chart = ev.target.closest && ev.target.closest('.chart');
    if (!chart)
      return null;
    var r = chart.getBoundingClientRect();
    return { L: lanes[+chart.dataset.lane], x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  function line(text, cls) {
    tip.appendChild(el('div', cls || '', text));
  }
  function showTip(L, i, ev) {
    tip.replaceChildren();
    line(fnName(L.fn[i]), 'tip-name');
    line(fnWhere(L.fn[i]));
    line('duration ' + fmtDur(L.dur[i]) + ' \u00b7 self ' + fmtDur(L.self[i]));
    line('start ' + fmtDur(L.start[i]) + ' \u00b7 depth ' + L.depth[i] + ' \u00b7 thread ' +
         L.th.name);
    if (L.flags[i] & 1)
      line('unfinished: no exit seen (recording stopped, or still running)', 'tip-flag');
    if (L.flags[i] & 2)
      line('unwound: left without its own exit (longjmp or exception)', 'tip-flag');
    /* arguments go here once they are captured */
    placeTip(ev);
  }
  function showMarks(L, list, ev) {
    tip.replaceChildren();
    list.slice(0, 8).forEach(function (m) {
      line('mark: ' + m.label, 'tip-name');
      line('at ' + fmtDur(m.t) + (m.fn >= 0 ? ' in ' + fnName(m.fn) : '') + ' \u00b7 depth ' +
           m.depth);
    });
    if (list.length > 8)
      line('and ' + (list.length - 8) + ' more: zoom in');
    placeTip(ev);
  }
  function placeTip(ev) {
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + w > window.innerWidth - 4)
      x = Math.max(4, ev.clientX - w - 14);
    if (y + h > window.innerHeight - 4)
      y = Math.max(4, ev.clientY - h - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  var drag = null;
  lanesEl.addEventListener('mousedown', function (ev) {
    var p = where(ev);
    if (!p || ev.button !== 0)
      return;
    drag = { p: p, x: ev.clientX, y: ev.clientY, t0: view.t0, t1: view.t1, moved: false };
    p.L.chart.classList.add('dragging');
    ev.preventDefault();
  });
  window.addEventListener('mousemove', function (ev) {
    if (drag) {
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3)
        drag.moved = true;
      if (drag.moved) {
        var dt = -dx / scale;
        setView(drag.t0 + dt, drag.t1 + dt);
        window.scrollBy(0, -dy);
        drag.y = ev.clientY;
        tip.hidden = true;
      }
      return;
    }
    var p = where(ev);
    if (p && p.y < MARK_STRIP) { /* the marks within 4 px */
      var near = p.L.marks.filter(function (m) {
        return Math.abs((m.t - view.t0) * scale - p.x) <= 4;
      });
      if (near.length)
        showMarks(p.L, near, ev);
      else
        tip.hidden = true;
      return;
    }
    var i = p ? hit(p.L, p.x, p.y) : -1;
    if (i < 0)
      tip.hidden = true;
    else
      showTip(p.L, i, ev);
  });
  window.addEventListener('mouseup', function () {
    if (!drag)
      return;
    var d = drag;
    drag = null;
    d.p.L.chart.classList.remove('dragging');
    if (d.moved)
      return;
    var i = hit(d.p.L, d.p.x, d.p.y);
    if (i >= 0)
      focusCall(d.p.L, i);
  });
  lanesEl.addEventListener('dblclick', function (ev) {
    if (where(ev))
      reset();
  });
  lanesEl.addEventListener('mouseleave', function () { tip.hidden = true; });
  lanesEl.addEventListener('wheel', function (ev) {
    var p = where(ev);
    if (!p)
      return;
    ev.preventDefault();
    var unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY))
      pan(ev.deltaX * unit / scale);
    else
      zoomAt(view.t0 + p.x / scale, Math.exp(ev.deltaY * unit * 0.002));
  }, { passive: false });

  search.addEventListener('input', function () { setSearch(search.value); });
  search.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter') {
      nextMatch(ev.shiftKey ? -1 : 1);
      ev.preventDefault();
    } else if (ev.key === 'Escape') {
      search.blur();
    }
  });
  document.getElementById('reset').addEventListener('click', reset);
  document.addEventListener('keydown', function (ev) {
    if (ev.target === search || ev.ctrlKey || ev.metaKey || ev.altKey)
      return;
    var mid = (view.t0 + view.t1) / 2, span = view.t1 - view.t0;
    switch (ev.key) {
    case '+': case '=': zoomAt(mid, 1 / 1.5); break;
    case '-': case '_': zoomAt(mid, 1.5); break;
    case 'ArrowLeft': pan(-span * 0.15); break;
    case 'ArrowRight': pan(span * 0.15); break;
    case '0': case 'Escape': reset(); break;
    case '/': search.focus(); break;
    default: return;
    }
    ev.preventDefault();
  });
  window.addEventListener('resize', schedule);

  /* #search=<text> (URL-encoded) preselects a search. */
  function readHash() {
    var q = null;
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
      var eq = kv.indexOf('=');
      if (eq > 0 && kv.slice(0, eq) === 'search') {
        try {
          q = decodeURIComponent(kv.slice(eq + 1).replace(/[+]/g, ' '));
        } catch (e) {
          q = kv.slice(eq + 1);
        }
      }
    });
    if (q !== null) {
      search.value = q;
      setSearch(q);
    }
  }
  window.addEventListener('hashchange', readHash);

  setSearch('');
  readHash();
  render(); /* now, not at the next frame: the page is complete once loaded */
})();
