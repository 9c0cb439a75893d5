/* fmt_perfetto.c — the call tree in Perfetto's own trace format (.pftrace),
 * for traces too big for JSON.
 *
 * A Trace of TracePackets (field numbers from Perfetto's
 * perfetto_trace.proto). Sequence 1 is the process's: a clock snapshot
 * (BOOTTIME is the trace's clock: ns since the trace started), the process
 * track (pid, the executable's file name, its path as cmdline) and at the
 * end one instant on that track, "calltrace" (or "crash: SIGSEGV",
 * "terminated: SIGTERM", "calltrace: truncated"), whose debug annotations
 * say what the JSON view's metadata says: counts, losses, the ending
 * signal and its thread's stack.
 *
 * Each thread is a sequence of its own (sequence ids 2, 3, ...). Its first
 * packet clears the incremental state (SEQ_INCREMENTAL_STATE_CLEARED) and
 * sets the sequence's defaults: the thread's track, and a sequence-scoped
 * incremental clock whose timestamps are deltas in ns from the previous
 * packet's (a clock snapshot ties it to BOOTTIME at 0). A packet that would
 * go back in time (a call opened late under CALLTRACE_MIN_DURATION) carries
 * an absolute BOOTTIME timestamp instead. Then the thread's track
 * descriptor (tid, name), and per call one SLICE_BEGIN and one SLICE_END
 * TrackEvent. A function's name (EventName) and source location
 * (SourceLocation: file, function, line) are interned on first use in the
 * sequence, with the same iid; every later begin carries only the iids. A
 * begin is thus ~16 bytes, an end ~11. Marks are TYPE_INSTANT events named
 * by their label. Captured arguments go on the begin, the return value on
 * the end, as debug annotations "arguments" and "return_value" whose
 * string is the JSON view's value text; "unfinished" and "unwound" are bool
 * annotations on the end. A thread that lost events ends with an instant
 * "calltrace: dropped"; the thread that got the ending signal with an
 * instant named after the signal.
 *
 * Memory: the writer's buffer, one entry per distinct function (its
 * interning), one call's pending begin and values; never one per call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltrace.h"
#include "base/hash.h"
#include "base/vec.h"
#include "views/format.h"
#include "views/jsonw.h"
#include "views/pb.h"
#include "views/perfetto_proto.h"
#include "views/values.h"

#define CT_PF_PROCESS_SEQ 1u   /* the process's sequence; threads follow */
#define CT_PF_SLOTS_BITS 10u   /* the interning table starts with 2^10 slots */
#define CT_PF_VALUES_NEST 32u  /* nesting of one value's JSON text */
#define CT_PF_NAME_MAX 64u     /* "crash: SIGSEGV", "terminated: signal 42" */
#define CT_PF_FRAME_MAX 512u   /* "function (file:line)" of the ending stack */

/* One distinct function: its iid is its index + 1. */
struct ct_pf_fn {
    uint64_t fn;
    uint32_t seq; /* the sequence it is interned on (0: none yet) */
    bool has_loc; /* its symbol has a file: a source location is interned */
};

struct ct_pf {
    struct ct_pb w;
    const struct ct_out_run *run;
    struct ct_pf_fn *fns;
    size_t nfns, fns_cap;
    uint32_t *slots; /* open addressing: index + 1 into fns, 0 empty */
    size_t nslots;
    unsigned slot_bits;
    uint64_t proc_uuid, track_uuid;
    uint32_t seq, next_seq;
    uint64_t clock_ns; /* the incremental clock's value */
    uint64_t last_ns;  /* the latest time of the thread */
    bool ending_done;  /* the ending signal's instant is written */
    /* the begin of the call opened last, written once its arguments are
     * known (the next callback) */
    bool pending;
    uint64_t pend_fn, pend_ns;
    /* one value's JSON text: a call's arguments (for its begin) or return
     * value (for its end) */
    struct ct_jw vals;
    bool vals_ready;
    unsigned ann_what; /* CT_EXT_ARGS, CT_EXT_RETVAL, 0: none */
    char *ann;
    size_t ann_len, ann_cap;
};

