/* Internal helpers shared by the library's platform files. */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

/* errno (POSIX) or GetLastError() (Windows) -> SB_E*. */
int sb__translate_os_error(int os_error);

#endif
