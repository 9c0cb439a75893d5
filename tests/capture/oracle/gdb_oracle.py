# gdb_oracle.py — gdb as the reference for captured argument values.
#
# Loaded by oracle.sh into `gdb -batch` (gdb's own Python). One run of the
# program, with CALLTRACE_CAPTURE_ARGS=1: once the runtime has read its
# tables (ct_capture_init returned: breakpoints before that would show it
# int3 bytes where it decodes the hook calls), a breakpoint goes on every
# call instruction to __cyg_profile_func_enter. At each, gdb reads every
# parameter of the function it is in (frame.read_var; a struct member by
# member, is_optimized_out on each), for the first PER_FN calls of each
# function in each thread. After the program has exited, the values are
# compared with the calls calltrace wrote (the same calls: the first PER_FN
# of that function in that thread, in order of entry), leaf by leaf:
#   AGREE             both read it, the same value
#   WRONG             both read it, different values
#   calltrace-missing gdb reads it, calltrace says optimized_out
#   gdb-missing       calltrace gives a value where gdb has none
#   both-missing      neither has it
# A call where gdb's frame is another function's (an inlined instance whose
# code range starts after its hook call: gdb shows the caller) is not
# compared, only counted.
# Exit status 1 on any WRONG or gdb-missing, on calls that do not line up,
# or when calltrace reads less than ORACLE_MIN % of the values gdb reads.
import json
import math
import os
import struct

import gdb

CFG = json.load(open(os.environ["ORACLE_CFG"]))
PER_FN = CFG.get("per_fn", 3)
STR_MAX = 256  # calltrace's CT_STR_BYTES

seen = {}          # (tid, fn) -> [ {name: leaf tree} ]
sites_of = {}      # fn -> [breakpoints]
full = set()       # fns whose quota is reached


def read_leaf(v):
    """gdb value -> ('ok', python value) | ('out',) for one scalar."""
    try:
        if v.is_optimized_out:
            return ("out",)
        v.fetch_lazy()
        if v.is_optimized_out:
            return ("out",)
        t = v.type.strip_typedefs()
        if t.code == gdb.TYPE_CODE_FLT:
            return ("ok", float(v))
        if t.code == gdb.TYPE_CODE_PTR:
            return ("ok", int(v.cast(gdb.lookup_type("unsigned long"))))
        return ("ok", int(v))
    except gdb.error:
        return ("out",)


def char_target(t):
    tt = t.target().strip_typedefs().unqualified()
    return tt.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR) and tt.sizeof == 1 and tt.name in (
        "char", "const char")


def read_string(addr):
    inf = gdb.selected_inferior()
    out = b""
    try:
        while len(out) < STR_MAX + 1:
            chunk = bytes(inf.read_memory(addr + len(out), 1))
            if chunk == b"\0":
                return out
            out += chunk
        return out
    except gdb.MemoryError:
        return None if not out else out


def tree(v, depth=0):
    """A parameter as a tree of leaves, mirroring its type."""
    t = v.type.strip_typedefs()
    if depth > 8:
        return ("skip",)
    if t.code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
        try:  # calltrace shows the referent
            if v.is_optimized_out:
                return ("out",)
            return tree(v.referenced_value(), depth + 1)
        except gdb.error:
            return ("out",)
    if (t.unqualified().name or "").startswith("std::__cxx11::basic_string<char,"):
        try:  # libstdc++'s std::string: its characters
            v.fetch_lazy()
            if v.is_optimized_out:
                return ("out",)
            n = int(v["_M_string_length"])
            p = int(v["_M_dataplus"]["_M_p"])
            b = bytes(gdb.selected_inferior().read_memory(p, min(n, STR_MAX))) if n else b""
            return ("str", p, b)
        except (gdb.error, gdb.MemoryError):
            return ("out",)
    if t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        out = {}
        for f in t.fields():
            if not f.name or f.is_base_class:
                continue
            try:
                out[f.name] = tree(v[f.name], depth + 1)
            except gdb.error:
                out[f.name] = ("out",)
        return ("agg", out)
    if t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        out = []
        for i in range(lo, hi + 1):
            try:
                out.append(tree(v[i], depth + 1))
            except gdb.error:
                out.append(("out",))
        return ("arr", out)
    if t.code == gdb.TYPE_CODE_PTR and char_target(t):
        leaf = read_leaf(v)
        if leaf[0] == "ok" and leaf[1]:
            s = read_string(leaf[1])
            return ("str", leaf[1], s)
        return leaf
    if t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL, gdb.TYPE_CODE_ENUM,
                  gdb.TYPE_CODE_FLT, gdb.TYPE_CODE_PTR):
        leaf = read_leaf(v)
        if leaf[0] == "ok" and t.code == gdb.TYPE_CODE_ENUM:
            return ("enum", leaf[1], {f.name: f.enumval for f in t.fields()})
        if leaf[0] == "ok" and t.code == gdb.TYPE_CODE_FLT:
            return ("flt", leaf[1], t.sizeof)
        return leaf
    return ("skip",)