CT_NOINST static uint64_t ct_pf_uuid(uint32_t pid, uint64_t key)
{
    uint64_t u = ct_hash_pair(pid, key);
    return u ? u : 1;
}

/* ---------------------------------------------------------------- interning */

CT_NOINST static size_t ct_pf_probe(const struct ct_pf *p, uint64_t fn)
{
    size_t i = ct_hash_slot(fn, p->slot_bits);
    while (p->slots[i] && p->fns[p->slots[i] - 1].fn != fn)
        i = (i + 1) & (p->nslots - 1);
    return i;
}

/* Doubles the slots (at most half full). Returns false on ENOMEM. */
CT_NOINST static bool ct_pf_rehash(struct ct_pf *p)
{
    unsigned bits = p->nslots ? p->slot_bits + 1 : CT_PF_SLOTS_BITS;
    uint32_t *slots = calloc((size_t)1 << bits, sizeof(*slots));
    if (!slots)
        return false;
    free(p->slots);
    p->slots = slots;
    p->slot_bits = bits;
    p->nslots = (size_t)1 << bits;
    for (size_t k = 0; k < p->nfns; k++)
        p->slots[ct_pf_probe(p, p->fns[k].fn)] = (uint32_t)(k + 1);
    return true;
}

/* The entry of `fn`, added when new; NULL when memory runs out. */
CT_NOINST static struct ct_pf_fn *ct_pf_fn(struct ct_pf *p, uint64_t fn)
{
    if (p->nslots) {
        size_t i = ct_pf_probe(p, fn);
        if (p->slots[i])
            return &p->fns[p->slots[i] - 1];
    }
    if (p->nfns >= UINT32_MAX - 1 || !CT_VEC_RESERVE(p->fns, p->fns_cap, p->nfns + 1))
        return NULL;
    if (2 * (p->nfns + 1) > p->nslots && !ct_pf_rehash(p))
        return NULL;
    p->fns[p->nfns] =
        (struct ct_pf_fn){.fn = fn, .has_loc = ct_out_symbol(p->run, fn)->file != NULL};
    p->slots[ct_pf_probe(p, fn)] = (uint32_t)(p->nfns + 1);
    return &p->fns[p->nfns++];
}

/* InternedData of a function (iid): its name and source location. */
CT_NOINST static void ct_pf_intern(struct ct_pf *p, uint64_t iid, const struct ct_symbol *sym)
{
    struct ct_pb *w = &p->w;
    ct_pb_msg(w, CT_PF_PKT_INTERNED_DATA);
    ct_pb_msg(w, CT_PF_ID_EVENT_NAMES);
    ct_pb_varint(w, CT_PF_EN_IID, iid);
    ct_pb_str(w, CT_PF_EN_NAME, sym->name);
    ct_pb_msg_end(w);
    if (sym->file) {
        ct_pb_msg(w, CT_PF_ID_SOURCE_LOCATIONS);
        ct_pb_varint(w, CT_PF_SL_IID, iid);
        ct_pb_str(w, CT_PF_SL_FILE, sym->file);
        ct_pb_str(w, CT_PF_SL_FUNCTION, sym->name);
        ct_pb_varint(w, CT_PF_SL_LINE, sym->line);
        ct_pb_msg_end(w);
    }
    ct_pb_msg_end(w);
}

/* ---------------------------------------------------------------- packets */

/* A packet of the current sequence at `ns` (its track event follows). */
CT_NOINST static void ct_pf_packet(struct ct_pf *p, uint64_t ns)
{
    struct ct_pb *w = &p->w;
    ct_pb_msg(w, CT_PF_TRACE_PACKET);
    if (ns >= p->clock_ns) {
        ct_pb_varint(w, CT_PF_PKT_TIMESTAMP, ns - p->clock_ns);
        p->clock_ns = ns;
    } else {
        ct_pb_varint(w, CT_PF_PKT_TIMESTAMP, ns);
        ct_pb_varint(w, CT_PF_PKT_CLOCK_ID, CT_PF_CLOCK_BOOTTIME);
    }
    ct_pb_varint(w, CT_PF_PKT_SEQ_ID, p->seq);
    if (ns > p->last_ns)
        p->last_ns = ns;
}

