#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>

#include "hv_mhd.h"

struct hv_mhd_server {
    struct MHD_Daemon *daemon;
    hv_mhd_access_fn access;
    void *access_context;
    hv_mhd_log_fn log;
    void *log_context;
    hv_mhd_connection_fn connection_notify;
    hv_mhd_completed_fn completed_notify;
    hv_mhd_uri_fn uri_notify;
    /* MHD keeps pointers to these for the daemon's lifetime. */
    char *tls_cert_pem;
    char *tls_key_pem;
    char *tls_trust_pem;
};

static void hv_mhd_log_line(struct hv_mhd_server *server, const char *format, va_list args) {
    char line[1024];
    int n = vsnprintf(line, sizeof line, format, args);
    if (n < 0) {
        return;
    }
    size_t length = strnlen(line, sizeof line);
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
        line[--length] = '\0';
    }
    if (length > 0 && server->log != NULL) {
        server->log(server->log_context, line);
    }
}

/* MHD_OPTION_EXTERNAL_LOGGER target: format MHD's va_list once, hand Swift a plain string. */
static void hv_mhd_logger(void *cls, const char *format, va_list args) {
    hv_mhd_log_line((struct hv_mhd_server *)cls, format, args);
}

static void hv_mhd_log(struct hv_mhd_server *server, const char *format, ...) {
    va_list args;
    va_start(args, format);
    hv_mhd_log_line(server, format, args);
    va_end(args);
}

static enum MHD_Result hv_mhd_access(void *cls, struct MHD_Connection *connection,
                                     const char *url, const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **request_state) {
    struct hv_mhd_server *server = cls;
    /*
     * MHD 0.9.x parses the request line in place: the target starts at `url` and ends at the
     * NUL that replaced the space before `version`. Percent-decoding only shortens the target
     * behind the same start, so this span is the length of the target as sent.
     */
    long long span = -1;
    if (url != NULL && version != NULL && version[0] != '\0' && version > url &&
        (size_t)(version - url) < ((size_t)1 << 24)) {
        span = (long long)(version - url) - 1;
    }
    int result = server->access(server->access_context, connection, url, method, version, span,
                                upload_data, upload_data_size, request_state);
    return result ? MHD_YES : MHD_NO;
}

static void hv_mhd_notify_connection(void *cls, struct MHD_Connection *connection,
                                     void **socket_context, enum MHD_ConnectionNotificationCode code) {
    struct hv_mhd_server *server = cls;
    server->connection_notify(server->access_context, connection, socket_context,
                              code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : 0);
}

static void hv_mhd_notify_completed(void *cls, struct MHD_Connection *connection,
                                    void **request_state, enum MHD_RequestTerminationCode code) {
    struct hv_mhd_server *server = cls;
    server->completed_notify(server->access_context, connection, request_state, (int)code);
}

static void *hv_mhd_uri(void *cls, const char *uri, struct MHD_Connection *connection) {
    struct hv_mhd_server *server = cls;
    return server->uri_notify(server->access_context, uri, connection);
}

static char *hv_strdup_or_null(const char *text, int *failed) {
    if (text == NULL) {
        return NULL;
    }
    char *copy = strdup(text);
    if (copy == NULL) {
        *failed = 1;
    }
    return copy;
}

static void hv_mhd_free(struct hv_mhd_server *server) {
    /* Scrub key material before releasing it. */
    if (server->tls_key_pem != NULL) {
        explicit_bzero(server->tls_key_pem, strlen(server->tls_key_pem));
    }
    free(server->tls_cert_pem);
    free(server->tls_key_pem);
    free(server->tls_trust_pem);
    free(server);
}

