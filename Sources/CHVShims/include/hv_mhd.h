#ifndef HV_MHD_H
#define HV_MHD_H
/*
 * libmicrohttpd shims for HVHTTP: MHD_start_daemon and MHD_get_connection_info are variadic,
 * MHD's logger hands out a va_list. Only forward declarations of MHD types appear here so that
 * Swift sees the same opaque pointers as through the CMicroHTTPD module.
 */
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;

/** A running daemon plus the callbacks and TLS material it owns (opaque). */
struct hv_mhd_server;

/**
 * The access handler, same contract as MHD_AccessHandlerCallback minus the HTTP version.
 * Returns 1 (MHD_YES) to go on with the connection, 0 (MHD_NO) to close it.
 */
typedef int (*hv_mhd_access_fn)(void *context, struct MHD_Connection *connection,
                                const char *url, const char *method,
                                const char *upload_data, size_t *upload_data_size,
                                void **request_state);

/** Receives one formatted MHD error-log line (no trailing newline). */
typedef void (*hv_mhd_log_fn)(void *context, const char *message);

enum hv_mhd_threading {
    /** MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL. */
    HV_MHD_THREAD_PER_CONNECTION = 0,
    /** MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL + MHD_OPTION_THREAD_POOL_SIZE. */
    HV_MHD_THREAD_POOL = 1,
};

struct hv_mhd_config {
    /**
     * A bound, listening socket. MHD gets a duplicate (MHD_OPTION_LISTEN_SOCKET) that it closes
     * on stop; this descriptor stays the caller's to close, whether or not the start succeeds.
     */
    int listen_fd;
    int threading;                       /* enum hv_mhd_threading */
    unsigned int thread_pool_size;       /* HV_MHD_THREAD_POOL only */
    unsigned int connection_limit;       /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned int connection_timeout;     /* MHD_OPTION_CONNECTION_TIMEOUT, seconds, 0 = none */
    size_t connection_memory_limit;      /* MHD_OPTION_CONNECTION_MEMORY_LIMIT, bytes */
    const char *tls_cert_pem;            /* NULL: plain HTTP; else MHD_USE_TLS + HTTPS_MEM_CERT */
    const char *tls_key_pem;             /* MHD_OPTION_HTTPS_MEM_KEY */
    const char *tls_trust_pem;           /* MHD_OPTION_HTTPS_MEM_TRUST (client CAs) or NULL */
    const char *tls_priorities;          /* MHD_OPTION_HTTPS_PRIORITIES or NULL */
};

/**
 * Starts a daemon (MHD_start_daemon with MHD_OPTION_ARRAY). PEM strings are copied. Returns NULL
 * on failure; the reason has then been passed to `log`. Both contexts must outlive the server.
 */
struct hv_mhd_server *hv_mhd_start(const struct hv_mhd_config *config,
                                   hv_mhd_access_fn access, void *access_context,
                                   hv_mhd_log_fn log, void *log_context);

/** Stops the daemon (MHD_stop_daemon: joins every connection thread) and frees the server. */
void hv_mhd_stop(struct hv_mhd_server *server);

/**
 * Writes the peer address as "1.2.3.4:port" or "[v6]:port" (IPv4-mapped IPv6 shown as IPv4)
 * into buffer (MHD_get_connection_info / MHD_CONNECTION_INFO_CLIENT_ADDRESS + inet_ntop).
 * Returns 0 on success, -1 when unknown (buffer then holds "").
 */
int hv_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t capacity);

enum hv_mhd_client_cert {
    HV_MHD_CLIENT_CERT_VERIFIED = 1,
    HV_MHD_CLIENT_CERT_MISSING = 0,
    HV_MHD_CLIENT_CERT_INVALID = -1,
    HV_MHD_CLIENT_CERT_NOT_TLS = -2,
};

/**
 * Verifies the TLS client certificate against the daemon's trust list
 * (MHD_CONNECTION_INFO_GNUTLS_SESSION + gnutls_certificate_verify_peers2).
 */
int hv_mhd_client_certificate(struct MHD_Connection *connection);

#endif
