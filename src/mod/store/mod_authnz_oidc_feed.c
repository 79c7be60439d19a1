/*
 * mod_authnz_oidc_feed.c: redis tells each httpd process which session keys
 * changed, so that the process may keep the records it has opened
 * (oidc_session_cache) with a store shared between nodes.
 *
 * APR-util's redis client cannot receive what redis pushes, so each process
 * holds one connection of its own to every server, in RESP3 with
 * CLIENT TRACKING ON BCAST PREFIX <namespace>: redis then sends it the name
 * of every key under the prefix that any client writes or deletes, or that
 * expires. It queues that message before its answer to the write itself, so
 * the message is on its way to this node before the writer can act on the
 * answer (a logout page, say).
 *
 * A thread reads the connections and pings them; each request reads what
 * has arrived too, before it trusts a kept record. While a connection is
 * down or has not answered a PING for LIVENESS, nothing kept is trusted and
 * every request reads the store, as it would without this file. Only the
 * thread opens and closes sockets; requests read them under the mutex, and
 * only while `live`.
 */
#include <signal.h>
#include <pthread.h>
#include <string.h>
#include <apr_atomic.h>
#include <apr_network_io.h>
#include <apr_poll.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/store/mod_authnz_oidc_feed.h"
#include "mod/store/mod_authnz_oidc_servers.h"
#include "core/cache/oidc_change_feed.h"

#define MAX_SERVERS MOD_OIDC_STORE_MAX_SERVERS
#define PING_EVERY apr_time_from_msec(500)
#define LIVENESS apr_time_from_msec(1500)
/* Retries back off from the first to the second while they keep failing. */
#define RETRY_FIRST apr_time_from_sec(2)
#define RETRY_MAX apr_time_from_sec(60)
#define SETUP_TIMEOUT apr_time_from_sec(1)
/* Redis sends every key written in one turn of its loop in one message; a
 * message larger than this costs a reconnect (and the kept records). */
#define READ_BUFFER (256 * 1024)

typedef struct {
    const char *host;
    apr_port_t port;
    apr_socket_t *sock;           /* while live */
    char *buf;                    /* READ_BUFFER bytes */
    apr_size_t len;
    apr_time_t last_pong;
} feed_conn_t;

struct mod_oidc_feed_t {
    server_rec *s;
    const char *servers;          /* as configured, for the log */
    const char *prefix;
    mod_oidc_feed_changed_fn changed;
    void *baton;
    int n;
    feed_conn_t conn[MAX_SERVERS];

    /* In the child. */
    apr_thread_mutex_t *mutex;
    apr_pool_t *sockets;          /* the thread's: cleared at each reconnect */
    apr_pollset_t *pollset;
    apr_thread_t *thread;
    volatile int stopping;
    int live;                     /* every connection set up; under mutex */
    volatile apr_uint64_t epoch;  /* moved when any key may have changed */
    int warned;                   /* down since the last warning */
    apr_interval_time_t retry;    /* the thread's next wait after a failure */
};

mod_oidc_feed_t *mod_oidc_feed_make(apr_pool_t *pconf, server_rec *s,
                                    const apr_array_header_t *servers,
                                    const char *label, const char *prefix,
                                    mod_oidc_feed_changed_fn changed,
                                    void *baton, const char **err)
{
    mod_oidc_feed_t *w = apr_pcalloc(pconf, sizeof(*w));

    if (servers->nelts > MAX_SERVERS) {
        *err = "too many servers";
        return NULL;
    }
    w->s = s;
    w->servers = label;
    w->prefix = prefix;
    w->changed = changed;
    w->epoch = 1;
    w->baton = baton;
    for (w->n = 0; w->n < servers->nelts; w->n++) {
        const mod_oidc_store_server_t *sv = &APR_ARRAY_IDX(
            servers, w->n, mod_oidc_store_server_t);
        w->conn[w->n].host = sv->host;
        w->conn[w->n].port = sv->port;
    }
    return w;
}

/* ---- reading what redis sends --------------------------------------- */

