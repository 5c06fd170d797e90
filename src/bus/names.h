#pragma once

#include <string_view>

#include "core/result.h"

namespace pharos::bus {

// Checks a queue or topic name against [A-Za-z0-9_.-]{1,128}. Every Bus implementation calls
// this first, so a name that works with one backend works with all (NATS subjects, for one,
// reserve '*', '>' and spaces). `what` ("queue", "topic") goes into the error message.
Status validateName(std::string_view name, std::string_view what);

}  // namespace pharos::bus
