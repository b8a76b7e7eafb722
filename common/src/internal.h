/* Internal helpers shared by the library's platform files. */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

/* errno (POSIX) or GetLastError() (Windows) -> SB_E*. */
int sb__translate_os_error(int os_error);

/* Parse the bootstrap handle number from the command line: decimal digits
 * only (no sign, space or prefix), at most max. SB_EINVAL otherwise. */
int sb__parse_handle_text(const char *text, unsigned long long max,
                          unsigned long long *out);

#endif
