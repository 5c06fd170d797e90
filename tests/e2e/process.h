#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pharos::testing {

// A child process with its stdout and stderr captured, for driving the real binary.
class Process {
 public:
  explicit Process(std::vector<std::string> args, std::vector<std::string> env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads output until `needle` appears in it or `timeout` passes; returns whether it did.
  bool waitForOutput(const std::string& needle, std::chrono::milliseconds timeout);
  // Sends `sig` and waits up to `timeout` for the exit; the exit code, or -1 on timeout
  // (then the child is killed), or 128+signal when a signal ended it.
  int signalAndWait(int sig, std::chrono::milliseconds timeout);
  // Waits for the exit without sending anything.
  int wait(std::chrono::milliseconds timeout);
  // Whether the child has not exited yet; reads what output has arrived meanwhile, so a
  // chatty child polled with this never blocks on a full pipe.
  bool running();
  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  void drain(int timeoutMs);
  // Notes the exit if the child has exited; true when it has.
  bool reaped();
  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  int exitCode_ = -1;
  std::string output_;
};

// The resident memory of process `pid` in KiB (VmRSS), or -1 when it cannot be read.
int64_t residentKiB(pid_t pid);

// Runs to completion (up to 30 s) and returns {exit code, stdout+stderr}.
std::pair<int, std::string> run(std::vector<std::string> args, std::vector<std::string> env = {});

}  // namespace pharos::testing
