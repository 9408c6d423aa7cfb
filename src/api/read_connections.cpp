#include "api/read_connections.hpp"

#include "store/sqlite/sqlite_store.hpp"

namespace agent_trace::api {
namespace {

// Queries never change the schema nor wait for the writer's lock to open.
SqliteStoreOptions reader_options() {
    SqliteStoreOptions options;
    options.read_only = true;
    options.busy_timeout_ms = 2'000;
    return options;
}

}  // namespace

Result<std::unique_ptr<ReadConnections>> ReadConnections::open(std::string db_path,
                                                               size_t max_idle) {
    auto pool = std::make_unique<ReadConnections>(std::move(db_path), max_idle);
    auto first = open_sqlite_store(pool->db_path_, reader_options());
    if (!first.ok()) return first.error();
    pool->idle_.push_back(std::move(*first));
    return pool;
}

Result<ReadConnections::Lease> ReadConnections::acquire() {
    {
        const std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto store = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(store));
        }
    }
    auto store = open_sqlite_store(db_path_, reader_options());
    if (!store.ok()) return store.error();
    return Lease(*this, std::move(*store));
}

void ReadConnections::give_back(std::unique_ptr<Store> store) {
    const std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(store));
}

}  // namespace agent_trace::api
