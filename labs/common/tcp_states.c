/*
 * tcp_states.c - the TCP state and transition tables (RFC 9293 Figure 5),
 * with the Linux names and numbers beside them. See tcp_states.h.
 */
#include "tcp_states.h"

#include <ctype.h>
#include <string.h>

/* Linux numbers from include/net/tcp_states.h. */
const struct sl_state_info sl_states[SL_NSTATES] = {
    [SL_CLOSED]      = { SL_CLOSED,      "CLOSED",      "CLOSE",      7 },
    [SL_LISTEN]      = { SL_LISTEN,      "LISTEN",      "LISTEN",     10 },
    [SL_SYN_SENT]    = { SL_SYN_SENT,    "SYN-SENT",    "SYN_SENT",   2 },
    [SL_SYN_RCVD]    = { SL_SYN_RCVD,    "SYN-RCVD",    "SYN_RECV",   3 },
    [SL_ESTABLISHED] = { SL_ESTABLISHED, "ESTABLISHED", "ESTABLISHED", 1 },
    [SL_FIN_WAIT_1]  = { SL_FIN_WAIT_1,  "FIN-WAIT-1",  "FIN_WAIT1",  4 },
    [SL_FIN_WAIT_2]  = { SL_FIN_WAIT_2,  "FIN-WAIT-2",  "FIN_WAIT2",  5 },
    [SL_CLOSE_WAIT]  = { SL_CLOSE_WAIT,  "CLOSE-WAIT",  "CLOSE_WAIT", 8 },
    [SL_CLOSING]     = { SL_CLOSING,     "CLOSING",     "CLOSING",    11 },
    [SL_LAST_ACK]    = { SL_LAST_ACK,    "LAST-ACK",    "LAST_ACK",   9 },
    [SL_TIME_WAIT]   = { SL_TIME_WAIT,   "TIME-WAIT",   "TIME_WAIT",  6 },
};

/* Linux's TCP_NEW_SYN_RECV: a handshake request that is not a full socket yet. */
enum { LINUX_TCP_NEW_SYN_RECV = 12 };

/* RFC 9293 Figure 5, transition by transition. */
const struct sl_transition sl_transitions[] = {
    /* opening */
    { SL_CLOSED,      SL_LISTEN,      "passive OPEN",    "create TCB",          SL_PATH_SERVER },
    { SL_CLOSED,      SL_SYN_SENT,    "active OPEN",     "create TCB, snd SYN", SL_PATH_CLIENT },
    { SL_LISTEN,      SL_CLOSED,      "CLOSE",           "delete TCB",          SL_PATH_OTHER },
    { SL_LISTEN,      SL_SYN_RCVD,    "rcv SYN",         "snd SYN,ACK",         SL_PATH_SERVER },
    { SL_LISTEN,      SL_SYN_SENT,    "SEND",            "snd SYN",             SL_PATH_OTHER },
    { SL_SYN_SENT,    SL_CLOSED,      "CLOSE",           "delete TCB",          SL_PATH_OTHER },
    { SL_SYN_SENT,    SL_SYN_RCVD,    "rcv SYN",         "snd SYN,ACK",         SL_PATH_OTHER },
    { SL_SYN_SENT,    SL_ESTABLISHED, "rcv SYN,ACK",     "snd ACK",             SL_PATH_CLIENT },
    { SL_SYN_RCVD,    SL_ESTABLISHED, "rcv ACK of SYN",  "",                    SL_PATH_SERVER },
    { SL_SYN_RCVD,    SL_LISTEN,      "rcv RST",         "",                    SL_PATH_OTHER },
    { SL_SYN_RCVD,    SL_FIN_WAIT_1,  "CLOSE",           "snd FIN",             SL_PATH_OTHER },
    /* closing */
    { SL_ESTABLISHED, SL_FIN_WAIT_1,  "CLOSE",           "snd FIN",             SL_PATH_CLIENT },
    { SL_ESTABLISHED, SL_CLOSE_WAIT,  "rcv FIN",         "snd ACK",             SL_PATH_SERVER },
    { SL_FIN_WAIT_1,  SL_FIN_WAIT_2,  "rcv ACK of FIN",  "",                    SL_PATH_CLIENT },
    { SL_FIN_WAIT_1,  SL_CLOSING,     "rcv FIN",         "snd ACK",             SL_PATH_OTHER },
    { SL_CLOSE_WAIT,  SL_LAST_ACK,    "CLOSE",           "snd FIN",             SL_PATH_SERVER },
    { SL_FIN_WAIT_2,  SL_TIME_WAIT,   "rcv FIN",         "snd ACK",             SL_PATH_CLIENT },
    { SL_CLOSING,     SL_TIME_WAIT,   "rcv ACK of FIN",  "",                    SL_PATH_OTHER },
    { SL_LAST_ACK,    SL_CLOSED,      "rcv ACK of FIN",  "",                    SL_PATH_SERVER },
    { SL_TIME_WAIT,   SL_CLOSED,      "Timeout=2MSL",    "delete TCB",          SL_PATH_CLIENT },
};
const size_t sl_ntransitions = sizeof sl_transitions / sizeof sl_transitions[0];

