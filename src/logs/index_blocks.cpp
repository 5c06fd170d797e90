#include "logs/index_blocks.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <future>

#include "logs/distinct_tokens.h"
#include "logs/record_codec.h"
#include "logs/tokens.h"

namespace pharos::logs {

std::int64_t dayStartNs(const std::string& day) {
  std::tm tm{};
  tm.tm_year = std::stoi(day.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(day.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(day.substr(6, 2));
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000;
}

std::string blockDocument(std::span<const Record* const> records,
                          std::span<const std::string> indexedAttributes) {
  // ~2.7 distinct tokens a line on the log benchmark's content: room for 4 avoids a regrowth.
  DistinctTokens tokens(records.size() * 4);
  for (const Record* r : records) {
    // forEachIndexToken(), with the message's tokens added as one text.
    tokens.addText(r->message);
    forEachIndexFieldToken(*r, indexedAttributes, [&](std::string_view field, std::string_view t) {
      tokens.add(field, t);
    });
  }
  return tokens.take();
}

bool isDayName(std::string_view day) {
  return day.size() == 8 &&
         std::all_of(day.begin(), day.end(), [](char c) { return c >= '0' && c <= '9'; });
}

PreparedWrite prepareWrite(std::span<const Record> records, const LogIndexOptions& options,
                           TaskThread& helper) {
  PreparedWrite out;
  // The day's name is formatted once per run of records in that day, not once per record.
  std::int64_t runDay = 0;
  DayWrite* run = nullptr;
  for (const auto& r : records) {
    std::int64_t day = dayNumber(r.receivedNs);
    if (run == nullptr || day != runDay) {
      run = &out.days[utcDay(r.receivedNs)];
      runDay = day;
    }
    run->records.push_back(&r);
  }
  for (auto& [day, dw] : out.days) {
    auto& rows = dw.records;
    std::stable_sort(rows.begin(), rows.end(), [](const Record* a, const Record* b) {
      return a->timestampNs < b->timestampNs;
    });
    for (const Record* r : rows) {
      auto& st = dw.templates[TemplateKey{r->service, r->templateId}];
      ++st.count;
      st.first = std::min(st.first, r->timestampNs);
      st.last = std::max(st.last, r->timestampNs);
    }
    for (std::size_t at = 0; at < rows.size(); at += options.blockRecords) {
      std::size_t end = std::min(rows.size(), at + options.blockRecords);
      out.blocks.push_back({day,
                            rows[at]->timestampNs,
                            rows[end - 1]->timestampNs,
                            static_cast<std::int64_t>(end - at),
                            {},
                            {}});
      ++dw.blocks;
    }
  }
  auto prepare = [&](std::size_t from, std::size_t to) {
    std::size_t at = 0;
    for (auto& [day, dw] : out.days) {
      const auto& rows = dw.records;
      for (std::size_t i = 0; i < rows.size(); i += options.blockRecords, ++at) {
        if (at < from || at >= to) continue;
        std::span<const Record* const> block(rows.data() + i,
                                             std::min(options.blockRecords, rows.size() - i));
        out.blocks[at].data = encodeRecordBlock(block, options.zstdLevel);
        out.blocks[at].doc = blockDocument(block, options.indexedAttributes);
      }
    }
  };
  std::size_t half = out.blocks.size() / 2;
  // The helper thread takes its caller's priority (the processor's, lowered).
  auto other =
      half > 0
          ? helper.submit([&, priority = getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()))] {
              (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), priority);
              prepare(0, half);
            })
          : std::future<void>();
  prepare(half, out.blocks.size());
  if (other.valid()) other.get();
  return out;
}

Result<SearchPage> collectPage(std::vector<BlockCandidate> candidates, const SearchRequest& request,
                               const std::function<bool(const Record&)>& match,
                               const FetchBlock& fetch) {
  std::sort(candidates.begin(), candidates.end(),
            [](const BlockCandidate& a, const BlockCandidate& b) {
              return a.maxTs != b.maxTs ? a.maxTs > b.maxTs : a.id > b.id;
            });
  struct Hit {
    std::int64_t ts, block;
    std::int32_t index;
    Record record;
  };
  auto newer = [](const Hit& a, const Hit& b) {
    if (a.ts != b.ts) return a.ts > b.ts;
    if (a.block != b.block) return a.block > b.block;
    return a.index > b.index;
  };
  auto beforeCursor = [&](std::int64_t ts, std::int64_t block, std::int32_t index) {
    if (!request.after) return true;
    const auto& c = *request.after;
    if (ts != c.timestampNs) return ts < c.timestampNs;
    if (block != c.block) return block < c.block;
    return index < c.index;
  };
  SearchPage page;
  std::vector<Hit> hits;
  std::vector<Record> decoded;
  for (const auto& cand : candidates) {
    if (hits.size() >= request.limit) {
      // The oldest of the best `limit` hits so far: a block whose newest line is older
      // cannot improve the page, and neither can any after it.
      std::nth_element(hits.begin(), hits.begin() + static_cast<long>(request.limit - 1),
                       hits.end(), newer);
      hits.resize(request.limit);
      std::int64_t kth =
          std::min_element(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
            return newer(b, a);
          })->ts;
      if (cand.maxTs < kth) break;
    }
    if (page.recordsScanned >= request.maxScanned) {
      page.scanLimitReached = true;
      break;
    }
    if (request.after && cand.maxTs < request.startNs) continue;
    PHAROS_ASSIGN_OR_RETURN(auto bytes, fetch(cand));
    if (!bytes) continue;
    PHAROS_TRY(decodeRecordBlock(*bytes, decoded));
    ++page.blocksRead;
    page.recordsScanned += decoded.size();
    for (std::size_t k = 0; k < decoded.size(); ++k) {
      auto& r = decoded[k];
      if (r.timestampNs < request.startNs || r.timestampNs > request.endNs) continue;
      if (!beforeCursor(r.timestampNs, cand.id, static_cast<std::int32_t>(k))) continue;
      if (!match(r)) continue;
      hits.push_back({r.timestampNs, cand.id, static_cast<std::int32_t>(k), std::move(r)});
    }
  }
  std::sort(hits.begin(), hits.end(), newer);
  if (hits.size() > request.limit) hits.resize(request.limit);
  // A full page may have a successor (the caller learns by asking); so may a page cut
  // short by the scan limit.
  if (!hits.empty() && (hits.size() == request.limit || page.scanLimitReached)) {
    page.next = SearchCursor{hits.back().ts, hits.back().block, hits.back().index};
  }
  for (auto& h : hits)
    page.records.push_back(std::move(h.record));
  return page;
}

}  // namespace pharos::logs
