/* mod_authnz_oidc_store.c: sessions in httpd's own ap_socache providers
 * (shmcb, memcache, redis), locked with an httpd global mutex when the
 * provider is not multi-process safe (mod_ssl's rule). Claims go to the
 * memcache or redis servers themselves (mod_authnz_oidc_lock.c), or else to
 * the socache under that mutex. */
#include <string.h>
#include <apr_atomic.h>
#include <apr_shm.h>
#include <ap_provider.h>
#include <util_mutex.h>

#include "mod/mod_authnz_oidc.h"
#include "mod/store/mod_authnz_oidc_store.h"
#include "mod/store/mod_authnz_oidc_servers.h"
#include "core/util/oidc_encode.h"

#define STORE_NAMESPACE "authnz_oidc"
#define STORE_MUTEX_TYPE "authnz-oidc-store"
#define DEFAULT_SHMCB_FILE "authnz_oidc_sessions"
#define DEFAULT_SHMCB_BYTES "16777216"
/* Write counters for shmcb keys: a key shares its counter with 1/N of the
 * others, which costs them a needless re-read now and then, nothing more. */
#define GENERATION_SLOTS 16384

/* Every store made in this configuration cycle, for child_init. */
static apr_array_header_t *all_stores;

typedef struct {
    mod_oidc_store_t *g;
    apr_size_t max_record;
} store_baton_t;

int mod_oidc_store_pre_config(apr_pool_t *pconf)
{
    all_stores = NULL;
    return ap_mutex_register(pconf, STORE_MUTEX_TYPE, NULL,
                             APR_LOCK_DEFAULT, 0);
}

static const ap_socache_provider_t *lookup(const char *name)
{
    return ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                              AP_SOCACHE_PROVIDER_VERSION);
}

static void split_spec(apr_pool_t *p, const char *spec, const char **name,
                       const char **arg)
{
    const char *colon = strchr(spec, ':');

    *name = colon ? apr_pstrmemdup(p, spec, (apr_size_t)(colon - spec)) : spec;
    *arg = colon ? colon + 1 : NULL;
}

/* What the module knows of a socache provider. */
typedef struct {
    const char *name;             /* NULL: one it does not know */
    /* The servers of the spec (host[:port],...) are reached for locks too
     * (0: none, the node's global mutex locks), on this port by default. */
    mod_oidc_lock_protocol_t locks;
    apr_port_t default_port;
    /* What a spec without an argument means; NULL: it needs one, of the
     * form arg_form. */
    const char *(*default_arg)(apr_pool_t *pconf);
    const char *arg_form;
    /* Set up what tells when a record kept per process went stale
     * (oidc_store_t's generation), once the instance is up; NULL: it
     * cannot tell, so every request reads the store. */
    const char *(*track_writes)(mod_oidc_store_t *g, apr_pool_t *pconf,
                                const char *arg,
                                const apr_array_header_t *servers);
} store_kind_t;

static const char *shmcb_default_arg(apr_pool_t *pconf);
static const char *shmcb_track_writes(mod_oidc_store_t *g, apr_pool_t *pconf,
                                      const char *arg,
                                      const apr_array_header_t *servers);
static const char *redis_track_writes(mod_oidc_store_t *g, apr_pool_t *pconf,
                                      const char *arg,
                                      const apr_array_header_t *servers);

/* The socache modules Debian ships, the only ones a2enmod can enable;
 * memcache cannot report changes (README, "How it behaves"). */
static const store_kind_t store_kinds[] = {
    { .name = "shmcb", .default_arg = shmcb_default_arg,
      .track_writes = shmcb_track_writes },
    { .name = "memcache", .locks = MOD_OIDC_LOCK_MEMCACHE,
      .default_port = 11211, .arg_form = "its servers, as memcache:host:port" },
    { .name = "redis", .locks = MOD_OIDC_LOCK_REDIS, .default_port = 6379,
      .arg_form = "its servers, as redis:host:port",
      .track_writes = redis_track_writes },
    { .name = "dbm", .arg_form = "a file, as dbm:/path/to/file" },
};
/* Any other provider: its argument as given, locks under the mutex. */
static const store_kind_t other_kind = { .name = NULL };

