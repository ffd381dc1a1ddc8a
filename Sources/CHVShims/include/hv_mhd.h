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
 * The access handler, same contract as MHD_AccessHandlerCallback. `request_target_span` is the
 * number of bytes between the start of the request target and the HTTP version in the request
 * line (-1 when unknown): a request target that is shorter as a C string (strlen of the raw
 * target seen by hv_mhd_uri_fn) held a NUL byte. Returns 1 (MHD_YES) to go on with the
 * connection, 0 (MHD_NO) to close it.
 */
typedef int (*hv_mhd_access_fn)(void *context, struct MHD_Connection *connection,
                                const char *url, const char *method, const char *version,
                                long long request_target_span,
                                const char *upload_data, size_t *upload_data_size,
                                void **request_state);

/** Receives one formatted MHD error-log line (no trailing newline). */
typedef void (*hv_mhd_log_fn)(void *context, const char *message);

/**
 * MHD_OPTION_NOTIFY_CONNECTION: `started` is 1 when MHD takes the connection on (daemon thread),
 * 0 when it is gone (its socket is closed right after this returns). `socket_context` is MHD's
 * per-connection pointer, NULL at start, read back with hv_mhd_socket_context.
 */
typedef void (*hv_mhd_connection_fn)(void *context, struct MHD_Connection *connection,
                                     void **socket_context, int started);

/**
 * MHD_OPTION_NOTIFY_COMPLETED: one request of the connection is over (response sent, or the
 * connection closed). `request_state` is the access handler's per-request pointer.
 */
typedef void (*hv_mhd_completed_fn)(void *context, struct MHD_Connection *connection,
                                    void **request_state, int termination_code);

/**
 * MHD_OPTION_URI_LOG_CALLBACK: the request target as sent (before percent-decoding and before
 * the query is split off), as soon as the request line is parsed. The return value becomes the
 * request's initial `request_state`.
 */
typedef void *(*hv_mhd_uri_fn)(void *context, const char *uri, struct MHD_Connection *connection);

enum hv_mhd_threading {
    /** MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL. */
    HV_MHD_THREAD_PER_CONNECTION = 0,
    /** MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL + MHD_OPTION_THREAD_POOL_SIZE. */
    HV_MHD_THREAD_POOL = 1,
};

struct hv_mhd_config {
    /*
     * No listening socket: the caller accepts and hands connections over with
     * hv_mhd_add_connection (MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC).
     */
    int threading;                       /* enum hv_mhd_threading */
    unsigned int thread_pool_size;       /* HV_MHD_THREAD_POOL only */
    unsigned int connection_limit;       /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned int connection_timeout;     /* MHD_OPTION_CONNECTION_TIMEOUT, seconds, 0 = none */
    size_t connection_memory_limit;      /* MHD_OPTION_CONNECTION_MEMORY_LIMIT, bytes */
    const char *tls_cert_pem;            /* NULL: plain HTTP; else MHD_USE_TLS + HTTPS_MEM_CERT */
    const char *tls_key_pem;             /* MHD_OPTION_HTTPS_MEM_KEY */
    const char *tls_trust_pem;           /* MHD_OPTION_HTTPS_MEM_TRUST (client CAs) or NULL */
    const char *tls_priorities;          /* MHD_OPTION_HTTPS_PRIORITIES or NULL */
    int strict;                          /* MHD_OPTION_STRICT_FOR_CLIENT (1: Host required, no spaces in the target) */
    hv_mhd_connection_fn connection_notify; /* MHD_OPTION_NOTIFY_CONNECTION or NULL */
    hv_mhd_completed_fn completed_notify;   /* MHD_OPTION_NOTIFY_COMPLETED or NULL */
    hv_mhd_uri_fn uri_notify;               /* MHD_OPTION_URI_LOG_CALLBACK or NULL */
};

/**
 * Starts a daemon (MHD_start_daemon with MHD_OPTION_ARRAY). PEM strings are copied. Returns NULL
 * on failure; the reason has then been passed to `log`. Both contexts must outlive the server;
 * `access_context` is also the context of the three notify callbacks.
 */
struct hv_mhd_server *hv_mhd_start(const struct hv_mhd_config *config,
                                   hv_mhd_access_fn access, void *access_context,
                                   hv_mhd_log_fn log, void *log_context);

/** Stops the daemon (MHD_stop_daemon: joins every connection thread) and frees the server. */
void hv_mhd_stop(struct hv_mhd_server *server);

/**
 * Hands an accepted, non-blocking socket to the daemon (MHD_add_connection). MHD owns and closes
 * it from now on, also when this fails. Returns 1 on success, 0 on failure.
 */
int hv_mhd_add_connection(struct hv_mhd_server *server, int fd, const void *address, unsigned int address_length);

/**
 * accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (not visible to Swift without _GNU_SOURCE).
 * `address` points to a sockaddr_storage; `*length` its size in, the address length out.
 */
int hv_accept_nonblocking(int listen_fd, void *address, unsigned int *length);

/** The connection's socket (MHD_CONNECTION_INFO_CONNECTION_FD), -1 if unknown. */
int hv_mhd_connection_fd(struct MHD_Connection *connection);

/** The connection's socket context (MHD_CONNECTION_INFO_SOCKET_CONTEXT), NULL if none. */
void *hv_mhd_socket_context(struct MHD_Connection *connection);

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
