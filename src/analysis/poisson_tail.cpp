#include "analysis/poisson_tail.h"

#include <cmath>

namespace pharos::analysis {

double poissonUpperTailLog10(double x, double lambda) {
  if (!(lambda > 0)) lambda = 1e-12;
  if (x <= lambda) return 0;
  // log of the first term, then the sum of ratios t(k+1)/t(k) = lambda/(k+1) < 1, which
  // converges geometrically because every k >= x > lambda.
  double logFirst = -lambda + x * std::log(lambda) - std::lgamma(x + 1);
  double sum = 1, term = 1;
  for (int i = 1; i < 10'000; ++i) {
    term *= lambda / (x + i);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  double log10p = (logFirst + std::log(sum)) / std::log(10.0);
  return log10p > 0 ? 0 : log10p;
}

}  // namespace pharos::analysis