/* What the protocol reader reports, for one connection at one time. */
typedef struct {
    mod_oidc_feed_t *w;
    feed_conn_t *c;
    apr_time_t now;
} feed_read_t;

static void on_changed(void *baton, const unsigned char *key, apr_size_t len)
{
    feed_read_t *r = baton;
    r->w->changed(r->w->baton, key, len);
}

static void on_flushed(void *baton)
{
    feed_read_t *r = baton;
    apr_atomic_inc64(&r->w->epoch);
}

static void on_ponged(void *baton)
{
    feed_read_t *r = baton;
    r->c->last_pong = r->now;
}

static oidc_change_feed_t protocol_of(feed_read_t *r)
{
    oidc_change_feed_t f;

    f.prefix = r->w->prefix;
    f.changed = on_changed;
    f.flushed = on_flushed;
    f.ponged = on_ponged;
    f.baton = r;
    return f;
}

/* Reads all that has arrived on c, and acts on every whole frame. 0 when
 * the connection is no longer to be trusted. Caller holds the mutex. */
static int drain(mod_oidc_feed_t *w, feed_conn_t *c, apr_time_t now)
{
    feed_read_t r = { w, c, now };
    oidc_change_feed_t f = protocol_of(&r);

    for (;;) {
        apr_size_t got = READ_BUFFER - c->len, used = 0;
        apr_status_t rv;
        int ok;

        if (got == 0) {
            return 0;                 /* one frame larger than the buffer */
        }
        rv = apr_socket_recv(c->sock, c->buf + c->len, &got);
        if (APR_STATUS_IS_EAGAIN(rv) || APR_STATUS_IS_TIMEUP(rv)) {
            return 1;
        }
        if (rv != APR_SUCCESS || got == 0) {
            return 0;                 /* closed, or broken */
        }
        c->len += got;
        ok = oidc_change_feed_read(&f, c->buf, c->len, &used);
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (!ok) {
            return 0;
        }
    }
}

static int drain_all(mod_oidc_feed_t *w, apr_time_t now)
{
    int i;

    for (i = 0; i < w->n; i++) {
        if (!drain(w, &w->conn[i], now)) {
            return 0;
        }
    }
    return 1;
}

apr_uint64_t mod_oidc_feed_epoch(mod_oidc_feed_t *w)
{
    apr_time_t now = apr_time_now();
    int i, ok;

    if (w == NULL || w->mutex == NULL
        || apr_thread_mutex_lock(w->mutex) != APR_SUCCESS) {
        return 0;
    }
    ok = w->live && drain_all(w, now);
    for (i = 0; ok && i < w->n; i++) {
        ok = now - w->conn[i].last_pong <= LIVENESS;
    }
    if (w->live && !ok) {
        w->live = 0;                  /* the thread reconnects */
    }
    apr_thread_mutex_unlock(w->mutex);
    return ok ? apr_atomic_read64(&w->epoch) : 0;
}

/* ---- the thread: connections, pings --------------------------------- */

static apr_status_t send_all(apr_socket_t *sock, const char *data)
{
    apr_size_t len = strlen(data);

    return apr_socket_send(sock, data, &len) == APR_SUCCESS
           && len == strlen(data) ? APR_SUCCESS : APR_EGENERAL;
}

/* Connects c and turns tracking on. Blocking, with SETUP_TIMEOUT; on
 * failure *why says what went wrong. */
