#include "core/thread_name.h"

#include <pthread.h>

#include <string>

namespace pharos {

void nameThread(std::string_view name) {
  std::string shortName(name.substr(0, 15));
  (void)pthread_setname_np(pthread_self(), shortName.c_str());
}

}  // namespace pharos