struct hv_mhd_server *hv_mhd_start(const struct hv_mhd_config *config,
                                   hv_mhd_access_fn access, void *access_context,
                                   hv_mhd_log_fn log, void *log_context) {
    struct hv_mhd_server *server = calloc(1, sizeof *server);
    if (server == NULL) {
        return NULL;
    }
    server->access = access;
    server->access_context = access_context;
    server->log = log;
    server->log_context = log_context;
    server->connection_notify = config->connection_notify;
    server->completed_notify = config->completed_notify;
    server->uri_notify = config->uri_notify;

    int failed = 0;
    server->tls_cert_pem = hv_strdup_or_null(config->tls_cert_pem, &failed);
    server->tls_key_pem = hv_strdup_or_null(config->tls_key_pem, &failed);
    server->tls_trust_pem = hv_strdup_or_null(config->tls_trust_pem, &failed);
    if (failed) {
        hv_mhd_log(server, "out of memory copying TLS material");
        hv_mhd_free(server);
        return NULL;
    }

    unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    if (config->threading == HV_MHD_THREAD_POOL) {
        flags |= MHD_USE_EPOLL;
    } else {
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    }

    struct MHD_OptionItem options[24];
    size_t n = 0;
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)hv_mhd_logger, server };
    if (config->strict != 0) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_STRICT_FOR_CLIENT, (intptr_t)config->strict, NULL };
    }
    if (server->connection_notify != NULL) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)hv_mhd_notify_connection, server };
    }
    if (server->completed_notify != NULL) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)hv_mhd_notify_completed, server };
    }
    if (server->uri_notify != NULL) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)hv_mhd_uri, server };
    }
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)config->connection_limit, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)config->connection_timeout, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)config->connection_memory_limit, NULL };
    if (config->threading == HV_MHD_THREAD_POOL && config->thread_pool_size > 1) {
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)config->thread_pool_size, NULL };
    }
    if (server->tls_cert_pem != NULL) {
        flags |= MHD_USE_TLS;
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, server->tls_cert_pem };
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, server->tls_key_pem };
        if (server->tls_trust_pem != NULL) {
            options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, server->tls_trust_pem };
        }
        if (config->tls_priorities != NULL) {
            options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)config->tls_priorities };
        }
    }
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

    /* No listening socket: connections come in through hv_mhd_add_connection. */
    server->daemon = MHD_start_daemon(flags, 0, NULL, NULL, hv_mhd_access, server,
                                      MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    if (server->daemon == NULL) {
        hv_mhd_free(server);
        return NULL;
    }
    return server;
}

int hv_mhd_add_connection(struct hv_mhd_server *server, int fd, const void *address, unsigned int address_length) {
    return MHD_add_connection(server->daemon, fd, (const struct sockaddr *)address,
                              (socklen_t)address_length) == MHD_YES ? 1 : 0;
}

int hv_accept_nonblocking(int listen_fd, void *address, unsigned int *length) {
    socklen_t size = (socklen_t)*length;
    int fd = accept4(listen_fd, (struct sockaddr *)address, &size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    *length = (unsigned int)size;
    return fd;
}

int hv_mhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int)info->connect_fd;
}

void *hv_mhd_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

void hv_mhd_stop(struct hv_mhd_server *server) {
    if (server == NULL) {
        return;
    }
    MHD_stop_daemon(server->daemon);
    hv_mhd_free(server);
}

int hv_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t capacity) {
    if (capacity == 0) {
        return -1;
    }
    buffer[0] = '\0';
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) {
        return -1;
    }
    const struct sockaddr *address = info->client_addr;
    char host[INET6_ADDRSTRLEN];
    unsigned int port;
    int bracket = 0;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        if (inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host) == NULL) {
            return -1;
        }
        port = ntohs(v4->sin_port);
    } else if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
            if (inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], host, sizeof host) == NULL) {
                return -1;
            }
        } else {
            if (inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host) == NULL) {
                return -1;
            }
            bracket = 1;
        }
        port = ntohs(v6->sin6_port);
    } else {
        return -1;
    }
    int written = bracket ? snprintf(buffer, capacity, "[%s]:%u", host, port)
                          : snprintf(buffer, capacity, "%s:%u", host, port);
    if (written < 0 || (size_t)written >= capacity) {
        buffer[0] = '\0';
        return -1;
    }
    return 0;
}

int hv_mhd_client_certificate(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == NULL || info->tls_session == NULL) {
        return HV_MHD_CLIENT_CERT_NOT_TLS;
    }
    gnutls_session_t session = (gnutls_session_t)info->tls_session;
    unsigned int count = 0;
    if (gnutls_certificate_get_peers(session, &count) == NULL || count == 0) {
        return HV_MHD_CLIENT_CERT_MISSING;
    }
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS || status != 0) {
        return HV_MHD_CLIENT_CERT_INVALID;
    }
    return HV_MHD_CLIENT_CERT_VERIFIED;
}
