#include "alarms/rule_check_events.h"

#include <string>
#include <vector>

#include "alarms/rule_inputs.h"
#include "core/log.h"

namespace pharos::alarms {

Result<std::size_t> pumpCheckEvents(bus::Bus& bus, std::string_view queue, RuleEngine& engine,
                                    std::size_t max, Millis wait) {
  static const logging::Logger log("alarms");
  PHAROS_ASSIGN_OR_RETURN(std::vector<bus::Message> messages, bus.receive(queue, max, wait));
  std::vector<std::string> done;
  for (const bus::Message& m : messages) {
    auto event = parseCheckTransitionEvent(m.body);
    if (!event.ok()) {
      log.warn("dropping a check state event that does not parse",
               {{"queue", queue}, {"error", event.error().toString()}});
      done.push_back(m.receipt);
      continue;
    }
    Status handled = engine.onCheckTransition(*event);
    if (!handled.ok()) {
      // Best effort: redelivery after the visibility timeout does the same if this fails.
      bus.nack(m.receipt, handled.error().toString()).ignore();
      continue;
    }
    done.push_back(m.receipt);
  }
  if (!done.empty()) PHAROS_TRY(bus.ack(done));
  return messages.size();
}

}  // namespace pharos::alarms