CT_NOINST static void ct_pf_ann_begin(struct ct_pb *w, const char *name)
{
    ct_pb_msg(w, CT_PF_TE_DEBUG_ANNOTATIONS);
    ct_pb_str(w, CT_PF_DA_NAME, name);
}

CT_NOINST static void ct_pf_ann_u64(struct ct_pb *w, const char *name, uint64_t v)
{
    ct_pf_ann_begin(w, name);
    ct_pb_varint(w, CT_PF_DA_UINT, v);
    ct_pb_msg_end(w);
}

CT_NOINST static void ct_pf_ann_bool(struct ct_pb *w, const char *name, bool v)
{
    ct_pf_ann_begin(w, name);
    ct_pb_varint(w, CT_PF_DA_BOOL, v);
    ct_pb_msg_end(w);
}

CT_NOINST static void ct_pf_ann_str(struct ct_pb *w, const char *name, const char *s, size_t n)
{
    ct_pf_ann_begin(w, name);
    ct_pb_bytes(w, CT_PF_DA_STRING, s, n);
    ct_pb_msg_end(w);
}

/* The held value text as an annotation, when it is `what`'s. */
CT_NOINST static void ct_pf_ann_values(struct ct_pf *p, unsigned what)
{
    if (p->ann_what != what)
        return;
    ct_pf_ann_str(&p->w, what == CT_EXT_ARGS ? "arguments" : "return_value", p->ann, p->ann_len);
    p->ann_what = 0;
}

/* Writes the held begin, if any. */
CT_NOINST static void ct_pf_flush_begin(struct ct_pf *p)
{
    if (!p->pending)
        return;
    p->pending = false;
    struct ct_pb *w = &p->w;
    struct ct_pf_fn *f = ct_pf_fn(p, p->pend_fn);
    uint64_t iid = f ? (uint64_t)(f - p->fns) + 1 : 0;
    ct_pf_packet(p, p->pend_ns);
    if (f && f->seq != p->seq) {
        ct_pf_intern(p, iid, ct_out_symbol(p->run, p->pend_fn));
        f->seq = p->seq;
    }
    ct_pb_msg(w, CT_PF_PKT_TRACK_EVENT);
    ct_pb_varint(w, CT_PF_TE_TYPE, CT_PF_TYPE_SLICE_BEGIN);
    if (f) {
        ct_pb_varint(w, CT_PF_TE_NAME_IID, iid);
        if (f->has_loc) /* the same iid: interned with the name */
            ct_pb_varint(w, CT_PF_TE_SOURCE_LOCATION_IID, iid);
    } else { /* out of memory for the table: the name as it is */
        ct_pb_str(w, CT_PF_TE_NAME, ct_out_symbol(p->run, p->pend_fn)->name);
    }
    ct_pf_ann_values(p, CT_EXT_ARGS);
    ct_pb_msg_end(w); /* track_event */
    ct_pb_msg_end(w); /* packet */
}

/* A TrackEvent of `type` on the current thread's track (its packet is open). */
CT_NOINST static void ct_pf_event(struct ct_pf *p, unsigned type)
{
    ct_pb_msg(&p->w, CT_PF_PKT_TRACK_EVENT);
    ct_pb_varint(&p->w, CT_PF_TE_TYPE, type);
}

CT_NOINST static void ct_pf_event_end(struct ct_pf *p)
{
    ct_pb_msg_end(&p->w); /* track_event */
    ct_pb_msg_end(&p->w); /* packet */
}

/* ---------------------------------------------------------------- calls */

CT_NOINST static void ct_pf_open(void *st, unsigned depth, uint64_t fn, uint64_t start)
{
    (void)depth;
    struct ct_pf *p = st;
    ct_pf_flush_begin(p);
    p->pending = true;
    p->pend_fn = fn;
    p->pend_ns = ct_out_ns(p->run, start);
}

/* The JSON text of one value record (the JSON view's "arguments" array or
 * "return_value" object), in p->vals; NULL when there is none. */
