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

#include <sys/types.h>

/*
 * Move this process into a new network namespace with its loopback up.
 * As root, a plain network namespace; otherwise a user namespace too, in
 * which we are root (so the namespace's sysctls can be written). Returns 0,
 * or -1 with errno set (EPERM, ENOSPC where the machine allows neither).
 */
int kit_enter_private_netns(void);

/*
 * For a grader running as root: move this process into a new user
 * namespace and become its root, where uid and gid 0 are uid `root_as`
 * outside and 65534 ("nobody") is `nobody_as`. Root of the namespace may
 * write the sysctls of a network namespace made inside it and setuid() to
 * nobody, yet outside it is an unprivileged user that owns nothing of the
 * machine's. Returns 0, or -1 with errno set.
 */
int kit_become_namespace_root(uid_t root_as, uid_t nobody_as);

/* The uid that setuid() to "nobody" gives in such a namespace. */
#define KIT_NAMESPACE_NOBODY 65534

/*
 * Does this kernel move the queued connections of a closing SO_REUSEPORT
 * listener to another member when net.ipv4.tcp_migrate_req is 1? Tried,
 * not guessed from the setting's presence: Debian 11's 5.10 kernel has the
 * setting (backported) but still resets the queue. The try runs in a
 * throwaway network namespace made by a child process (one listener with
 * a queued connection, a second member joining, the first closed, then is
 * the connection in the second's queue?), so it needs the right to make
 * one (root of the current user namespace).
 * Returns 1 (it moves them), 0 (it resets them), or -1 with errno when
 * the try could not be made (ENOENT: no such setting at all; or the error
 * of making the namespace).
 */
int kit_migration_works(void);

/* Why a test that needs the migration cannot run (kit_migration_works() not 1), for grade_skip(). */
const char *kit_migration_missing(int works, int err);

/* Write text to a file such as "/proc/sys/net/ipv4/tcp_migrate_req". Returns 0, or -1 with errno set. */
int kit_write_text_file(const char *path, const char *text);

#endif
