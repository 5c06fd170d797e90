#pragma once

namespace pharos::analysis {

// log10 of P(X >= x) for X ~ Poisson(lambda), with x allowed to be fractional (a
// quasi-Poisson count divided by its dispersion). 0 (p = 1) when x <= lambda: only the upper
// tail is ever asked for. Exact to a few ulps of the log for the x and lambda a per-minute
// count can have; never overflows (works in logs).
double poissonUpperTailLog10(double x, double lambda);

}  // namespace pharos::analysis
