#pragma once
// The API's own connections to the store, for reading only: a request borrows
// one (opening another when all are busy) and returns it when it is done, so
// concurrent requests never share a connection and none is the writer's.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/store.hpp"

namespace agent_trace::api {

class ReadConnections {
public:
    // Opens one connection at once, so a bad path fails here and not per request.
    static Result<std::unique_ptr<ReadConnections>> open(std::string db_path, size_t max_idle);

    // Keeps up to `max_idle` connections open between requests.
    ReadConnections(std::string db_path, size_t max_idle)
        : db_path_(std::move(db_path)), max_idle_(max_idle) {}

    class Lease {
    public:
        Lease(ReadConnections& owner, std::unique_ptr<Store> store)
            : owner_(&owner), store_(std::move(store)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() {
            if (store_) owner_->give_back(std::move(store_));
        }
        [[nodiscard]] EventReader& events() { return *store_; }
        [[nodiscard]] FusedIndex& index() { return *store_; }

    private:
        ReadConnections* owner_;
        std::unique_ptr<Store> store_;
    };

    Result<Lease> acquire();

private:
    void give_back(std::unique_ptr<Store> store);

    std::string db_path_;
    size_t max_idle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Store>> idle_;
};

}  // namespace agent_trace::api
