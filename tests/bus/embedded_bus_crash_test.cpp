#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "bus/embedded/embedded_bus.h"
#include "fakes/manual_clock.h"
#include "fakes/temp_dir.h"

namespace pharos::bus {
namespace {

// A consumer process that dies with SIGKILL between receive and ack (no destructors, no
// rollback, no clean close) must not lose the message: after the visibility timeout the next
// process gets it again.
TEST(EmbeddedBusCrashTest, KilledConsumerMessageIsRedelivered) {
  testing::TempDir dir;
  testing::ManualClock clock;
  const std::string path = dir.file("bus.db");
  QueueOptions options;
  options.visibilityTimeout = Millis(30'000);
  int64_t sentId = 0;
  {
    auto bus = EmbeddedBus::open(path, clock);
    ASSERT_TRUE(bus.ok()) << bus.error().toString();
    ASSERT_TRUE((*bus)->declareQueue("jobs", options).ok());
    auto id = (*bus)->send("jobs", "charge card");
    ASSERT_TRUE(id.ok());
    sentId = *id;
  }  // closed: the child must not inherit an open SQLite connection

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    char verdict = 'E';
    auto bus = EmbeddedBus::open(path, clock);
    if (bus.ok()) {
      auto got = (*bus)->receive("jobs", 1, Millis(0));
      if (got.ok() && got->size() == 1 && (*got)[0].receiveCount == 1) verdict = 'R';
    }
    (void)!write(fds[1], &verdict, 1);
    raise(SIGKILL);
    _exit(3);  // not reached
  }
  close(fds[1]);
  char verdict = 0;
  ASSERT_EQ(read(fds[0], &verdict, 1), 1);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_EQ(verdict, 'R') << "the child did not receive the message";

  auto bus = EmbeddedBus::open(path, clock);
  ASSERT_TRUE(bus.ok()) << bus.error().toString();
  auto early = (*bus)->receive("jobs", 1, Millis(0));
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty()) << "the child's receive was durable: still invisible";
  clock.advance(options.visibilityTimeout);
  auto again = (*bus)->receive("jobs", 1, Millis(0));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].id, sentId);
  EXPECT_EQ((*again)[0].body, "charge card");
  EXPECT_EQ((*again)[0].receiveCount, 2);
  EXPECT_TRUE((*bus)->ack((*again)[0].receipt).ok());
}

}  // namespace
}  // namespace pharos::bus
