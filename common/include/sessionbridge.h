/* SPDX-License-Identifier: MIT */
/* libsessionbridge: the whole public API. */
#ifndef SESSIONBRIDGE_H
#define SESSIONBRIDGE_H

#include "sessionbridge/alloc.h"
#include "sessionbridge/channel.h"
#include "sessionbridge/client.h"
#include "sessionbridge/error.h"
#include "sessionbridge/frame.h"
#include "sessionbridge/io.h"
#include "sessionbridge/log.h"
#include "sessionbridge/msg.h"
#include "sessionbridge/paths.h"
#include "sessionbridge/rpc.h"
#include "sessionbridge/server.h"
#include "sessionbridge/thread.h"
#include "sessionbridge/transport.h"

#endif
