/*
 * mod_authnz_oidc_changelog.c: memcache cannot tell a process that a key
 * changed, so with AuthOIDCSessionCacheLag the module tells it instead:
 *
 *  - every session write or delete is announced in memcache itself: INCR of
 *    one counter gives it a number n, and the key "authnz_oidc_log:n" names
 *    the store key and the node that wrote it;
 *  - a thread in each process reads the counter every lag/4 and, for every
 *    number it has not seen, the entry, and marks that session key changed.
 *
 * Processes of one node share their write counters in shared memory
 * (mod_authnz_oidc_store.c), so a change made on this node is seen at once
 * by all of them; a change made on another node is seen within the lag.
 * What a process cannot follow one by one (a counter that vanished because
 * memcache restarted or was flushed, or that jumped; a missing entry; more
 * changes than one poll reads; a gap while it could not read the log) it
 * answers by moving its epoch, which is part of every generation it gives:
 * everything it keeps is then read again. A process that has not read the
 * counter within the lag trusts nothing it keeps. A writer that cannot
 * announce its change says so; to bound what that costs, each process
 * moves its epoch every MAX_KEEP anyway. A process that served nobody
 * during one poll interval stops polling until a request asks again, so
 * idle processes cost memcache nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_memcache.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <ap_mpm.h>

#include "mod_authnz_oidc.h"
#include "oidc_crypto.h"
#include "oidc_encode.h"

#define COUNTER_KEY "authnz_oidc_log:counter"
#define ENTRY_PREFIX "authnz_oidc_log:"
/* More new entries than this in one poll: every key is taken as changed. */
#define MAX_BATCH 64
#define MAX_KEEP apr_time_from_sec(30)
#define MIN_POLL apr_time_from_msec(5)
#define CONN_TTL apr_time_from_sec(15)
/* Entries must outlive the slowest poll that may still want them. */
#define ENTRY_TTL_SEC 10
#define MAX_KEY_BYTES 64
#define NODE_TAG_BYTES 8

struct oidc_changelog_t {
    server_rec *s;
    const char *servers;          /* as configured, for the log */
    apr_memcache_t *mc;
    apr_interval_time_t lag;
    char node[2 * NODE_TAG_BYTES + 1];   /* this node's name in entries */
    oidc_watch_changed_fn changed;
    void *baton;

    /* In the child. */
    apr_thread_mutex_t *mutex;
    apr_thread_cond_t *wake;
    apr_thread_t *thread;
    volatile int stopping;
    volatile apr_uint64_t polled;  /* start of the last good poll, or 0 */
    volatile apr_uint64_t epoch;   /* moved to distrust all that is kept */
    volatile int asked;            /* a request wanted a voucher */
    volatile int idle;             /* the thread waits for a request */
    apr_time_t epoch_moved;
    apr_uint32_t cursor;           /* the last number handled */
    int synced;
    int warned;
};

oidc_changelog_t *oidc_changelog_make(apr_pool_t *pconf, server_rec *s,
                                      const apr_array_header_t *servers,
                                      const char *label,
                                      apr_interval_time_t lag,
                                      oidc_watch_changed_fn changed,
                                      void *baton, const char **err)
{
    oidc_changelog_t *c = apr_pcalloc(pconf, sizeof(*c));
    unsigned char tag[NODE_TAG_BYTES];
    int threads = 1, i;
    apr_status_t rv;

    c->s = s;
    c->servers = label;
    c->lag = lag;
    c->changed = changed;
    c->baton = baton;
    c->epoch = 1;
    if (oidc_random(tag, sizeof(tag)) != APR_SUCCESS) {
        *err = "cannot draw a random node name for its change log";
        return NULL;
    }
    memcpy(c->node, oidc_hex_encode(pconf, tag, sizeof(tag)),
           sizeof(c->node));
    ap_mpm_query(AP_MPMQ_HARD_LIMIT_THREADS, &threads);
    threads = threads < 1 ? 2 : threads + 1;     /* and the poll thread */
    rv = apr_memcache_create(pconf, OIDC_STORE_MAX_SERVERS, 0, &c->mc);
    for (i = 0; rv == APR_SUCCESS && i < servers->nelts; i++) {
        const oidc_store_server_t *sv = &APR_ARRAY_IDX(servers, i,
                                                       oidc_store_server_t);
        apr_memcache_server_t *ms;
        rv = apr_memcache_server_create(pconf, sv->host, sv->port, 0,
                                        (apr_uint32_t)threads,
                                        (apr_uint32_t)threads, CONN_TTL, &ms);
        if (rv == APR_SUCCESS) {
            rv = apr_memcache_add_server(c->mc, ms);
        }
    }
    if (rv != APR_SUCCESS) {
        *err = "cannot create a memcache client for its change log";
        return NULL;
    }
    return c;
}

