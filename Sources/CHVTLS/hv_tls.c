#include "hv_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct hv_tls_client {
    gnutls_session_t session;
    gnutls_certificate_credentials_t credentials;
    int fd;
};

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the direction gnutls is blocked on. 1 ready, 0 deadline passed, -1 poll failed. */
static int wait_for(struct hv_tls_client *c, long long deadline) {
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = {
            .fd = c->fd,
            .events = gnutls_record_get_direction(c->session) ? POLLOUT : POLLIN,
        };
        int rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (rc > 0) return 1;
        if (rc < 0 && errno != EINTR) return -1;
    }
}

__attribute__((format(printf, 3, 4)))
static void say(char *message, size_t size, const char *fmt, ...) {
    if (!message || !size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, size, fmt, ap);
    va_end(ap);
}

static int is_ip_address(const char *name) {
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

void hv_tls_client_close(struct hv_tls_client *c) {
    if (!c) return;
    if (c->session) {
        /* Best effort: one non-blocking try, never a wait. */
        gnutls_bye(c->session, GNUTLS_SHUT_WR);
        gnutls_deinit(c->session);
    }
    if (c->credentials) gnutls_certificate_free_credentials(c->credentials);
    free(c);
}

int hv_tls_client_open(int fd, const struct hv_tls_client_config *config, int timeout_ms,
                       struct hv_tls_client **out, char *message, size_t message_size) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    *out = NULL;
    struct hv_tls_client *c = calloc(1, sizeof *c);
    if (!c) { say(message, message_size, "out of memory"); return HV_TLS_ERROR; }
    c->fd = fd;
    int rc = gnutls_certificate_allocate_credentials(&c->credentials);
    if (rc < 0) {
        say(message, message_size, "TLS credentials: %s", gnutls_strerror(rc));
        hv_tls_client_close(c);
        return HV_TLS_ERROR;
    }
    if (config->ca_file) {
        rc = gnutls_certificate_set_x509_trust_file(c->credentials, config->ca_file, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            say(message, message_size, "cannot load the CA file %s: %s", config->ca_file,
                rc == 0 ? "no PEM certificate in it" : gnutls_strerror(rc));
            hv_tls_client_close(c);
            return HV_TLS_CONFIG;
        }
    } else {
        rc = gnutls_certificate_set_x509_system_trust(c->credentials);
        if (rc <= 0) {
            say(message, message_size, "no system trust store (%s); give the daemon's CA with --tls.ca-file",
                rc == 0 ? "no certificates" : gnutls_strerror(rc));
            hv_tls_client_close(c);
            return HV_TLS_CONFIG;
        }
    }
    if (config->cert_file || config->key_file) {
        if (!config->cert_file || !config->key_file) {
            say(message, message_size, "a client certificate needs both a certificate and a key file");
            hv_tls_client_close(c);
            return HV_TLS_CONFIG;
        }
        rc = gnutls_certificate_set_x509_key_file(c->credentials, config->cert_file, config->key_file, GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            say(message, message_size, "cannot load the client certificate %s and key %s: %s",
                config->cert_file, config->key_file, gnutls_strerror(rc));
            hv_tls_client_close(c);
            return HV_TLS_CONFIG;
        }
    }

    rc = gnutls_init(&c->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
    if (rc < 0) {
        c->session = NULL;
        say(message, message_size, "TLS session: %s", gnutls_strerror(rc));
        hv_tls_client_close(c);
        return HV_TLS_ERROR;
    }
    if ((rc = gnutls_set_default_priority(c->session)) < 0 ||
        (rc = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, c->credentials)) < 0) {
        say(message, message_size, "TLS session: %s", gnutls_strerror(rc));
        hv_tls_client_close(c);
        return HV_TLS_ERROR;
    }
    if (config->server_name && config->server_name[0]) {
        if (!is_ip_address(config->server_name))
            gnutls_server_name_set(c->session, GNUTLS_NAME_DNS, config->server_name, strlen(config->server_name));
        gnutls_session_set_verify_cert(c->session, config->server_name, 0);
    } else {
        gnutls_session_set_verify_cert(c->session, NULL, 0);
    }
    gnutls_transport_set_int(c->session, fd);

    for (;;) {
        rc = gnutls_handshake(c->session);
        if (rc == GNUTLS_E_SUCCESS) break;
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            int w = wait_for(c, deadline);
            if (w == 0) {
                say(message, message_size, "TLS handshake timed out");
                hv_tls_client_close(c);
                return HV_TLS_TIMEOUT;
            }
            if (w < 0) {
                say(message, message_size, "poll: %s", strerror(errno));
                hv_tls_client_close(c);
                return HV_TLS_ERROR;
            }
            continue;
        }
        if (!gnutls_error_is_fatal(rc)) continue;   /* a warning alert: go on */
        int status = HV_TLS_ERROR;
        if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
            unsigned verify = gnutls_session_get_verify_cert_status(c->session);
            gnutls_datum_t text = { NULL, 0 };
            if (gnutls_certificate_verification_status_print(verify, GNUTLS_CRT_X509, &text, 0) >= 0 && text.data) {
                say(message, message_size, "server certificate rejected: %s", (const char *)text.data);
                gnutls_free(text.data);
            } else {
                say(message, message_size, "server certificate rejected: %s", gnutls_strerror(rc));
            }
            status = HV_TLS_CERTIFICATE;
        } else if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            gnutls_alert_description_t alert = gnutls_alert_get(c->session);
            const char *name = gnutls_alert_get_name(alert);
            if (alert == GNUTLS_A_CERTIFICATE_REQUIRED || alert == GNUTLS_A_BAD_CERTIFICATE ||
                alert == GNUTLS_A_UNKNOWN_CA || alert == GNUTLS_A_HANDSHAKE_FAILURE ||
                alert == GNUTLS_A_CERTIFICATE_UNKNOWN || alert == GNUTLS_A_ACCESS_DENIED) {
                say(message, message_size, "the server refused the TLS handshake (alert: %s)%s", name ? name : "unknown",
                    config->cert_file ? "; is the client certificate signed by a CA the daemon trusts?"
                                      : "; it may require a client certificate (--tls.cert-file, --tls.key-file)");
                status = HV_TLS_REFUSED;
            } else {
                say(message, message_size, "the server ended the TLS handshake (alert: %s)", name ? name : "unknown");
            }
        } else if (rc == GNUTLS_E_UNEXPECTED_PACKET_LENGTH || rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET ||
                   rc == GNUTLS_E_UNEXPECTED_PACKET) {
            say(message, message_size, "TLS handshake failed (%s); does the daemon serve plain HTTP? then use http://",
                gnutls_strerror(rc));
        } else if (rc == GNUTLS_E_PREMATURE_TERMINATION || rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR) {
            say(message, message_size, "the connection closed during the TLS handshake (%s)%s", gnutls_strerror(rc),
                config->cert_file ? "" : "; the daemon may require a client certificate (--tls.cert-file, --tls.key-file)");
            status = HV_TLS_REFUSED;
        } else {
            say(message, message_size, "TLS handshake failed: %s", gnutls_strerror(rc));
        }
        hv_tls_client_close(c);
        return status;
    }
    *out = c;
    return 0;
}

