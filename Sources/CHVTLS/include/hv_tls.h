#ifndef HV_TLS_H
#define HV_TLS_H
/*
 * A TLS client session for hvtop (gnutls), on a socket the caller connected and set
 * O_NONBLOCK. Every call takes the milliseconds it may wait (poll on the socket), so the
 * caller keeps one deadline for connect, handshake and the whole response. Only the HVTop
 * module imports this; gnutls types never appear here.
 */
#include <stddef.h>
#include <sys/types.h>

/** A client session plus its credentials (opaque). */
struct hv_tls_client;

/** What the session trusts and presents; every string may be NULL. */
struct hv_tls_client_config {
    /** PEM file of the CAs to trust; NULL: the system trust store. */
    const char *ca_file;
    /** PEM client certificate and its key, for servers that require one (mTLS); both or none. */
    const char *cert_file;
    const char *key_file;
    /**
     * The name the server certificate must carry (DNS name, or IP address matched against IP
     * subjectAltNames). Also sent as SNI unless it is an IP address. NULL: no name check
     * (the chain is still verified).
     */
    const char *server_name;
};

/** Results below zero. */
enum hv_tls_status {
    /** Socket or protocol failure (the message says which). */
    HV_TLS_ERROR = -1,
    /** The wait allowed for this call ran out. */
    HV_TLS_TIMEOUT = -2,
    /** The server certificate failed verification: untrusted issuer, expired, wrong name... */
    HV_TLS_CERTIFICATE = -3,
    /** The local files could not be loaded (CA, client certificate or key). */
    HV_TLS_CONFIG = -4,
    /** The server refused the handshake for want of a (valid) client certificate. */
    HV_TLS_REFUSED = -5,
};

/**
 * Loads the credentials, starts a session on `fd` and completes the handshake within
 * `timeout_ms` (gnutls_certificate_set_x509_trust_file / _system_trust, _key_file,
 * gnutls_server_name_set, gnutls_session_set_verify_cert, gnutls_handshake). Returns 0 and
 * sets `*out`, or an hv_tls_status with a one-line reason in `message`. `fd` stays the
 * caller's to close.
 */
int hv_tls_client_open(int fd, const struct hv_tls_client_config *config, int timeout_ms,
                       struct hv_tls_client **out, char *message, size_t message_size);

/**
 * Sends up to `length` bytes (gnutls_record_send), waiting at most `timeout_ms` for the socket.
 * Returns the bytes sent (> 0) or an hv_tls_status with `message` filled.
 */
ssize_t hv_tls_client_send(struct hv_tls_client *client, const void *data, size_t length,
                           int timeout_ms, char *message, size_t message_size);

/**
 * Receives up to `capacity` bytes (gnutls_record_recv), waiting at most `timeout_ms`. Returns
 * the bytes received, 0 when the server closed (close_notify, or TCP closed without it: the
 * caller checks Content-Length), or an hv_tls_status with `message` filled.
 */
ssize_t hv_tls_client_recv(struct hv_tls_client *client, void *buffer, size_t capacity,
                           int timeout_ms, char *message, size_t message_size);

/** Sends close_notify if the socket takes it at once (never waits), frees the session. */
void hv_tls_client_close(struct hv_tls_client *client);

#endif
