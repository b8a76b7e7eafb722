#ifndef SB_SERVICE_VERSION_H
#define SB_SERVICE_VERSION_H

#define SB_SERVICE_VERSION "0.1.0"
const char *sb_service_version(void);

#endif