def function_block(frame):
    b = frame.block()
    while b is not None and b.function is None:
        b = b.superblock
    return b


class HookCall(gdb.Breakpoint):
    def stop(self):
        try:
            frame = gdb.newest_frame()
            fn = int(frame.read_register("rdi"))
            tid = gdb.selected_thread().ptid[1]
            if fn in full:
                self.enabled = False
                return False
            sites_of.setdefault(fn, [])
            if self not in sites_of[fn]:
                sites_of[fn].append(self)
            calls = seen.setdefault((tid, fn), [])
            params = {}
            order = []
            b = function_block(frame)
            if b is not None:
                for sym in b:
                    if sym.is_argument:
                        try:
                            params[sym.name] = tree(frame.read_var(sym, b))
                        except gdb.error:
                            params[sym.name] = ("out",)
                        order.append(sym.name)
            calls.append({"fn_name": b.function.name if b else "?", "params": params, "pc": self.location})
            if len(calls) >= PER_FN:
                full.add(fn)
                for bp in sites_of[fn]:
                    bp.enabled = False
        except Exception as e:  # a broken oracle must not pass
            print("oracle: error at %s: %r" % (self.location, e))
            CFG["broken"] = True
        return False


# ---------------------------------------------------------------- compare

counts = {"AGREE": 0, "WRONG": 0, "calltrace-missing": 0, "gdb-missing": 0, "both-missing": 0}
notes = []


def note(kind, where, detail):
    counts[kind] += 1
    if kind != "AGREE" and kind != "both-missing":
        notes.append("%s %s: %s" % (kind, where, detail))


def ct_num(x):
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, str) and x.startswith("0x"):
        return int(x, 16)
    return x


def flt_eq(g, c, size):
    if isinstance(c, str):
        c = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(c, None)
        if c is None:
            return False
    if math.isnan(g) or math.isnan(c):
        return math.isnan(g) and math.isnan(c)
    if size == 4:
        return struct.pack("<f", g) == struct.pack("<f", c)
    if g == c:
        return True
    return abs(g - c) <= 1e-15 * max(abs(g), abs(c))


def count_leaves(g):
    if g[0] == "agg":
        return sum(count_leaves(x) for x in g[1].values())
    if g[0] == "arr":
        return sum(count_leaves(x) for x in g[1])
    return 0 if g[0] == "skip" else 1


def leaves_of(g, kind, where):
    """Every leaf of g as `kind` (calltrace has the whole value missing)."""
    if g[0] in ("agg", "arr"):
        items = g[1].items() if g[0] == "agg" else enumerate(g[1])
        for k, x in items:
            leaves_of(x, kind, "%s.%s" % (where, k))
    elif g[0] == "out":
        note("both-missing", where, "")
    elif g[0] != "skip":
        note(kind, where, "gdb %r" % (g[1],))


def cmp(g, c, where):
    """g: gdb's tree; c: calltrace's JSON value (None: optimized out)."""
    if g[0] == "skip":
        return
    if c is None:
        leaves_of(g, "calltrace-missing", where)
        return
    if g[0] == "agg":
        if not isinstance(c, dict):
            note("WRONG", where, "calltrace %r for an aggregate" % (c,))
            return
        for k, x in g[1].items():
            cmp(x, c.get(k, _ABSENT), "%s.%s" % (where, k))
        return
    if g[0] == "arr":
        if not isinstance(c, list):
            note("WRONG", where, "calltrace %r for an array" % (c,))
            return
        for i, x in enumerate(g[1]):
            cmp(x, c[i] if i < len(c) else _ABSENT, "%s[%d]" % (where, i))
        return
    if c is _ABSENT:
        note("WRONG", where, "absent from calltrace's value")
        return
    if g[0] == "out":
        note("gdb-missing", where, "calltrace %r" % (c,))
        return
    ok = False
    if c is _NULL:  # a NULL pointer, as calltrace writes it
        note("AGREE" if g[1] == 0 else "WRONG", where, "gdb %r, calltrace null" % (g[1],))
        return
    if g[0] == "flt":
        ok = flt_eq(g[1], c, g[2])
    elif g[0] == "enum":
        if isinstance(c, str):
            try:
                v = 0
                for part in c.split("|"):
                    v |= g[2][part]
                ok = v == g[1]
            except KeyError:
                ok = False
        else:
            ok = c == g[1]
    elif g[0] == "str":
        if isinstance(c, dict):  # {"value": ..., "unreadable"/"truncated"}
            c = c.get("value")
        if c is _NULL:
            ok = False
        elif isinstance(c, str) and c.startswith("0x") and g[2] is None:
            ok = int(c, 16) == g[1]
        elif isinstance(c, str) and g[2] is not None:
            b = g[2][:STR_MAX]
            # calltrace writes each byte that is not valid UTF-8 as U+FFFD
            u = "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch
                        for ch in b.decode("utf-8", "surrogateescape"))
            ok = c == u
        else:
            ok = False
    else:
        cv = c
        if isinstance(c, dict) and "address" in c:
            cv = c["address"]
        if isinstance(cv, str) and len(cv) == 1:
            cv = ord(cv)
            ok = (g[1] & 0xff) == cv
        else:
            cv = ct_num(cv)
            ok = cv == g[1] or (isinstance(cv, int) and (cv - g[1]) % (1 << 64) == 0)
    note("AGREE" if ok else "WRONG", where, "gdb %r, calltrace %r" % (g[1:2], c))