CT_NOINST static const char *ct_pf_values_text(struct ct_pf *p, uint64_t fn, unsigned what,
                                               uint32_t sig, const uint8_t *data, size_t len,
                                               size_t *n)
{
    struct ct_jw *j = &p->vals;
    if (!p->vals_ready) {
        if (ct_jw_init(j, -1, false, CT_PF_VALUES_NEST) != 0)
            return NULL;
        p->vals_ready = true;
    }
    j->len = 0; /* a writer with no descriptor: never flushed while it fits */
    j->depth = 0;
    j->after_key = false;
    j->err = 0;
    j->bytes = 0;
    ct_jw_obj(j);
    ct_values_json(j, p->run, fn, what, sig, data, len);
    ct_jw_obj_end(j);
    /* {"<key>":<value>} */
    const char *key = what == CT_EXT_ARGS ? "arguments" : "return_value";
    size_t k = strlen(key), head = k + 4; /* {"key": */
    if (j->err || j->bytes || j->len <= head + 1 || j->buf[1] != '"' ||
        memcmp(j->buf + 2, key, k) != 0 || j->buf[k + 2] != '"' || j->buf[k + 3] != ':')
        return NULL;
    *n = j->len - head - 1;
    return j->buf + head;
}

/* Arguments come right after open(), before any child; a return value
 * right before close(). Held for the begin or the end. */
CT_NOINST static void ct_pf_values(void *st, unsigned depth, uint64_t fn, unsigned what,
                                   uint32_t sig, const uint8_t *data, size_t len)
{
    (void)depth;
    struct ct_pf *p = st;
    if (what != CT_EXT_ARGS)
        ct_pf_flush_begin(p);
    p->ann_what = 0;
    size_t n;
    const char *text = ct_pf_values_text(p, fn, what, sig, data, len, &n);
    if (!text || !CT_VEC_RESERVE(p->ann, p->ann_cap, n))
        return;
    memcpy(p->ann, text, n);
    p->ann_len = n;
    p->ann_what = what == CT_EXT_ARGS ? CT_EXT_ARGS : CT_EXT_RETVAL;
}

CT_NOINST static void ct_pf_close(void *st, unsigned depth, uint64_t fn, uint64_t start,
                                  uint64_t end, unsigned flags)
{
    (void)depth;
    (void)fn;
    (void)start;
    struct ct_pf *p = st;
    ct_pf_flush_begin(p);
    ct_pf_packet(p, ct_out_ns(p->run, end));
    ct_pf_event(p, CT_PF_TYPE_SLICE_END);
    if (flags & CT_CLOSE_UNFINISHED)
        ct_pf_ann_bool(&p->w, "unfinished", true);
    if (flags & CT_CLOSE_UNWOUND)
        ct_pf_ann_bool(&p->w, "unwound", true);
    ct_pf_ann_values(p, CT_EXT_RETVAL);
    ct_pf_event_end(p);
}

CT_NOINST static void ct_pf_mark(void *st, unsigned depth, uint64_t fn, uint64_t ticks,
                                 const char *label, size_t len)
{
    (void)depth;
    (void)fn;
    struct ct_pf *p = st;
    ct_pf_flush_begin(p);
    ct_pf_packet(p, ct_out_ns(p->run, ticks));
    ct_pf_event(p, CT_PF_TYPE_INSTANT);
    ct_pb_bytes(&p->w, CT_PF_TE_NAME, label, len);
    ct_pf_event_end(p);
}

/* ---------------------------------------------------------------- threads */

/* The first packet of a sequence: cleared state, the clock snapshot, and
 * (for a thread) the defaults: its track and the incremental clock. */
