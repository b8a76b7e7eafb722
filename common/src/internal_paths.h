#ifndef SB_INTERNAL_PATHS_H
#define SB_INTERNAL_PATHS_H

char sb__path_sep(void);

#endif