static apr_status_t set_up(mod_oidc_feed_t *w, feed_conn_t *c,
                           const char **why)
{
    apr_sockaddr_t *sa;
    apr_socket_t *sock;
    feed_read_t r = { w, c, 0 };
    oidc_change_feed_t f = protocol_of(&r);
    const char *hello = oidc_change_feed_hello(w->sockets, &f);
    int replies = 0;
    apr_status_t rv;

    c->len = 0;
    rv = apr_sockaddr_info_get(&sa, c->host, APR_UNSPEC, c->port, 0,
                               w->sockets);
    if (rv == APR_SUCCESS) {
        rv = apr_socket_create(&sock, sa->family, SOCK_STREAM, APR_PROTO_TCP,
                               w->sockets);
    }
    if (rv == APR_SUCCESS) {
        apr_socket_timeout_set(sock, SETUP_TIMEOUT);
        rv = apr_socket_connect(sock, sa);
    }
    if (rv == APR_SUCCESS) {
        rv = send_all(sock, hello);
    }
    if (rv != APR_SUCCESS) {
        *why = "cannot connect";
        return rv;
    }
    for (;;) {
        apr_size_t got = READ_BUFFER - c->len, used = 0;
        oidc_feed_setup_t st;

        rv = apr_socket_recv(sock, c->buf + c->len, &got);
        if (rv != APR_SUCCESS || got == 0) {
            *why = "no answer to HELLO 3 / CLIENT TRACKING";
            return rv != APR_SUCCESS ? rv : APR_EOF;
        }
        c->len += got;
        st = oidc_change_feed_setup(w->sockets, &f, c->buf, c->len, &used,
                                    &replies, why);
        if (st == OIDC_FEED_REFUSED) {
            return APR_EGENERAL;
        }
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (st == OIDC_FEED_READY) {
            break;
        }
    }
    apr_socket_timeout_set(sock, 0);
    c->sock = sock;
    return APR_SUCCESS;
}

static apr_pollfd_t readable(apr_socket_t *sock)
{
    apr_pollfd_t pfd;

    memset(&pfd, 0, sizeof(pfd));
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.desc.s = sock;
    pfd.reqevents = APR_POLLIN;
    return pfd;
}

/* Closes every connection; the kept records stop being trusted at once. */
static void tear_down(mod_oidc_feed_t *w)
{
    int i;

    apr_thread_mutex_lock(w->mutex);
    w->live = 0;
    for (i = 0; i < w->n; i++) {
        if (w->conn[i].sock != NULL) {
            apr_pollfd_t pfd = readable(w->conn[i].sock);
            apr_pollset_remove(w->pollset, &pfd);
            apr_socket_close(w->conn[i].sock);
            w->conn[i].sock = NULL;
        }
        w->conn[i].len = 0;
    }
    apr_thread_mutex_unlock(w->mutex);
    apr_pool_clear(w->sockets);
}

static int connect_all(mod_oidc_feed_t *w)
{
    const char *why = NULL;
    apr_status_t rv = APR_SUCCESS;
    apr_time_t now;
    int i;

    for (i = 0; i < w->n && rv == APR_SUCCESS; i++) {
        rv = set_up(w, &w->conn[i], &why);
    }
    if (rv != APR_SUCCESS) {
        if (!w->warned) {
            ap_log_error(APLOG_MARK, APLOG_WARNING,
                         rv == APR_EGENERAL ? 0 : rv, w->s,
                         "[oidc-store] redis %s:%d: cannot follow session "
                         "changes (%s); every request reads the store "
                         "until it can", w->conn[i - 1].host,
                         w->conn[i - 1].port, why);
            w->warned = 1;
        }
        tear_down(w);
        return 0;
    }
    now = apr_time_now();
    apr_thread_mutex_lock(w->mutex);
    for (i = 0; i < w->n; i++) {
        apr_pollfd_t pfd = readable(w->conn[i].sock);
        apr_pollset_add(w->pollset, &pfd);
        w->conn[i].last_pong = now;
    }
    /* Changes made while no connection followed them went unseen. */
    apr_atomic_inc64(&w->epoch);
    w->live = 1;
    apr_thread_mutex_unlock(w->mutex);
    ap_log_error(APLOG_MARK, w->warned ? APLOG_NOTICE : APLOG_DEBUG, 0, w->s,
                 "[oidc-store] redis %s: following session changes; "
                 "opened sessions are kept in each process", w->servers);
    w->warned = 0;
    return 1;
}

