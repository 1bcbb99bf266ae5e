/* SPDX-License-Identifier: Apache-2.0 */
/* Which URLs this process may fetch for URL resources. An extension (not part of vAccel 0.8).
 * Without a policy (the default) URL resources are fetched as in vAccel 0.8: http, https and
 * ftp, redirects followed, any address, proxies from the environment. A process that fetches
 * URLs chosen by someone it does not trust (vaccel-agent, for its clients) sets a policy, so
 * that such a URL cannot reach the host's own network (loopback, private and link-local
 * addresses) nor probe it. */
#ifndef VACCEL_URL_POLICY_H
#define VACCEL_URL_POLICY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Follow HTTP redirects (at most 10), each hop checked like the first URL. */
#define VACCEL_URL_POLICY_REDIRECTS 0x1u

/* Restricts every URL fetch of this process that starts after the call:
 * - http and https only;
 * - a connection is opened only to a globally routable address, unless an `allow` entry
 *   names it. Refused: unspecified, loopback, private (RFC 1918), shared (100.64.0.0/10),
 *   link-local, unique-local (fc00::/7), site-local, multicast, broadcast, reserved,
 *   documentation and benchmark ranges, and IPv6 forms that carry such an IPv4 address
 *   (v4-mapped, v4-compatible, NAT64, 6to4). The check is made on the address actually
 *   connected to (after DNS, for every address tried and every hop), so a name that
 *   resolves, or is re-bound, to an internal address is refused too;
 * - redirects are refused unless `flags` has VACCEL_URL_POLICY_REDIRECTS;
 * - proxies from the environment are not used (they would connect on our behalf);
 * - every failure of a fetch (refused address or redirect, unreachable host, closed port,
 *   HTTP error, timeout) returns the same VACCEL_EREMOTEIO; the reason is logged.
 * `allow` holds `nr_allow` entries (NULL when 0), each one of:
 *   HOST or HOST:PORT            a host name, matched (case-insensitively) against the host
 *                                of the URL being fetched; any address it resolves to is
 *                                then allowed (the operator trusts that name)
 *   IPV4[/LEN][:PORT]            an IPv4 address or CIDR range
 *   [IPV6][/LEN][:PORT], IPV6[/LEN]   an IPv6 address or range (brackets to give a port)
 * Without PORT every port matches. Returns VACCEL_OK, or VACCEL_EINVAL (unknown flag or an
 * invalid entry, logged; the policy in force is then unchanged). Thread-safe. */
int vaccel_url_policy_set(unsigned int flags, const char *const *allow, size_t nr_allow);

/* Removes the policy: later fetches behave as in vAccel 0.8 again. Thread-safe. */
void vaccel_url_policy_clear(void);

#ifdef __cplusplus
}
#endif

#endif /* VACCEL_URL_POLICY_H */