_ABSENT = object()
_NULL = object()
elsewhere = []  # calls where gdb's frame is another function's


def ct_calls(path):
    """(tid, fn) -> calls in order of entry, from calltrace's JSON."""
    d = json.load(open(path))
    out = {}

    def walk(nodes, tid):
        for n in nodes:
            out.setdefault((tid, int(n["address"], 16)), []).append(n)
            walk(n.get("children", []), tid)

    for key, t in d["call_trees"].items():
        walk(t["root_calls"], int(t.get("thread_id", key)))
    return out


def ct_arg_value(a):
    if a.get("optimized_out") or "value" not in a:
        return None
    v = a.get("value")
    if v is None:
        return _NULL
    if a.get("unreadable") or a.get("truncated"):
        return {"value": v}
    return v


def compare(path):
    ct = ct_calls(path)
    bad_align = 0
    for (tid, fn), calls in sorted(seen.items()):
        theirs = ct.get((tid, fn), [])
        for i, g in enumerate(calls):
            if i >= len(theirs):
                notes.append("ALIGN %s#%d: calltrace has only %d calls" % (g["fn_name"], i, len(theirs)))
                bad_align += 1
                continue
            c = theirs[i]
            if not c["function"].split("(")[0].endswith(g["fn_name"].split("(")[0]):
                # gdb is in the caller's frame there (the instance's range
                # starts after the hook call): its parameters are not these
                elsewhere.append("%s#%d: gdb in %s" % (c["function"], i, g["fn_name"]))
                continue
            args = {a["name"]: a for a in c.get("arguments", [])}
            for name, gt in g["params"].items():
                where = "%s#%d(%s)" % (c["function"], i, name)
                if name not in args:
                    leaves_of(gt, "calltrace-missing", where)
                    continue
                cmp(gt, ct_arg_value(args[name]), where)
    return bad_align


def main():
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set startup-with-shell off")
    gdb.execute("set print inferior-events off")
    gdb.execute("unset environment LINES")
    gdb.execute("unset environment COLUMNS")
    gdb.execute("unset environment ORACLE_CFG")
    # calltrace's fault-safe probes (and the program's own handlers) take these
    for sig in ("SIGSEGV", "SIGBUS", "SIGALRM", "SIGPIPE", "SIGUSR1", "SIGUSR2"):
        gdb.execute("handle %s nostop noprint pass" % sig, to_string=True)
    init = gdb.Breakpoint("ct_capture_init", internal=True)
    gdb.execute("run " + " ".join(CFG.get("args", [])), to_string=True)
    if not gdb.selected_inferior().pid:
        print("oracle: the program never reached ct_capture_init")
        gdb.execute("quit 1")
    init.delete()
    gdb.execute("finish", to_string=True)  # its tables are built
    bias = int(gdb.parse_and_eval("(unsigned long)&__cyg_profile_func_enter")) - int(CFG["hook"], 16)
    for a in (int(s, 16) for s in CFG["sites"]):
        HookCall("*0x%x" % (a + bias), internal=True)
    gdb.execute("continue", to_string=True)
    if gdb.selected_inferior().pid:
        print("oracle: the program stopped before its end")
        gdb.execute("quit 1")
    bad = compare(CFG["json"])
    total = sum(counts.values())
    stops = sum(len(v) for v in seen.values())
    print("oracle %s: %d calls, %d leaves: %s" % (CFG["name"], stops, total,
          ", ".join("%s %d" % kv for kv in counts.items())))
    if elsewhere:
        print("oracle %s: %d calls not compared, gdb's frame there is the caller's: %s" %
              (CFG["name"], len(elsewhere), "; ".join(elsewhere[:5])))
    gdb_has = counts["AGREE"] + counts["WRONG"] + counts["calltrace-missing"]
    if gdb_has:
        print("oracle %s: calltrace reads %.1f %% of the values gdb reads" %
              (CFG["name"], 100.0 * (counts["AGREE"] + counts["WRONG"]) / gdb_has))
    for n in notes[:CFG.get("show", 40)]:
        print("  " + n)
    share = 100.0 * (counts["AGREE"] + counts["WRONG"]) / gdb_has if gdb_has else 0.0
    if share < CFG.get("min", 0):
        print("oracle %s: below the %s %% asked" % (CFG["name"], CFG["min"]))
        gdb.execute("quit 1")
    if counts["WRONG"] or counts["gdb-missing"] or bad or CFG.get("broken") or stops == 0:
        gdb.execute("quit 1")
    gdb.execute("quit 0")


main()