static bool state_in_range(enum sl_state state)
{
    return (int)state >= 0 && state < SL_NSTATES;
}

const char *sl_state_name(enum sl_state state)
{
    return state_in_range(state) ? sl_states[state].rfc_name : "?";
}

const char *sl_state_linux_name(enum sl_state state)
{
    return state_in_range(state) ? sl_states[state].linux_name : "?";
}

int sl_state_from_linux(int linux_state)
{
    if (linux_state == LINUX_TCP_NEW_SYN_RECV)
        return SL_SYN_RCVD;
    for (int s = 0; s < SL_NSTATES; s++)
        if (sl_states[s].linux_number == linux_state)
            return s;
    return -1;
}

/* Compare two names ignoring case, '-' and '_' ("FIN-WAIT-1" == "fin_wait1"). */
static bool same_name(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (*a == '\0' || *b == '\0')
            return *a == *b;
        if (toupper((unsigned char)*a) != toupper((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

int sl_state_parse(const char *name)
{
    if (name == NULL)
        return -1;
    if (same_name(name, "ESTAB"))
        return SL_ESTABLISHED;
    if (same_name(name, "NEW_SYN_RECV"))
        return SL_SYN_RCVD;
    if (same_name(name, "UNCONN")) /* ss's name for CLOSE */
        return SL_CLOSED;
    for (int s = 0; s < SL_NSTATES; s++)
        if (same_name(name, sl_states[s].rfc_name) || same_name(name, sl_states[s].linux_name))
            return s;
    return -1;
}

const struct sl_transition *sl_find_transition(enum sl_state from, enum sl_state to)
{
    for (size_t i = 0; i < sl_ntransitions; i++)
        if (sl_transitions[i].from == from && sl_transitions[i].to == to)
            return &sl_transitions[i];
    return NULL;
}

bool sl_transition_is_legal(enum sl_state from, enum sl_state to)
{
    return sl_find_transition(from, to) != NULL;
}

int sl_state_passed_unseen(enum sl_state from, enum sl_state to)
{
    int best = -1;

    for (size_t i = 0; i < sl_ntransitions; i++) {
        const struct sl_transition *first = &sl_transitions[i];
        if (first->from != from)
            continue;
        const struct sl_transition *second = sl_find_transition(first->to, to);
        /* Only the arrival of a segment moves TCP on without the program. */
        if (second == NULL || strncmp(second->event, "rcv ", 4) != 0)
            continue;
        if (best == -1 || (first->path != SL_PATH_OTHER && second->path != SL_PATH_OTHER))
            best = first->to;
    }
    return best;
}
