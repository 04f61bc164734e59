/*
 * net.h - small socket helpers every lab uses: addresses (IPv4 and IPv6)
 * parsed and printed, the 5-tuple, and errors reported the way the labs
 * report them: "call: ENAME (message)".
 *
 * Functions return -1 and leave errno set when they fail, like the system
 * calls they wrap, so a caller can report the error with sl_perror().
 */
#ifndef SOCKLAB_NET_H
#define SOCKLAB_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/* Big enough for "[ffff:...:ffff%interface]:65535". */
#define SL_ADDRSTRLEN 80

/*
 * The 5-tuple that names one TCP connection: protocol, local address and
 * port, remote address and port. Addresses are kept as sockaddr_storage, so
 * one type serves IPv4 and IPv6; ports inside are in network byte order, as
 * the kernel gives them.
 */
struct sl_five_tuple {
    int protocol; /* IPPROTO_TCP */
    struct sockaddr_storage local;
    struct sockaddr_storage remote;
};

/*
 * Parse "127.0.0.1", "::1" or "[::1]" and a port (host byte order) into
 * *addr, setting *len to the size of the family's sockaddr.
 * Returns 0, or -1 with errno EINVAL if the text is not an address.
 */
int sl_addr_parse(const char *text, uint16_t port, struct sockaddr_storage *addr, socklen_t *len);

/*
 * Parse "host:port" ("127.0.0.1:8080", "[::1]:8080") into *addr.
 * Returns 0, or -1 with errno EINVAL.
 */
int sl_endpoint_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len);

/* Size of the sockaddr for addr's family (sockaddr_in or sockaddr_in6), 0 if neither. */
socklen_t sl_addr_len(const struct sockaddr *addr);

/* Port in host byte order; 0 for a family that has no port. */
uint16_t sl_addr_port(const struct sockaddr *addr);

/* Set the port (given in host byte order). */
void sl_addr_set_port(struct sockaddr *addr, uint16_t port);

/* Same family, address and port? */
bool sl_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* Same family and address, ports ignored? */
bool sl_addr_same_host(const struct sockaddr *a, const struct sockaddr *b);

/*
 * Format as "127.0.0.1:5000" or "[::1]:5000" into buf (SL_ADDRSTRLEN bytes
 * is always enough). Returns buf, which holds "?" for an unknown family.
 */
char *sl_addr_format(const struct sockaddr *addr, char *buf, size_t size);

/* Print "tcp 127.0.0.1:41234 -> 127.0.0.1:5000" (no newline). */
void sl_five_tuple_print(FILE *out, const struct sl_five_tuple *tuple);

/*
 * The mirror image of a tuple: local and remote swapped. What the client
 * calls local, the server calls remote.
 */
void sl_five_tuple_mirror(const struct sl_five_tuple *in, struct sl_five_tuple *out);

/* Same protocol and the same addresses and ports on both ends? */
bool sl_five_tuple_equal(const struct sl_five_tuple *a, const struct sl_five_tuple *b);

/* "EADDRINUSE" for EADDRINUSE; "E???" for a number it does not know. */
const char *sl_errno_name(int err);

/* Print "call: ENAME (message)" for the current errno to stderr. */
void sl_perror(const char *call);

/* sl_perror(call), then exit(1): for walk-through programs. */
void sl_die(const char *call) __attribute__((noreturn));

/*
 * Wait until fd is readable (or has an error or EOF) for at most timeout_ms.
 * Returns 1 if ready, 0 on timeout, -1 on error.
 */
int sl_wait_readable(int fd, int timeout_ms);

/* Milliseconds from a monotonic clock, for deadlines. */
long long sl_now_ms(void);

#endif