static const char *entry_key(apr_pool_t *p, apr_uint32_t n)
{
    return apr_psprintf(p, ENTRY_PREFIX "%u", n);
}

/* A counter made anew starts at a random number, so that one which
 * vanished and came back is not taken for the same. atoi in APR's INCR
 * reads 31 bits: there is room for 2^30 changes above any start. */
static void make_counter(oidc_changelog_t *c)
{
    apr_uint32_t start;
    char text[16];

    if (oidc_random((unsigned char *)&start, sizeof(start))
        != APR_SUCCESS) {
        start = (apr_uint32_t)apr_time_now();
    }
    start = (start & 0x3fffffffu) | 1;
    apr_snprintf(text, sizeof(text), "%u", start);
    apr_memcache_add(c->mc, COUNTER_KEY, text, strlen(text), 0, 0);
}

apr_status_t oidc_changelog_note(oidc_changelog_t *c, apr_pool_t *p,
                                 const unsigned char *key,
                                 apr_size_t key_len)
{
    apr_uint32_t n = 0;
    apr_status_t rv;
    char *entry;

    if (key_len > MAX_KEY_BYTES) {
        return APR_EINVAL;
    }
    rv = apr_memcache_incr(c->mc, COUNTER_KEY, 1, &n);
    if (rv == APR_NOTFOUND) {
        make_counter(c);
        rv = apr_memcache_incr(c->mc, COUNTER_KEY, 1, &n);
    }
    if (rv == APR_SUCCESS) {
        entry = apr_psprintf(p, "%u %s %s", n, c->node,
                             oidc_hex_encode(p, key, key_len));
        rv = apr_memcache_set(c->mc, entry_key(p, n), entry, strlen(entry),
                              ENTRY_TTL_SEC, 0);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, c->s,
                     "[oidc-store] memcache %s: a session change could not "
                     "be announced to the other nodes; they may use their "
                     "copy of it for up to %d s", c->servers,
                     (int)apr_time_sec(MAX_KEEP));
    }
    return rv;
}

apr_uint64_t oidc_changelog_epoch(oidc_changelog_t *c)
{
    apr_uint64_t polled = apr_atomic_read64(&c->polled);

    if (!c->asked) {
        c->asked = 1;
    }
    if (polled != 0 && apr_time_now() - (apr_time_t)polled <= c->lag) {
        return apr_atomic_read64(&c->epoch);
    }
    if (c->idle && c->mutex != NULL) {
        apr_thread_mutex_lock(c->mutex);
        c->idle = 0;
        apr_thread_cond_signal(c->wake);
        apr_thread_mutex_unlock(c->mutex);
    }
    return 0;
}

/* Handles entry n: 1 when it could be read, else 0. */
static int follow(oidc_changelog_t *c, apr_pool_t *p, apr_uint32_t n)
{
    unsigned char key[MAX_KEY_BYTES];
    char *val, *last, *num, *node, *hex;
    apr_size_t len, key_len = 0;
    apr_uint16_t flags;

    if (apr_memcache_getp(c->mc, p, entry_key(p, n), &val, &len, &flags)
        != APR_SUCCESS) {
        return 0;
    }
    num = apr_strtok(val, " ", &last);
    node = apr_strtok(NULL, " ", &last);
    hex = apr_strtok(NULL, " ", &last);
    if (num == NULL || node == NULL || hex == NULL
        || strtoul(num, NULL, 10) != n
        || strlen(hex) > 2 * sizeof(key)
        || oidc_hex_decode(hex, strlen(hex), key, &key_len) != APR_SUCCESS) {
        return 0;
    }
    /* This node's own writes moved the shared counters already. */
    if (strcmp(node, c->node) != 0) {
        c->changed(c->baton, key, key_len);
    }
    return 1;
}

/* Nothing this process keeps is trusted again: read afresh. */
static void forget_all(oidc_changelog_t *c, apr_time_t now)
{
    apr_atomic_inc64(&c->epoch);
    c->epoch_moved = now;
}

/* One read of the counter and of the entries it adds. APR_NOTFOUND: the
 * counter was gone, and is made again. */
