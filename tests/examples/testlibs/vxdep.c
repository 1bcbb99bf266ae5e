/* SPDX-License-Identifier: Apache-2.0 */
/* libvxdep.so: a dependency of libvxmain.so for the exec plugin tests. */
int vx_dep_triple(int value);

int vx_dep_triple(int value)
{
	return value * 3;
}
