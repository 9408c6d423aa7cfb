#include "query/session_indexer.hpp"

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
    for (const StaleSession& s : *stale) {
        auto timeline = fuse_stored_session(events_, s.session_id, pricing_);
        if (!timeline) return timeline.error();
        FusedSession fused;
        if (*timeline) fused = to_fused_rows(**timeline);
        fused.session.session_id = s.session_id;  // without events: its rows are removed
        if (auto put = index_.put_fused_session(fused, s.generation); !put) return put.error();
        pass.fused++;
    }
    return pass;
}

}  // namespace agent_trace
