/*
 * tcp_states.h - the TCP state machine, written down once.
 *
 * This is the single source of truth for TCP states in socklab. The state
 * diagrams (diagrams/), the grader's check of a recorded state path
 * (harness/), the lab programs and the reference page in the docs are all
 * generated from, or checked against, the tables declared here.
 *
 * Two vocabularies meet here:
 *   - RFC 9293 (Figure 5) names 11 states, e.g. "SYN-RCVD", "FIN-WAIT-1".
 *   - Linux numbers its states in include/net/tcp_states.h (TCP_SYN_RECV,
 *     TCP_FIN_WAIT1, ...); those numbers are what TCP_INFO, sock_diag and
 *     /proc/net/tcp report (ss prints its own spellings: ESTAB, SYN-RECV,
 *     FIN-WAIT-1, UNCONN for CLOSE). Linux has one CLOSE state for both
 *     "not yet opened" and "fully closed", and an extra NEW_SYN_RECV for
 *     half-open requests that are not yet full sockets; both map onto the
 *     RFC states below.
 */
#ifndef SOCKLAB_TCP_STATES_H
#define SOCKLAB_TCP_STATES_H

#include <stdbool.h>
#include <stddef.h>

/* The 11 states of RFC 9293, in the order the RFC's Figure 5 reads. */
enum sl_state {
    SL_CLOSED,
    SL_LISTEN,
    SL_SYN_SENT,
    SL_SYN_RCVD,
    SL_ESTABLISHED,
    SL_FIN_WAIT_1,
    SL_FIN_WAIT_2,
    SL_CLOSE_WAIT,
    SL_CLOSING,
    SL_LAST_ACK,
    SL_TIME_WAIT,
    SL_NSTATES
};

struct sl_state_info {
    enum sl_state state;
    const char *rfc_name;   /* "SYN-RCVD": the name in RFC 9293 */
    const char *linux_name; /* "SYN_RECV": the kernel's name, TCP_SYN_RECV without TCP_ */
    int linux_number;       /* TCP_SYN_RECV = 3 in include/net/tcp_states.h */
};

/*
 * Which of the usual paths through the machine a transition belongs to.
 * The RFC's figure draws the client's path (active open, active close) and
 * the server's path (passive open, passive close) differently; everything
 * else (simultaneous open or close, aborts) is OTHER.
 */
enum sl_path {
    SL_PATH_CLIENT,
    SL_PATH_SERVER,
    SL_PATH_OTHER
};

struct sl_transition {
    enum sl_state from;
    enum sl_state to;
    const char *event;  /* what happens: "rcv SYN", "CLOSE", "Timeout=2MSL" */
    const char *action; /* what TCP does in response, "" when nothing is sent */
    enum sl_path path;
};

/* Indexed by enum sl_state. */
extern const struct sl_state_info sl_states[SL_NSTATES];

/* The 20 transitions of RFC 9293 Figure 5. */
extern const struct sl_transition sl_transitions[];
extern const size_t sl_ntransitions;

/* "SYN-RCVD" for SL_SYN_RCVD; "?" for a value out of range. */
const char *sl_state_name(enum sl_state state);

/* "SYN_RECV" for SL_SYN_RCVD, the kernel's name; "?" out of range. */
const char *sl_state_linux_name(enum sl_state state);

/*
 * Map a Linux state number (TCP_INFO's tcpi_state, sock_diag's idiag_state,
 * the hex "st" column of /proc/net/tcp) to an RFC state. TCP_NEW_SYN_RECV
 * maps to SL_SYN_RCVD and TCP_CLOSE to SL_CLOSED. Returns -1 for a number
 * that is not a TCP state.
 */
int sl_state_from_linux(int linux_state);

/*
 * Parse a state name as a person would type it: the RFC name ("FIN-WAIT-1"),
 * the Linux name ("FIN_WAIT1"), any case, '-' and '_' alike, and ss's
 * spellings ("ESTAB", "SYN-RECV", "UNCONN"). Returns the state, or -1 if the name is not a state.
 */
int sl_state_parse(const char *name);

/* The transition from -> to in the table, or NULL when TCP never moves so. */
const struct sl_transition *sl_find_transition(enum sl_state from, enum sl_state to);

/* Convenience for checkers: is from -> to one of the 20 transitions? */
bool sl_transition_is_legal(enum sl_state from, enum sl_state to);

/*
 * A program that looks at a socket's state now and then can miss a state
 * the kernel enters and leaves on its own: from -> B on one event, then
 * B -> to on receiving a segment ("rcv ..."), between two looks. This
 * returns that B for a step from -> to that is not itself a transition, or
 * -1 when no single state fits. Where two fit (FIN-WAIT-1 -> TIME-WAIT: via
 * FIN-WAIT-2, or via CLOSING when both FINs cross), the one on the usual
 * client and server paths is returned.
 */
int sl_state_passed_unseen(enum sl_state from, enum sl_state to);

#endif
