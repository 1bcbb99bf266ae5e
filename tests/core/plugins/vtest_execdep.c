/* SPDX-License-Identifier: Apache-2.0 */
/* A dependency library: vtest_execmain.c uses this symbol without linking
 * to it, so it only resolves if the exec plugin loads the dependency first. */
__attribute__((visibility("default"))) int vtest_dep_factor(void)
{
	return 3;
}
