// `analysis_anomalies FILE.csv` (or stdin): what `pharos anomalies FILE.csv` prints, without the
// full binary. bench/nab_score.py --cmd build/bench/analysis_anomalies scores it on NAB.
#include <fstream>
#include <iostream>

#include "analysis/anomalies_command.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  pharos::Status status = pharos::okStatus();
  if (argc > 1) {
    std::ifstream file(argv[1], std::ios::binary);
    if (!file) {
      std::cerr << "analysis_anomalies: cannot open " << argv[1] << "\n";
      return 1;
    }
    status = pharos::analysis::runAnomalies(file, std::cout);
  } else {
    status = pharos::analysis::runAnomalies(std::cin, std::cout);
  }
  if (!status.ok()) {
    std::cerr << "analysis_anomalies: " << status.error().toString() << "\n";
    return 1;
  }
  return 0;
}
