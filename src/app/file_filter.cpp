#include "app/file_filter.h"

#include <fstream>
#include <iostream>

#include <fmt/format.h>

namespace pharos::app {

int runFileFilter(std::string_view command, const std::string& file,
                  const std::function<Status(std::istream&, std::ostream&)>& run) {
  std::ios::sync_with_stdio(false);
  Status status = okStatus();
  if (file == "-") {
    status = run(std::cin, std::cout);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "{}: cannot open {}\n", command, file);
      return 1;
    }
    status = run(in, std::cout);
  }
  std::cout.flush();
  if (!status.ok()) {
    fmt::print(stderr, "{}: {}\n", command, status.error().message);
    return 1;
  }
  return 0;
}

}  // namespace pharos::app
