/*
 * netns.h - a network namespace of our own, and writing a sysctl.
 *
 * Some kernel settings (net.ipv4.tcp_migrate_req, ip_local_port_range...)
 * belong to a network namespace. A program that wants to change one
 * without touching the machine's own setting moves into a fresh namespace
 * first: its own loopback, its own ports, its own copy of the settings.
 * The grader (for tests marked own_netns) and the walk-throughs of labs 06
 * and 08 use this.
 */
#ifndef SOCKLAB_NETNS_H
#define SOCKLAB_NETNS_H

/*
 * Move this process into a new network namespace with its loopback up.
 * As root, a plain network namespace; otherwise a user namespace too, in
 * which we are root (so the namespace's sysctls can be written). Returns 0,
 * or -1 with errno set (EPERM, ENOSPC where the machine allows neither).
 */
int kit_enter_private_netns(void);

/* Write text to a file such as "/proc/sys/net/ipv4/tcp_migrate_req". Returns 0, or -1 with errno set. */
int kit_write_text_file(const char *path, const char *text);

#endif