static const store_kind_t *kind_of(const char *name)
{
    apr_size_t i;

    for (i = 0; i < sizeof(store_kinds) / sizeof(store_kinds[0]); i++) {
        if (strcmp(name, store_kinds[i].name) == 0) {
            return &store_kinds[i];
        }
    }
    return &other_kind;
}

const char *mod_oidc_store_check_spec(apr_pool_t *p, const char *spec)
{
    const store_kind_t *kind;
    const char *name, *arg;

    split_spec(p, spec, &name, &arg);
    if (*name == '\0') {
        return "give shmcb[:/path(bytes)], memcache:host:port or "
               "redis:host:port";
    }
    kind = kind_of(name);
    if (lookup(name) == NULL && kind->name != NULL) {
        return apr_psprintf(p, "the socache provider '%s' is not loaded: "
                            "load it with LoadModule socache_%s_module "
                            "(a2enmod socache_%s)", name, name, name);
    }
    if (lookup(name) == NULL) {
        return apr_psprintf(p, "the socache provider '%s' is not loaded: "
                            "load the module that provides it, or use "
                            "shmcb, memcache, redis or dbm", name);
    }
    if (kind->default_arg == NULL && kind->arg_form != NULL
        && (arg == NULL || *arg == '\0')) {
        return apr_psprintf(p, "%s needs %s", name, kind->arg_form);
    }
    return NULL;
}

/* mod_socache_memcache/redis say "not found" also while their client holds
 * the server for dead (for seconds after a restart), and a session the
 * module believes gone loses its cookie. So "not found" is checked with the
 * module's own client, on the key those providers use. */
static apr_status_t second_opinion(mod_oidc_store_t *g, apr_pool_t *p,
                                   const unsigned char *key,
                                   apr_size_t key_len, unsigned char *buf,
                                   unsigned int *len, apr_size_t max)
{
    const char *text = apr_pstrcat(p, STORE_NAMESPACE ":",
                                   oidc_hex_encode(p, key, key_len), NULL);
    char *val;
    apr_size_t n;
    apr_status_t rv = mod_oidc_lock_client_get(g->locks, p, text, &val, &n);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (n > max) {
        return APR_ENOSPC;
    }
    memcpy(buf, val, n);
    *len = (unsigned int)n;
    return APR_SUCCESS;
}