ssize_t hv_tls_client_send(struct hv_tls_client *c, const void *data, size_t length,
                           int timeout_ms, char *message, size_t message_size) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        ssize_t n = gnutls_record_send(c->session, data, length);
        if (n >= 0) return n;
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            int w = wait_for(c, deadline);
            if (w == 0) { say(message, message_size, "sending over TLS timed out"); return HV_TLS_TIMEOUT; }
            if (w < 0) { say(message, message_size, "poll: %s", strerror(errno)); return HV_TLS_ERROR; }
            continue;
        }
        say(message, message_size, "TLS send: %s", gnutls_strerror((int)n));
        return HV_TLS_ERROR;
    }
}

ssize_t hv_tls_client_recv(struct hv_tls_client *c, void *buffer, size_t capacity,
                           int timeout_ms, char *message, size_t message_size) {
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        ssize_t n = gnutls_record_recv(c->session, buffer, capacity);
        if (n >= 0) return n;
        if (n == GNUTLS_E_PREMATURE_TERMINATION) return 0;
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            int w = wait_for(c, deadline);
            if (w == 0) { say(message, message_size, "receiving over TLS timed out"); return HV_TLS_TIMEOUT; }
            if (w < 0) { say(message, message_size, "poll: %s", strerror(errno)); return HV_TLS_ERROR; }
            continue;
        }
        if (n == GNUTLS_E_REHANDSHAKE) continue;   /* refused implicitly: keep reading */
        if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            /* TLS 1.3: a server that rejects the client certificate says so after the handshake. */
            gnutls_alert_description_t alert = gnutls_alert_get(c->session);
            const char *name = gnutls_alert_get_name(alert);
            if (alert == GNUTLS_A_CERTIFICATE_REQUIRED || alert == GNUTLS_A_BAD_CERTIFICATE ||
                alert == GNUTLS_A_UNKNOWN_CA || alert == GNUTLS_A_CERTIFICATE_UNKNOWN || alert == GNUTLS_A_ACCESS_DENIED) {
                say(message, message_size, "the server refused the TLS session (alert: %s); %s", name ? name : "unknown",
                    "it requires a client certificate signed by a CA it trusts (--tls.cert-file, --tls.key-file)");
                return HV_TLS_REFUSED;
            }
            say(message, message_size, "the server sent a TLS alert: %s", name ? name : "unknown");
            return HV_TLS_ERROR;
        }
        if (!gnutls_error_is_fatal((int)n)) continue;
        say(message, message_size, "TLS receive: %s", gnutls_strerror((int)n));
        return HV_TLS_ERROR;
    }
}
