#pragma once

#include <string_view>

namespace pharos {

// Names the calling thread (at most 15 bytes are kept, the kernel's limit), so `top -H`,
// `ps -L` and /proc/PID/task/*/comm say which of the server's threads uses the CPU.
void nameThread(std::string_view name);

}  // namespace pharos