static apr_status_t poll_once(oidc_changelog_t *c, apr_pool_t *p,
                              apr_time_t start)
{
    apr_uint32_t n, ahead, i;
    apr_uint16_t flags;
    apr_size_t len;
    apr_status_t rv;
    char *val;

    if (start - c->epoch_moved > MAX_KEEP) {
        forget_all(c, start);
    }
    /* APR's client says "not found" also while it holds the server for
     * dead: that says nothing about the counter. */
    if (apr_memcache_find_server_hash(c->mc, apr_memcache_hash(c->mc,
            COUNTER_KEY, sizeof(COUNTER_KEY) - 1)) == NULL) {
        return APR_EGENERAL;
    }
    rv = apr_memcache_getp(c->mc, p, COUNTER_KEY, &val, &len, &flags);
    if (rv == APR_NOTFOUND) {
        /* Nothing says what changed since it went: everything may have. */
        make_counter(c);
        return rv;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    n = (apr_uint32_t)strtoul(val, NULL, 10);
    if (!c->synced) {
        /* Whatever happened before is unknown: start afresh from here. */
        forget_all(c, start);
        c->cursor = n;
        c->synced = 1;
        return APR_SUCCESS;
    }
    ahead = n - c->cursor;
    if (ahead > MAX_BATCH) {
        forget_all(c, start);
    }
    else {
        for (i = 1; i <= ahead; i++) {
            if (!follow(c, p, c->cursor + i)) {
                forget_all(c, start);
                break;
            }
        }
    }
    c->cursor = n;
    return APR_SUCCESS;
}

static void *APR_THREAD_FUNC poll_thread(apr_thread_t *t, void *data)
{
    oidc_changelog_t *c = data;
    apr_interval_time_t every = c->lag / 4 > MIN_POLL ? c->lag / 4
                                                      : MIN_POLL;
    apr_pool_t *scratch;

    if (apr_pool_create(&scratch, apr_thread_pool_get(t)) != APR_SUCCESS) {
        return NULL;
    }
    apr_thread_mutex_lock(c->mutex);
    while (!c->stopping) {
        apr_time_t start = apr_time_now();
        apr_status_t rv;

        c->asked = 0;
        apr_thread_mutex_unlock(c->mutex);
        rv = poll_once(c, scratch, start);
        apr_pool_clear(scratch);
        if (rv == APR_SUCCESS) {
            apr_atomic_set64(&c->polled, (apr_uint64_t)start);
            if (c->warned) {
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, c->s,
                             "[oidc-store] memcache %s: following session "
                             "changes again", c->servers);
                c->warned = 0;
            }
        }
        else {
            /* Until a poll succeeds, nothing kept is trusted; what happens
             * meanwhile is not followed. */
            apr_atomic_set64(&c->polled, 0);
            c->synced = 0;
            if (rv != APR_NOTFOUND && !c->warned) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, rv, c->s,
                             "[oidc-store] memcache %s: cannot read the "
                             "session change log; every request reads the "
                             "store until it can", c->servers);
                c->warned = 1;
            }
        }
        apr_thread_mutex_lock(c->mutex);
        if (!c->stopping) {
            apr_thread_cond_timedwait(c->wake, c->mutex, every);
        }
        if (!c->stopping && !c->asked) {
            /* Nobody asked for a whole interval: rest until a request
             * does (oidc_changelog_epoch wakes this thread). */
            apr_atomic_set64(&c->polled, 0);
            c->synced = 0;
            c->idle = 1;
            while (c->idle && !c->stopping) {
                apr_thread_cond_timedwait(c->wake, c->mutex, MAX_KEEP);
            }
        }
    }
    apr_thread_mutex_unlock(c->mutex);
    /* A plain return: see watch_thread in mod_authnz_oidc_watch.c. */
    return NULL;
}

static apr_status_t changelog_stop(void *data)
{
    oidc_changelog_t *c = data;
    apr_status_t rv;

    apr_thread_mutex_lock(c->mutex);
    c->stopping = 1;
    apr_thread_cond_signal(c->wake);
    apr_thread_mutex_unlock(c->mutex);
    apr_thread_join(&rv, c->thread);
    return APR_SUCCESS;
}

void oidc_changelog_child_init(oidc_changelog_t *c, apr_pool_t *pchild)
{
    apr_pool_t *tpool;
    apr_status_t rv;

    rv = apr_thread_mutex_create(&c->mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_cond_create(&c->wake, pchild);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_pool_create(&tpool, pchild);
    }
    if (rv == APR_SUCCESS) {
        rv = oidc_store_thread_start(pchild, tpool, poll_thread,
                                     changelog_stop, c, &c->thread);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, c->s,
                     "[oidc-store] memcache %s: cannot start following "
                     "session changes; every request reads the store",
                     c->servers);
    }
}
