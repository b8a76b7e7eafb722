/* SPDX-License-Identifier: MIT */
#ifndef SB_AGENT_DESKTOP_WIN_H
#define SB_AGENT_DESKTOP_WIN_H

#include <stddef.h>
#include <wchar.h>

void sb_agent_attach_desktop(void);
/* Copy at most cap - 1 UTF-16 units of src into dst (cap > 0), always
 * NUL-terminated, never ending on half a surrogate pair. Returns 1 when
 * src was cut. */
int sb_agent_wcopy(wchar_t *dst, size_t cap, const wchar_t *src);

#endif
