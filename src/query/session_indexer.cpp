#include "query/session_indexer.hpp"

#include <vector>

#include "query/session_fusion.hpp"

namespace agent_trace {

Result<IndexerPass> SessionIndexer::refresh(size_t max_sessions) {
    if (!version_checked_) {
        if (auto s = index_.ensure_fusion_version(kFusionVersion); !s) return s.error();
        version_checked_ = true;
    }
    // One more than asked: tells whether stale sessions remain after this pass.
    auto stale = index_.stale_sessions(max_sessions + 1);
    if (!stale) return stale.error();
    IndexerPass pass;
    if (stale->size() > max_sessions) {
        pass.remaining = stale->size() - max_sessions;
        stale->resize(max_sessions);
    }
    std::vector<Event> events;
    for (const StaleSession& s : *stale) {
        events.clear();
        auto read =
            events_.scan_session_events(s.session_id, [&](Event&& e) { events.push_back(std::move(e)); });
        if (!read) return read.error();
        FusedSession fused;
        if (events.empty()) {
            fused.session.session_id = s.session_id;  // no events left: rows are removed
        } else {
            fused = to_fused_rows(fuse_session(events, pricing_));
            fused.session.session_id = s.session_id;
        }
        if (auto put = index_.put_fused_session(fused, s.generation); !put) return put.error();
        pass.fused++;
    }
    return pass;
}

}  // namespace agent_trace