static void *APR_THREAD_FUNC feed_thread(apr_thread_t *t, void *data)
{
    mod_oidc_feed_t *w = data;
    apr_time_t last_ping = 0;

    w->retry = RETRY_FIRST;
    while (!w->stopping) {
        const apr_pollfd_t *ready;
        apr_int32_t nready;
        apr_time_t now;
        int live, i, ok = 1;

        apr_thread_mutex_lock(w->mutex);
        live = w->live;
        apr_thread_mutex_unlock(w->mutex);
        if (!live) {
            /* Found broken here or by a request: sockets still open. */
            if (w->conn[0].sock != NULL) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->s,
                             "[oidc-store] redis %s: lost the connection "
                             "that follows session changes; every request "
                             "reads the store until it is back", w->servers);
                w->warned = 1;
            }
            tear_down(w);
            if (!connect_all(w)) {
                apr_pollset_poll(w->pollset, w->retry, &nready, &ready);
                w->retry = w->retry * 2 > RETRY_MAX ? RETRY_MAX
                                                    : w->retry * 2;
                continue;
            }
            w->retry = RETRY_FIRST;
        }
        apr_pollset_poll(w->pollset, PING_EVERY, &nready, &ready);
        now = apr_time_now();
        if (now - last_ping >= PING_EVERY) {
            for (i = 0; i < w->n && ok; i++) {
                ok = send_all(w->conn[i].sock,
                              "*1\r\n$4\r\nPING\r\n") == APR_SUCCESS;
            }
            last_ping = now;
        }
        apr_thread_mutex_lock(w->mutex);
        ok = ok && w->live && drain_all(w, now);
        for (i = 0; ok && i < w->n; i++) {
            ok = now - w->conn[i].last_pong <= LIVENESS;
        }
        if (!ok) {
            w->live = 0;
        }
        apr_thread_mutex_unlock(w->mutex);
    }
    tear_down(w);
    /* A plain return, not apr_thread_exit: pthread_exit's unwinding leaves
     * AddressSanitizer's scope marks on this stack (a false report at
     * thread exit). The thread's pool goes with pchild. */
    (void)t;
    return NULL;
}

static apr_status_t feed_stop(void *data)
{
    mod_oidc_feed_t *w = data;
    apr_status_t rv;

    w->stopping = 1;
    apr_pollset_wakeup(w->pollset);
    apr_thread_join(&rv, w->thread);
    return APR_SUCCESS;
}

/* Starts run(data) in a thread of this child that no signal reaches, made
 * in tpool (a subpool of pchild); stop(data) must end and join it, and runs
 * before pchild's subpools are destroyed. */
static apr_status_t thread_start(apr_pool_t *pchild, apr_pool_t *tpool,
                                 apr_thread_start_t run,
                                 apr_status_t (*stop)(void *), void *data,
                                 apr_thread_t **thread)
{
    sigset_t all, old;
    apr_status_t rv;

    /* Signals are the MPM's business: none may land on this thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rv = apr_thread_create(thread, NULL, run, data, tpool);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rv == APR_SUCCESS) {
        /* Before pchild's subpools go, the thread's among them. */
        apr_pool_pre_cleanup_register(pchild, data, stop);
    }
    return rv;
}

void mod_oidc_feed_child_init(mod_oidc_feed_t *w, apr_pool_t *pchild)
{
    apr_pool_t *tpool;
    apr_status_t rv;
    int i;

    rv = apr_thread_mutex_create(&w->mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv == APR_SUCCESS) {
        rv = apr_pollset_create(&w->pollset, MAX_SERVERS, pchild,
                                APR_POLLSET_WAKEABLE);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_pool_create(&tpool, pchild);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_pool_create(&w->sockets, tpool);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, w->s,
                     "[oidc-store] redis %s: cannot start following "
                     "session changes; every request reads the store",
                     w->servers);
        w->mutex = NULL;
        return;
    }
    for (i = 0; i < w->n; i++) {
        w->conn[i].buf = apr_palloc(pchild, READ_BUFFER);
    }
    rv = thread_start(pchild, tpool, feed_thread, feed_stop, w, &w->thread);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, w->s,
                     "[oidc-store] redis %s: cannot start the thread that "
                     "follows session changes; every request reads the "
                     "store", w->servers);
    }
}