CT_NOINST static void ct_pf_sequence(struct ct_pf *p, uint64_t track_uuid)
{
    struct ct_pb *w = &p->w;
    ct_pb_msg(w, CT_PF_TRACE_PACKET);
    ct_pb_varint(w, CT_PF_PKT_SEQ_ID, p->seq);
    ct_pb_varint(w, CT_PF_PKT_SEQ_FLAGS, CT_PF_SEQ_INCREMENTAL_STATE_CLEARED);
    if (track_uuid) {
        ct_pb_msg(w, CT_PF_PKT_DEFAULTS);
        ct_pb_varint(w, CT_PF_DEF_CLOCK_ID, CT_PF_CLOCK_SEQ_INCREMENTAL);
        ct_pb_msg(w, CT_PF_DEF_TRACK_EVENT);
        ct_pb_varint(w, CT_PF_TED_TRACK_UUID, track_uuid);
        ct_pb_msg_end(w);
        ct_pb_msg_end(w);
    }
    ct_pb_msg(w, CT_PF_PKT_CLOCK_SNAPSHOT);
    ct_pb_msg(w, CT_PF_CS_CLOCKS);
    ct_pb_varint(w, CT_PF_CLK_ID, CT_PF_CLOCK_BOOTTIME);
    ct_pb_varint(w, CT_PF_CLK_TIMESTAMP, 0);
    ct_pb_msg_end(w);
    if (track_uuid) {
        ct_pb_msg(w, CT_PF_CS_CLOCKS);
        ct_pb_varint(w, CT_PF_CLK_ID, CT_PF_CLOCK_SEQ_INCREMENTAL);
        ct_pb_varint(w, CT_PF_CLK_TIMESTAMP, 0);
        ct_pb_varint(w, CT_PF_CLK_INCREMENTAL, 1);
        ct_pb_msg_end(w);
    } else {
        if (p->run->clock.base_mono) { /* where the trace started, in CLOCK_MONOTONIC */
            ct_pb_msg(w, CT_PF_CS_CLOCKS);
            ct_pb_varint(w, CT_PF_CLK_ID, CT_PF_CLOCK_MONOTONIC);
            ct_pb_varint(w, CT_PF_CLK_TIMESTAMP, p->run->clock.base_mono);
            ct_pb_msg_end(w);
        }
        ct_pb_varint(w, CT_PF_CS_PRIMARY_CLOCK, CT_PF_CLOCK_BOOTTIME);
    }
    ct_pb_msg_end(w); /* clock_snapshot */
    ct_pb_msg_end(w);
    p->clock_ns = 0;
    p->last_ns = 0;
}

CT_NOINST static void ct_pf_thread_begin(void *st, const struct ct_out_thread *th)
{
    struct ct_pf *p = st;
    struct ct_pb *w = &p->w;
    p->seq = p->next_seq++;
    p->track_uuid = ct_pf_uuid(p->run->pid, p->seq);
    ct_pf_sequence(p, p->track_uuid);
    ct_pb_msg(w, CT_PF_TRACE_PACKET);
    ct_pb_varint(w, CT_PF_PKT_SEQ_ID, p->seq);
    ct_pb_msg(w, CT_PF_PKT_TRACK_DESCRIPTOR);
    ct_pb_varint(w, CT_PF_TD_UUID, p->track_uuid);
    ct_pb_varint(w, CT_PF_TD_PARENT_UUID, p->proc_uuid);
    ct_pb_msg(w, CT_PF_TD_THREAD);
    ct_pb_varint(w, CT_PF_THD_PID, p->run->pid);
    ct_pb_varint(w, CT_PF_THD_TID, th->tid);
    ct_pb_str(w, CT_PF_THD_NAME, th->name ? th->name : "");
    ct_pb_msg_end(w);
    ct_pb_msg_end(w);
    ct_pb_msg_end(w);
}

/* What a thread lost, as the JSON view's per-thread counts say it. */
CT_NOINST static void ct_pf_thread_losses(struct ct_pf *p, const struct ct_out_thread *th,
                                          const struct ct_tree *tree)
{
    const struct ct_drops *d = &th->drops;
    if (!d->depth && !d->reentrant && !d->buffer && !tree->unmatched_exits && !tree->lost &&
        !tree->overflow)
        return;
    ct_pf_packet(p, p->last_ns);
    ct_pf_event(p, CT_PF_TYPE_INSTANT);
    ct_pb_str(&p->w, CT_PF_TE_NAME, "calltrace: dropped");
    ct_pf_ann_u64(&p->w, "dropped.depth", d->depth);
    ct_pf_ann_u64(&p->w, "dropped.reentrant", d->reentrant);
    ct_pf_ann_u64(&p->w, "dropped.buffer", d->buffer);
    ct_pf_ann_u64(&p->w, "unmatched_exits", tree->unmatched_exits);
    ct_pf_ann_u64(&p->w, "lost_events", tree->lost);
    ct_pf_ann_u64(&p->w, "overflow", tree->overflow);
    ct_pf_event_end(p);
}

