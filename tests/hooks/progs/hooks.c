/* User hooks (CALLTRACE_HOOK). Run with CALLTRACE_START=0: the hook on
 * handle_request starts recording when it is entered and stops it when it
 * returns, so the trace holds exactly the two handle_request calls.
 *
 * main -> before_request -> leaf                         (stopped)
 *      -> observed -> helper -> leaf                     (stopped; hooked)
 *      -> handle_request(1) -> helper -> leaf, leaf      (recorded)
 *      -> after -> leaf                                  (stopped)
 *      -> handle_request(2) -> helper -> leaf,
 *                              observed -> helper -> leaf, leaf
 *      thread: worker -> observed -> helper -> leaf      (stopped)
 * observed's on_enter calls observed() and helper() itself: neither is
 * hooked again nor recorded. A second hook on observed lives in
 * hooks_more.c. */
#define _GNU_SOURCE
#include <calltrace.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int sink;
__attribute__((noinline)) void leaf(void) { sink++; }
__attribute__((noinline)) void helper(void) { leaf(); }
__attribute__((noinline)) void before_request(void) { leaf(); }
__attribute__((noinline)) void observed(void) { helper(); }
__attribute__((noinline)) void handle_request(int i)
{
    helper();
    if (i == 2)
        observed();
    leaf();
}
__attribute__((noinline)) void after(void) { leaf(); }

/* what the hooks saw */
static int req_enter_recording = -1, req_exit_recording = -1, req_enter_depth = -1;
static int req_start_rc = -1, req_stop_rc = -1;
static struct calltrace_hook_event obs_in[4], obs_out[4];
static int nobs_in, nobs_out, obs_nested;
extern int more_hook_calls; /* hooks_more.c */

static void req_enter(const struct calltrace_hook_event *ev)
{
    req_enter_depth = (int)ev->depth;
    req_start_rc = calltrace_start();
    req_enter_recording = calltrace_is_recording();
}

static void req_exit(const struct calltrace_hook_event *ev)
{
    (void)ev;
    req_exit_recording = calltrace_is_recording();
    req_stop_rc = calltrace_stop();
}

static void obs_enter(const struct calltrace_hook_event *ev)
{
    if (nobs_in < 4)
        obs_in[nobs_in++] = *ev;
    int before = nobs_in;
    observed(); /* would recurse forever if hooks ran inside hooks */
    helper();
    obs_nested += nobs_in != before;
}

static void obs_exit(const struct calltrace_hook_event *ev)
{
    if (nobs_out < 4)
        obs_out[nobs_out++] = *ev;
}

CALLTRACE_HOOK(handle_request, req_enter, req_exit);
CALLTRACE_HOOK(observed, obs_enter, obs_exit);

static pid_t worker_tid;
__attribute__((noinline)) void *worker(void *arg)
{
    (void)arg;
    worker_tid = gettid();
    observed();
    return NULL;
}

int main(void)
{
    printf("recording_at_start=%d\n", calltrace_is_recording());
    before_request();
    observed();
    handle_request(1);
    after();
    handle_request(2);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);

    printf("recording_at_end=%d\n", calltrace_is_recording());
    printf("req_enter_depth=%d req_start_rc=%d req_enter_recording=%d\n", req_enter_depth,
           req_start_rc, req_enter_recording);
    printf("req_exit_recording=%d req_stop_rc=%d\n", req_exit_recording, req_stop_rc);
    printf("nobs_in=%d nobs_out=%d obs_nested=%d more_hook_calls=%d\n", nobs_in, nobs_out,
           obs_nested, more_hook_calls);
    printf("main_tid=%d worker_tid=%d\n", (int)gettid(), (int)worker_tid);
    for (int i = 0; i < nobs_in && i < nobs_out; i++)
        printf("obs%d_in_tid=%d obs%d_in_depth=%u obs%d_in_ns=%llu obs%d_out_tid=%d "
               "obs%d_out_depth=%u obs%d_out_ns=%llu obs%d_fn_ok=%d\n",
               i, obs_in[i].thread_id, i, obs_in[i].depth, i, obs_in[i].timestamp_ns, i,
               obs_out[i].thread_id, i, obs_out[i].depth, i, obs_out[i].timestamp_ns, i,
               obs_in[i].function == (void *)observed && obs_out[i].function == (void *)observed);
    return 0;
}
