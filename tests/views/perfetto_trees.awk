# perfetto_trees.awk — rebuilds the call trees of a Perfetto trace from its
# text form (protoc --decode=perfetto.protos.Trace), the way Perfetto's trace
# processor reads it: sequences, their incremental state (interned names and
# source locations, packet defaults, the incremental clock), tracks, and
# SLICE_BEGIN/SLICE_END nesting per track. Prints, per thread track in
# order:
#   T <tid> <thread name>
#   C <depth> <function> <start ns> <end ns>[ unfinished][ unwound][ args=..][ ret=..]
#   M <label> <ns>                       (an instant without annotations: a mark)
#   I <name> <ns> <annotation=value>...  (an instant with annotations; an
#                                         array's strings joined by "|")
# then the process: "P <pid> <name>" and each process-level instant as
# "PI <name> <ns> <annotation=value>...". Any violation of the format's
# rules (no sequence id, state used before it is cleared or interned, an end
# without a begin, a child outside its parent) is printed as "ERROR ..." and
# makes the exit status 1.
function err(msg) { print "ERROR " msg; bad = 1 }
function unquote(s) {
  sub(/^"/, "", s); sub(/"$/, "", s)
  gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
  return s
}
function reset_packet() {
  has_ts = 0; ts = 0; clk = 0; seq = ""; flags = 0
  te = 0; te_type = ""; te_iid = ""; te_name = ""; te_uuid = ""; te_loc = ""
  nann = 0; nen = 0; nsl = 0; nclk = 0
  def = 0; def_clk = ""; def_uuid = ""
  td = 0; td_uuid = ""; td_kind = ""; td_tid = ""; td_tname = ""; td_pid = ""; td_pname = ""
}
function ann_text(   i, s) {
  s = ""
  for (i = 1; i <= nann; i++) s = s " " ann_name[i] "=" ann_val[i]
  return s
}
function ann_get(name,   i) {
  for (i = 1; i <= nann; i++) if (ann_name[i] == name) return ann_val[i]
  return ""
}
function packet(   i, t, u, name, c, d, p, kind) {
  if (seq == "") { err("packet " npk " has no trusted_packet_sequence_id"); return }
  if (!(seq in seen)) {
    seen[seq] = 1
    if (!(flags % 2)) err("the first packet of sequence " seq " does not clear the incremental state")
  }
  if (flags % 2) { cleared[seq] = 1; defclk[seq] = ""; defuuid[seq] = ""; gen[seq]++ }
  if (def) { defclk[seq] = def_clk; defuuid[seq] = def_uuid }
  for (i = 1; i <= nclk; i++) {
    if (clk_id[i] == 64) { inc[seq] = clk_ts[i]; base64[seq] = clk_ts[i]; incremental[seq] = clk_inc[i] }
    if (clk_id[i] == 6) base6[seq] = clk_ts[i]
  }
  for (i = 1; i <= nen; i++) names[seq, gen[seq], en_iid[i]] = en_name[i]
  for (i = 1; i <= nsl; i++) locs[seq, gen[seq], sl_iid[i]] = 1
  t = ""
  if (has_ts) {
    if (clk == 6 || (clk == 0 && defclk[seq] == "")) t = ts
    else if (clk == 0 && defclk[seq] == 64) {
      if (!(seq in inc) || !incremental[seq]) err("sequence " seq ": no incremental clock snapshot")
      inc[seq] += ts; t = inc[seq] - base64[seq] + base6[seq]
    } else err("unknown clock " clk (clk ? "" : defclk[seq]))
  }
  if (td) {
    if (td_kind == "thread") {
      ntracks++; track_uuid[ntracks] = td_uuid; is_thread[td_uuid] = 1
      track_tid[ntracks] = td_tid; track_tname[ntracks] = td_tname
    } else if (td_kind == "process") {
      proc_uuid = td_uuid; procs++; proc_line = "P " td_pid " " td_pname
    }
  }
  if (!te) return
  if (t == "") err("a track event without a timestamp")
  u = te_uuid != "" ? te_uuid : defuuid[seq]
  if (u == "") { err("a track event on no track"); return }
  if (te_iid != "") {
    if (!((seq, gen[seq], te_iid) in names)) err("name_iid " te_iid " not interned on sequence " seq)
    name = names[seq, gen[seq], te_iid]
  } else name = te_name
  if (te_loc != "" && !((seq, gen[seq], te_loc) in locs))
    err("source_location_iid " te_loc " not interned on sequence " seq)
  if (te_type == "TYPE_SLICE_BEGIN") {
    d = ++depth[u]; c = ++ncalls[u]
    cname[u, c] = name; cstart[u, c] = t; cdepth[u, c] = d - 1; cend[u, c] = ""; cmax[u, c] = t
    cextra[u, c] = ""
    if ((p = ann_get("arguments")) != "") cextra[u, c] = " args=" p
    stk[u, d] = c
    if (d > 1 && t < cstart[u, stk[u, d - 1]]) err(name " starts before its parent")
  } else if (te_type == "TYPE_SLICE_END") {
    if (depth[u] < 1) { err("SLICE_END without a begin on track " u); return }
    c = stk[u, depth[u]]; depth[u]--
    cend[u, c] = t
    if (t < cstart[u, c]) err(cname[u, c] " ends before it starts")
    if (cmax[u, c] > t) err(cname[u, c] " ends before its children or marks")
    kind = ""
    if (ann_get("unfinished") == "true") kind = kind " unfinished"
    if (ann_get("unwound") == "true") kind = kind " unwound"
    if ((p = ann_get("return_value")) != "") kind = kind " ret=" p
    cextra[u, c] = kind cextra[u, c]
    if (depth[u] > 0 && cmax[u, stk[u, depth[u]]] < t) cmax[u, stk[u, depth[u]]] = t
  } else if (te_type == "TYPE_INSTANT") {
    if (u == proc_uuid) { npi++; pinst[npi] = "PI " name " " t ann_text(); return }
    if (depth[u] > 0 && cmax[u, stk[u, depth[u]]] < t) cmax[u, stk[u, depth[u]]] = t
    if (nann) { ni[u]++; inst[u, ni[u]] = "I " name " " t ann_text() }
    else { nm[u]++; marks[u, nm[u]] = "M " name " " t }
  } else err("unexpected track event type " te_type)
}
BEGIN { reset_packet(); sp = 0 }
# protoc prints a field its definition lacks by number
/^ *[0-9]+( \{|:)/ { err("a field perfetto_trace.proto does not define: " $0) }
/^ *[a-z_]+ \{$/ {
  key = $1; path[++sp] = key
  if (sp == 1) { npk++; reset_packet() }
  else if (key == "track_event" && sp == 2) te = 1
  else if (key == "trace_packet_defaults") def = 1
  else if (key == "track_descriptor") td = 1
  else if ((key == "thread" || key == "process") && path[sp - 1] == "track_descriptor") td_kind = key
  else if (key == "event_names") nen++
  else if (key == "source_locations") nsl++
  else if (key == "clocks") { nclk++; clk_inc[nclk] = 0 }
  else if (key == "debug_annotations") { nann++; ann_name[nann] = ""; ann_val[nann] = "" }
  next
}
/^ *\}$/ { if (sp == 1) packet(); sp--; next }
/^ *[a-z_]+: / {
  key = $1; sub(/:$/, "", key)
  val = $0; sub(/^ *[a-z_]+: /, "", val)
  top = path[sp]
  if (top == "packet") {
    if (key == "timestamp") { has_ts = 1; ts = val }
    else if (key == "timestamp_clock_id") clk = val
    else if (key == "trusted_packet_sequence_id") seq = val
    else if (key == "sequence_flags") flags = val
  } else if (top == "track_event") {
    if (key == "type") te_type = val
    else if (key == "name_iid") te_iid = val
    else if (key == "name") te_name = unquote(val)
    else if (key == "track_uuid") te_uuid = val
    else if (key == "source_location_iid") te_loc = val
  } else if (top == "trace_packet_defaults" && key == "timestamp_clock_id") def_clk = val
  else if (top == "track_event_defaults" && key == "track_uuid") def_uuid = val
  else if (top == "clocks") {
    if (key == "clock_id") clk_id[nclk] = val
    else if (key == "timestamp") clk_ts[nclk] = val
    else if (key == "is_incremental") clk_inc[nclk] = val == "true"
  } else if (top == "track_descriptor" && key == "uuid") td_uuid = val
  else if (top == "thread" && td_kind == "thread") {
    if (key == "tid") td_tid = val
    else if (key == "thread_name") td_tname = unquote(val)
  } else if (top == "process" && td_kind == "process") {
    if (key == "pid") td_pid = val
    else if (key == "process_name") td_pname = unquote(val)
  } else if (top == "event_names") {
    if (key == "iid") en_iid[nen] = val
    else if (key == "name") en_name[nen] = unquote(val)
  } else if (top == "source_locations" && key == "iid") sl_iid[nsl] = val
  else if (top == "array_values" && key == "string_value")
    ann_val[nann] = ann_val[nann] (ann_val[nann] == "" ? "" : "|") unquote(val)
  else if (top == "debug_annotations") {
    if (key == "name") ann_name[nann] = unquote(val)
    else if (key ~ /_value$/) ann_val[nann] = key == "string_value" ? unquote(val) : val
  }
  next
}
END {
  if (sp != 0) err("unbalanced braces")
  for (k = 1; k <= ntracks; k++) {
    u = track_uuid[k]
    print "T " track_tid[k] " " track_tname[k]
    if (depth[u] > 0) err("thread " track_tid[k] ": " depth[u] " slices never end")
    for (c = 1; c <= ncalls[u]; c++)
      print "C " cdepth[u, c] " " cname[u, c] " " cstart[u, c] " " cend[u, c] cextra[u, c]
    for (m = 1; m <= nm[u]; m++) print marks[u, m]
    for (m = 1; m <= ni[u]; m++) print inst[u, m]
  }
  if (procs != 1) err(procs + 0 " process track descriptors")
  print proc_line
  for (m = 1; m <= npi; m++) print pinst[m]
  exit bad
}