CT_NOINST static void ct_pf_thread_end(void *st, const struct ct_out_thread *th,
                                       const struct ct_tree *tree)
{
    struct ct_pf *p = st;
    ct_pf_flush_begin(p);
    ct_pf_thread_losses(p, th, tree);
    const struct ct_ending *e = p->run->ending;
    if (!e || p->ending_done || e->tid != (pid_t)th->tid)
        return;
    /* the thread that got the ending signal: an instant after its last event */
    p->ending_done = true;
    ct_pf_packet(p, p->last_ns);
    ct_pf_event(p, CT_PF_TYPE_INSTANT);
    ct_pb_str(&p->w, CT_PF_TE_NAME, p->run->signal_name);
    ct_pf_ann_u64(&p->w, "signal", (uint64_t)e->signal);
    ct_pf_ann_bool(&p->w, "crash", e->crash);
    ct_pf_event_end(p);
}

/* ---------------------------------------------------------------- the process */

CT_NOINST static void *ct_pf_begin(int fd, const struct ct_out_run *run)
{
    struct ct_pf *p = calloc(1, sizeof(*p));
    if (!p || ct_pb_init(&p->w, fd) != 0) {
        free(p);
        return NULL;
    }
    struct ct_pb *w = &p->w;
    p->run = run;
    p->proc_uuid = ct_pf_uuid(run->pid, UINT64_MAX);
    p->seq = CT_PF_PROCESS_SEQ;
    p->next_seq = CT_PF_PROCESS_SEQ + 1;
    ct_pf_sequence(p, 0);
    const char *slash = strrchr(run->exe, '/');
    ct_pb_msg(w, CT_PF_TRACE_PACKET);
    ct_pb_varint(w, CT_PF_PKT_SEQ_ID, p->seq);
    ct_pb_msg(w, CT_PF_PKT_TRACK_DESCRIPTOR);
    ct_pb_varint(w, CT_PF_TD_UUID, p->proc_uuid);
    ct_pb_msg(w, CT_PF_TD_PROCESS);
    ct_pb_varint(w, CT_PF_PD_PID, run->pid);
    ct_pb_str(w, CT_PF_PD_CMDLINE, run->exe);
    ct_pb_str(w, CT_PF_PD_NAME, slash ? slash + 1 : run->exe);
    ct_pb_msg_end(w);
    ct_pb_msg_end(w);
    ct_pb_msg_end(w);
    return p;
}

/* The ending signal: what, where, and its thread's open calls (innermost
 * first) as an array of "function (file:line)". */
CT_NOINST static void ct_pf_ending(struct ct_pf *p)
{
    const struct ct_out_run *run = p->run;
    const struct ct_ending *e = run->ending;
    struct ct_pb *w = &p->w;
    ct_pf_ann_u64(w, "signal", (uint64_t)e->signal);
    ct_pf_ann_begin(w, "code");
    ct_pb_varint(w, CT_PF_DA_INT, (uint64_t)(int64_t)e->code);
    ct_pb_msg_end(w);
    if (e->crash) {
        ct_pf_ann_begin(w, "fault_address");
        ct_pb_varint(w, CT_PF_DA_POINTER, e->address);
        ct_pb_msg_end(w);
    }
    ct_pf_ann_u64(w, "thread_id", (uint64_t)e->tid);
    ct_pf_ann_begin(w, "stack");
    for (unsigned i = 0; i < run->ending_depth; i++) {
        const struct ct_symbol *sym = ct_out_symbol(run, run->ending_stack[i]);
        char frame[CT_PF_FRAME_MAX];
        int n = snprintf(frame, sizeof frame, "%s (%s:%u)", sym->name, sym->file ? sym->file : "??",
                         sym->line);
        ct_pb_msg(w, CT_PF_DA_ARRAY);
        ct_pb_bytes(w, CT_PF_DA_STRING, frame,
                    n < 0 ? 0 : (size_t)n < sizeof frame ? (size_t)n : sizeof frame - 1);
        ct_pb_msg_end(w);
    }
    ct_pb_msg_end(w);
}

