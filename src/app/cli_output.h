#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config/config.h"

namespace pharos::app {

// What the offline commands (`keys`, `backup`) share when they print to a terminal.

// "2026-12-05 14:14:49Z".
std::string formatUtc(WallTime t);

// Rows (the first is the header) in left-aligned columns two spaces apart, one line each.
void printTable(const std::vector<std::vector<std::string>>& rows);

// A one-shot command prints its result; the store's and modules' info lines would only be
// noise on the terminal, so at most warnings are logged.
void quietLogging(const config::Config& c);

}  // namespace pharos::app