static apr_status_t store_get(const oidc_store_t *st, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len,
                              unsigned char **val, apr_size_t *val_len)
{
    const store_baton_t *b = st->baton;
    mod_oidc_store_t *g = b->g;
    unsigned int len = (unsigned int)b->max_record;
    unsigned char *buf = apr_palloc(p, b->max_record + 1);
    apr_status_t rv;

    if (g->mutex && apr_global_mutex_lock(g->mutex) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    rv = g->provider->retrieve(g->instance, g->server, key,
                               (unsigned int)key_len, buf, &len, p);
    if (g->mutex) {
        apr_global_mutex_unlock(g->mutex);
    }
    if (rv == APR_NOTFOUND && g->locks != NULL) {
        rv = second_opinion(g, p, key, key_len, buf, &len, b->max_record);
    }
    if (rv == APR_SUCCESS) {
        buf[len] = '\0';
        *val = buf;
        *val_len = len;
    }
    return rv;
}

static volatile apr_uint64_t *generation_of(const mod_oidc_store_t *g,
                                            const unsigned char *key,
                                            apr_size_t key_len)
{
    apr_uint64_t h = 0;
    apr_size_t i;

    /* The keys are hashes: their first bytes spread evenly. */
    for (i = 0; i < key_len && i < sizeof(h); i++) {
        h = (h << 8) | key[i];
    }
    return &g->generations[h % GENERATION_SLOTS];
}

/* The epoch of the store's change feed (mod_oidc_feed_changed_fn): 0 while
 * it cannot vouch. shmcb's counters are the whole truth: one epoch. */
static apr_uint64_t feed_epoch(const mod_oidc_store_t *g)
{
    if (g->feed != NULL) {
        return mod_oidc_feed_epoch(g->feed);
    }
    return 1;
}

/* Never 0, which says "cannot vouch" (oidc_store.h). The epoch sits high
 * above any counter, so that a record kept under an earlier one never
 * matches again. */
static apr_uint64_t store_generation(const oidc_store_t *st,
                                     const unsigned char *key,
                                     apr_size_t key_len)
{
    const mod_oidc_store_t *g = ((const store_baton_t *)st->baton)->g;
    apr_uint64_t epoch = feed_epoch(g);

    if (epoch == 0) {
        return 0;
    }
    return (apr_atomic_read64(generation_of(g, key, key_len)) | 1)
           + (epoch << 48);
}

/* After the write: a reader that took the old number may have read either
 * record, and will not trust it again. Steps of 2 keep the numbers odd. */
static void written(const mod_oidc_store_t *g, const unsigned char *key,
                    apr_size_t key_len)
{
    if (g->generations != NULL) {
        apr_atomic_add64(generation_of(g, key, key_len), 2);
    }
}

/* A key that redis reports changed. */
static void changed_elsewhere(void *baton, const unsigned char *key,
                              apr_size_t key_len)
{
    written(baton, key, key_len);
}

static apr_status_t store_put(const oidc_store_t *st, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len,
                              apr_time_t expiry, const unsigned char *val,
                              apr_size_t val_len)
{
    mod_oidc_store_t *g = ((const store_baton_t *)st->baton)->g;
    apr_status_t rv;

    if (g->mutex && apr_global_mutex_lock(g->mutex) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    rv = g->provider->store(g->instance, g->server, key,
                            (unsigned int)key_len, expiry,
                            (unsigned char *)val, (unsigned int)val_len, p);
    if (g->mutex) {
        apr_global_mutex_unlock(g->mutex);
    }
    written(g, key, key_len);
    return rv;
}

static apr_status_t store_del(const oidc_store_t *st, apr_pool_t *p,
                              const unsigned char *key, apr_size_t key_len)
{
    mod_oidc_store_t *g = ((const store_baton_t *)st->baton)->g;
    apr_status_t rv;

    if (g->mutex && apr_global_mutex_lock(g->mutex) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    rv = g->provider->remove(g->instance, g->server, key,
                             (unsigned int)key_len, p);
    if (g->mutex) {
        apr_global_mutex_unlock(g->mutex);
    }
    written(g, key, key_len);
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

/* Locks on a store of this node alone (shmcb, dbm): a lookup then an
 * insert, made atomic by the node's global mutex. */
#define LOCK_PREFIX "claim:"
#define LOCK_KEY_MAX 64

static apr_status_t local_lock(mod_oidc_store_t *g, apr_pool_t *p,
                               const unsigned char *key, apr_size_t key_len,
                               apr_interval_time_t hold, int take)
{
    unsigned char name[sizeof(LOCK_PREFIX) - 1 + LOCK_KEY_MAX];
    unsigned char buf[16], one[] = "1";
    unsigned int name_len = (unsigned int)(sizeof(LOCK_PREFIX) - 1 + key_len);
    unsigned int len = sizeof(buf);
    apr_status_t rv;

    if (key_len > LOCK_KEY_MAX) {
        return APR_EINVAL;
    }
    memcpy(name, LOCK_PREFIX, sizeof(LOCK_PREFIX) - 1);
    memcpy(name + sizeof(LOCK_PREFIX) - 1, key, key_len);
    if (apr_global_mutex_lock(g->mutex) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    if (!take) {
        rv = g->provider->remove(g->instance, g->server, name, name_len, p);
        rv = rv == APR_NOTFOUND ? APR_SUCCESS : rv;
    }
    else {
        rv = g->provider->retrieve(g->instance, g->server, name, name_len,
                                   buf, &len, p);
        if (rv == APR_SUCCESS) {
            rv = APR_EEXIST;
        }
        else if (rv == APR_NOTFOUND) {
            rv = g->provider->store(g->instance, g->server, name, name_len,
                                    apr_time_now() + hold, one, 1, p);
        }
    }
    apr_global_mutex_unlock(g->mutex);
    return rv;
}

static apr_status_t store_lock(const oidc_store_t *st, apr_pool_t *p,
                               const unsigned char *key, apr_size_t key_len,
                               apr_interval_time_t hold)
{
    mod_oidc_store_t *g = ((const store_baton_t *)st->baton)->g;

    return g->locks ? mod_oidc_lock_take(g->locks, p, key, key_len, hold)
                     : local_lock(g, p, key, key_len, hold, 1);
}

static apr_status_t store_unlock(const oidc_store_t *st, apr_pool_t *p,
                                 const unsigned char *key,
                                 apr_size_t key_len,
                                 apr_interval_time_t hold)
{
    mod_oidc_store_t *g = ((const store_baton_t *)st->baton)->g;

    return g->locks ? mod_oidc_lock_give_back(g->locks, p, key, key_len, hold)
                     : local_lock(g, p, key, key_len, hold, 0);
}

static apr_status_t store_destroy(void *data)
{
    mod_oidc_store_t *g = data;
    g->provider->destroy(g->instance, g->server);
    return APR_SUCCESS;
}

/* shmcb's own default (512 kB) holds too few sessions. */
static const char *shmcb_default_arg(apr_pool_t *pconf)
{
    return apr_pstrcat(pconf, ap_runtime_dir_relative(pconf,
                       DEFAULT_SHMCB_FILE), "(" DEFAULT_SHMCB_BYTES ")",
                       NULL);
}

/* The node's every write bumps the counters, in shared memory. */
static const char *shmcb_track_writes(mod_oidc_store_t *g, apr_pool_t *pconf,
                                      const char *arg,
                                      const apr_array_header_t *servers)
{
    apr_shm_t *shm;
    apr_size_t bytes = GENERATION_SLOTS * sizeof(apr_uint64_t);

    /* Anonymous: the children inherit it; gone with this generation. */
    if (apr_shm_create(&shm, bytes, NULL, pconf) != APR_SUCCESS) {
        return "cannot create its shared memory for write counters";
    }
    g->generations = apr_shm_baseaddr_get(shm);
    memset((void *)g->generations, 0, bytes);
    return NULL;
}

/* Each child changes its own copy of the counters, as its connection
 * reports. */
static const char *redis_track_writes(mod_oidc_store_t *g, apr_pool_t *pconf,
                                      const char *arg,
                                      const apr_array_header_t *servers)
{
    const char *err = NULL;

    g->generations = apr_pcalloc(pconf, GENERATION_SLOTS
                                        * sizeof(apr_uint64_t));
    g->feed = mod_oidc_feed_make(pconf, g->server, servers, arg,
                                 STORE_NAMESPACE ":", changed_elsewhere, g,
                                 &err);
    return g->feed != NULL ? NULL : err;
}

/* The lock client on the spec's servers, for the kinds that have them. */
static const char *make_locks(mod_oidc_store_t *g, apr_pool_t *pconf,
                              const store_kind_t *kind, const char *arg,
                              apr_array_header_t **servers)
{
    const char *err = NULL;

    if (kind->locks == 0) {
        return NULL;
    }
    *servers = mod_oidc_store_servers(pconf, arg, kind->default_port, &err);
    if (*servers == NULL) {
        return err;
    }
    g->locks = mod_oidc_lock_client_make(pconf, kind->locks, *servers, &err);
    return g->locks != NULL ? NULL : err;
}

/* A mutex where the provider is not multi-process safe, and where locks
 * are taken in the socache itself (local_lock). */
static const char *make_mutex(mod_oidc_store_t *g, apr_pool_t *pconf)
{
    const char *id;

    if (!(g->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE)
        && g->locks != NULL) {
        return NULL;
    }
    id = apr_psprintf(pconf, "%d", all_stores ? all_stores->nelts : 0);
    if (ap_global_mutex_create(&g->mutex, NULL, STORE_MUTEX_TYPE, id,
                               g->server, pconf, 0) != APR_SUCCESS) {
        return "cannot create its global mutex (see the Mutex directive)";
    }
    return NULL;
}

static const char *init_instance(mod_oidc_store_t *g, apr_pool_t *pconf)
{
    struct ap_socache_hints hints;

    memset(&hints, 0, sizeof(hints));
    hints.avg_id_len = 32;
    hints.avg_obj_size = 3072;
    hints.expiry_interval = 30;
    if (g->provider->init(g->instance, STORE_NAMESPACE, &hints, g->server,
                          pconf) != APR_SUCCESS) {
        return "the cache provider failed to initialise";
    }
    apr_pool_cleanup_register(pconf, g, store_destroy, apr_pool_cleanup_null);
    return NULL;
}

/* The core's view of g, and g among the stores child_init visits. */
static void publish(mod_oidc_store_t *g, apr_pool_t *pconf,
                    apr_size_t max_record)
{
    store_baton_t *b = apr_pcalloc(pconf, sizeof(*b));

    b->g = g;
    b->max_record = max_record;
    g->store.get = store_get;
    g->store.put = store_put;
    g->store.del = store_del;
    g->store.lock = store_lock;
    g->store.unlock = store_unlock;
    g->store.generation = g->generations ? store_generation : NULL;
    g->store.baton = b;
    if (all_stores == NULL) {
        all_stores = apr_array_make(pconf, 2, sizeof(mod_oidc_store_t *));
    }
    APR_ARRAY_PUSH(all_stores, mod_oidc_store_t *) = g;
}

mod_oidc_store_t *mod_oidc_store_open(apr_pool_t *pconf, apr_pool_t *ptemp,
                                      server_rec *s, const char *spec,
                                      apr_size_t max_record, const char **err)
{
    mod_oidc_store_t *g = apr_pcalloc(pconf, sizeof(*g));
    const store_kind_t *kind;
    apr_array_header_t *servers = NULL;
    const char *name, *arg;

    split_spec(pconf, spec, &name, &arg);
    kind = kind_of(name);
    g->spec = spec;
    g->server = s;
    g->provider = lookup(name);
    if (g->provider == NULL) {
        *err = mod_oidc_store_check_spec(ptemp, spec);
        return NULL;
    }
    if ((arg == NULL || *arg == '\0') && kind->default_arg != NULL) {
        arg = kind->default_arg(pconf);
    }
    *err = g->provider->create(&g->instance, arg, ptemp, pconf);
    if (*err == NULL) {
        *err = make_locks(g, pconf, kind, arg, &servers);
    }
    if (*err == NULL) {
        *err = make_mutex(g, pconf);
    }
    if (*err == NULL) {
        *err = init_instance(g, pconf);
    }
    if (*err == NULL && kind->track_writes != NULL) {
        *err = kind->track_writes(g, pconf, arg, servers);
    }
    if (*err != NULL) {
        return NULL;
    }
    publish(g, pconf, max_record);
    return g;
}

void mod_oidc_store_child_init(apr_pool_t *p, server_rec *s)
{
    int i;

    for (i = 0; all_stores != NULL && i < all_stores->nelts; i++) {
        mod_oidc_store_t *g = APR_ARRAY_IDX(all_stores, i,
                                            mod_oidc_store_t *);
        if (g->mutex != NULL) {
            apr_global_mutex_child_init(&g->mutex,
                apr_global_mutex_lockfile(g->mutex), p);
        }
        if (g->feed != NULL && g->keep_records) {
            mod_oidc_feed_child_init(g->feed, p);
        }
    }
}
