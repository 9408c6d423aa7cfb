#pragma once
// Expected errors are values: a Result<T> holds either a T or an Error.
#include <string>
#include <utility>
#include <variant>

namespace agent_trace {

struct Error {
    std::string message;
    // True when the same operation may succeed later unchanged (a locked, read-only
    // or full store): writers retry these and dead-letter the others.
    bool retryable = false;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
    Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] T& value() & { return std::get<T>(data_); }
    [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
    [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    [[nodiscard]] const Error& error() const { return std::get<Error>(data_); }

private:
    std::variant<T, Error> data_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message), false}; }
inline Error make_retryable_error(std::string message) { return Error{std::move(message), true}; }

}  // namespace agent_trace
