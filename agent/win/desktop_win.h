#ifndef SB_AGENT_DESKTOP_WIN_H
#define SB_AGENT_DESKTOP_WIN_H

void sb_agent_attach_desktop(void);

#endif
