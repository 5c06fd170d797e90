// Prints the benchmark dataset of metrics_dataset.h, so other systems can load exactly the
// data Pharos' codec is measured on:
//
//   metrics_dataset_gen --targets 20 --hours 24 --format openmetrics > data.om
//   promtool tsdb create-blocks-from openmetrics data.om blocks/
//
// OpenMetrics text groups every sample of a family together (a family's series one after
// the other, each in time order), with timestamps in seconds and a final `# EOF`.
// `--format stats` prints only the series and sample counts.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "metrics_dataset.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: metrics_dataset_gen [--targets N] [--hours H] [--seed S] [--jitter-ms J]"
               " [--format openmetrics|stats]\n");
  return 2;
}

void appendTimestamp(std::string& out, std::int64_t ms) {
  // Milliseconds as decimal seconds, exactly (no float rounding on the way).
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  out += buf;
}

}  // namespace

int main(int argc, char** argv) {
  pharos::bench::DatasetOptions options;
  std::string format = "openmetrics";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    const char* value = argv[++i];
    if (arg == "--targets") {
      options.targets = std::atoi(value);
    } else if (arg == "--hours") {
      options.hours = std::atof(value);
    } else if (arg == "--seed") {
      options.seed = std::strtoull(value, nullptr, 10);
    } else if (arg == "--jitter-ms") {
      options.jitterMs = std::atoi(value);
    } else if (arg == "--format") {
      format = value;
    } else {
      return usage();
    }
  }
  if (options.targets <= 0 || options.hours <= 0 || options.jitterMs < 0 ||
      options.startMs % 1000 != 0 || (format != "openmetrics" && format != "stats")) {
    return usage();
  }
  pharos::bench::Dataset dataset(options);

  if (format == "stats") {
    std::printf(
        "families %zu\nseries %zu\nsamples %zu\n", dataset.families().size(),
        dataset.seriesPerTarget() * static_cast<std::size_t>(options.targets),
        dataset.seriesPerTarget() * static_cast<std::size_t>(options.targets) * dataset.scrapes());
    return 0;
  }

  std::string out;
  auto flush = [&out] {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  };
  for (std::size_t f = 0; f < dataset.families().size(); ++f) {
    const auto& family = dataset.families()[f];
    out += "# TYPE " + family.name + " " + family.type + "\n";
    for (int target = 0; target < options.targets; ++target) {
      auto times = dataset.timestamps(target);
      dataset.forEachSeries(f, target, times, [&](const pharos::bench::DatasetSeries& s) {
        std::string prefix = s.name + "{" + s.labels + "} ";
        for (const auto& sample : s.samples) {
          out += prefix;
          pharos::bench::Dataset::appendNumber(out, sample.v);
          out += ' ';
          appendTimestamp(out, sample.t);
          out += '\n';
        }
        if (out.size() > (1 << 20)) flush();
      });
    }
  }
  out += "# EOF\n";
  flush();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
