#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace pharos::testing {

using Clock = std::chrono::steady_clock;

Process::Process(std::vector<std::string> args, std::vector<std::string> env) {
  int pipeFds[2];
  if (pipe2(pipeFds, O_CLOEXEC) != 0) std::abort();
  pid_ = fork();
  if (pid_ == 0) {
    dup2(pipeFds[1], 1);
    dup2(pipeFds[1], 2);
    for (const std::string& e : env)
      putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipeFds[1]);
  fd_ = pipeFds[0];
}

Process::~Process() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) close(fd_);
}

void Process::drain(int timeoutMs) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, timeoutMs) <= 0) return;
  char buf[4096];
  ssize_t n = read(fd_, buf, sizeof buf);
  if (n > 0) output_.append(buf, static_cast<size_t>(n));
}

bool Process::reaped() {
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
  exited_ = true;
  exitCode_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool Process::running() {
  for (size_t before = SIZE_MAX; before != output_.size();) {
    before = output_.size();
    drain(0);
  }
  return !exited_ && !reaped();
}

bool Process::waitForOutput(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (output_.find(needle) == std::string::npos) {
    if (Clock::now() >= deadline) return false;
    drain(20);
    if (!exited_ && reaped()) {
      drain(0);
      return output_.find(needle) != std::string::npos;
    }
  }
  return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!exited_) {
    drain(10);
    if (reaped()) break;
    if (Clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      exited_ = true;
      return -1;
    }
  }
  for (int i = 0; i < 50; ++i)
    drain(0);
  return exitCode_;
}

int Process::signalAndWait(int sig, std::chrono::milliseconds timeout) {
  if (!exited_) kill(pid_, sig);
  return wait(timeout);
}

int64_t residentKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

std::pair<int, std::string> run(std::vector<std::string> args, std::vector<std::string> env) {
  Process p(std::move(args), std::move(env));
  int code = p.wait(std::chrono::seconds(30));
  return {code, p.output()};
}

}  // namespace pharos::testing
