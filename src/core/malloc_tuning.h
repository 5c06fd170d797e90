#pragma once

namespace pharos {

// Keeps freed memory in the process instead of handing it back to the kernel after every
// large query: glibc otherwise maps big buffers fresh and trims the heap on free, and the
// next query page-faults it all in again. Measured on sum by (job) (rate(x[5m])) over
// 10,000 series: 254,000 page faults and a p99 of 387 ms, against 25,000 and 147 ms with
// this (bench/metrics_query_bench). The price: after a peak, up to the trim threshold
// (256 MiB) of free heap stays resident until reused. Call once, early in main.
void tuneMallocForServer();

// Hands free heap pages back to the kernel now (malloc_trim): after a one-off peak that
// will not come again, such as parsing a large config (yaml-cpp needs ~70 bytes of heap per
// byte of YAML: 93 MB for 10,000 checks).
void releaseFreeMemory();

}  // namespace pharos