/* The run's metadata on the process track, at its end. */
CT_NOINST static void ct_pf_summary(struct ct_pf *p)
{
    const struct ct_out_run *run = p->run;
    struct ct_pb *w = &p->w;
    char name[CT_PF_NAME_MAX];
    if (run->ending)
        snprintf(name, sizeof name, "%s: %s", run->ending->crash ? "crash" : "terminated",
                 run->signal_name);
    else
        snprintf(name, sizeof name, "%s", run->truncated ? "calltrace: truncated" : "calltrace");
    ct_pb_msg(w, CT_PF_TRACE_PACKET);
    ct_pb_varint(w, CT_PF_PKT_TIMESTAMP, ct_out_ns(run, run->end_ticks));
    ct_pb_varint(w, CT_PF_PKT_CLOCK_ID, CT_PF_CLOCK_BOOTTIME);
    ct_pb_varint(w, CT_PF_PKT_SEQ_ID, CT_PF_PROCESS_SEQ);
    ct_pb_msg(w, CT_PF_PKT_TRACK_EVENT);
    ct_pb_varint(w, CT_PF_TE_TYPE, CT_PF_TYPE_INSTANT);
    ct_pb_varint(w, CT_PF_TE_TRACK_UUID, p->proc_uuid);
    ct_pb_str(w, CT_PF_TE_NAME, name);
    ct_pf_ann_str(w, "version", CALLTRACE_VERSION_STRING, strlen(CALLTRACE_VERSION_STRING));
    ct_pf_ann_str(w, "timestamp", run->timestamp, strlen(run->timestamp));
    ct_pf_ann_u64(w, "total_calls", run->total_calls);
    ct_pf_ann_u64(w, "threads", run->threads);
    ct_pf_ann_bool(w, "complete", run->final);
    ct_pf_ann_bool(w, "truncated", run->truncated);
    ct_pf_ann_u64(w, "dropped.depth", run->drops.depth);
    ct_pf_ann_u64(w, "dropped.reentrant", run->drops.reentrant);
    ct_pf_ann_u64(w, "dropped.buffer", run->drops.buffer);
    ct_pf_ann_u64(w, "dropped.untraced_threads", run->drops.untraced_threads);
    ct_pf_ann_u64(w, "filtered.functions", run->filtered.functions);
    ct_pf_ann_u64(w, "filtered.min_duration", run->filtered.min_duration);
    if (run->max_calls) {
        ct_pf_ann_u64(w, "max_calls", run->max_calls);
        ct_pf_ann_u64(w, "calls_not_written", run->calls_not_written);
    }
    if (run->ending)
        ct_pf_ending(p);
    ct_pf_event_end(p);
}

CT_NOINST static int ct_pf_end(void *st)
{
    struct ct_pf *p = st;
    ct_pf_flush_begin(p);
    ct_pf_summary(p);
    int err = ct_pb_finish(&p->w);
    if (p->vals_ready) {
        p->vals.len = 0; /* nothing to write: it has no descriptor */
        ct_jw_finish(&p->vals);
    }
    free(p->fns);
    free(p->slots);
    free(p->ann);
    free(p);
    return err;
}

const struct ct_format_ops ct_fmt_perfetto = {
    .bit = CT_FMT_PERFETTO,
    .begin = ct_pf_begin,
    .thread_begin = ct_pf_thread_begin,
    .open = ct_pf_open,
    .close = ct_pf_close,
    .mark = ct_pf_mark,
    .values = ct_pf_values,
    .thread_end = ct_pf_thread_end,
    .end = ct_pf_end,
};
