#include "server/http_server.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <deque>
#include <optional>
#include <vector>

#include "core/json_writer.hpp"

namespace agent_trace::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpResponse json_error(int status, std::string_view message) {
    JsonWriter w;
    w.begin_object().key("error").value(message).end_object();
    return HttpResponse{status, "application/json", w.take(), {}, {}};
}

namespace {

// Kernel buffering for a streaming response: small, so that a client that stops
// reading shows up in the writer's queue (and is cut off) instead of in the kernel.
constexpr int kStreamSendBuffer = 128 * 1024;
// The most queued bytes one socket write takes at a time.
constexpr size_t kStreamWriteChunk = size_t{256} * 1024;

struct SharedStats {
    std::atomic<uint64_t> connections{0};
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> too_large{0};
    std::atomic<uint64_t> malformed{0};
};

// What every connection needs; shared so a connection may outlive the listener
// while the io_context winds down.
struct ListenerShared {
    Handler handler;
    HttpLimits limits;
    SharedStats stats;
};

class Session;

// What a streaming response's producer holds: pushes go through the connection's strand.
class SessionStreamWriter final : public StreamWriter {
public:
    explicit SessionStreamWriter(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    bool write(std::string bytes) override;
    [[nodiscard]] size_t queued_bytes() const override;
    [[nodiscard]] bool closed() const override;
    void close() override;
    void reset() override;

private:
    std::shared_ptr<Session> session_;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket&& socket, std::shared_ptr<ListenerShared> shared)
        : stream_(std::move(socket)),
          shared_(std::move(shared)),
          handler_(shared_->handler),
          limits_(shared_->limits),
          stats_(shared_->stats) {}

    void start() {
        asio::dispatch(stream_.get_executor(),
                       [self = shared_from_this()] { self->read_request(); });
    }

private:
    void read_request() {
        head_request_ = false;
        parser_.emplace();
        parser_->body_limit(limits_.max_body_bytes);
        parser_->header_limit(limits_.max_header_bytes);
        stream_.expires_after(limits_.idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t /*bytes*/) {
                             self->on_read(ec);
                         });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            close();
            return;
        }
        if (ec == http::error::body_limit) {
            stats_.too_large.fetch_add(1, std::memory_order_relaxed);
            keep_alive_ = false;
            linger_ = true;
            const std::string message =
                "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes";
            if (limits_.too_large_response) {
                // The head was read: the owner answers in the endpoint's own format.
                const auto& head = parser_->get();
                HttpRequest request;
                request.method = std::string(head.method_string());
                request.target = std::string(head.target());
                request.content_type = std::string(head[http::field::content_type]);
                write(limits_.too_large_response(request, message));
            } else {
                write(refusal(413, message));
            }
            return;
        }
        if (ec == http::error::header_limit) {
            stats_.too_large.fetch_add(1, std::memory_order_relaxed);
            keep_alive_ = false;
            write(refusal(431, "request headers too large"));
            return;
        }
        if (ec) {
            stats_.malformed.fetch_add(1, std::memory_order_relaxed);
            keep_alive_ = false;
            write(refusal(400, "malformed HTTP request: " + ec.message()));
            return;
        }
        stats_.requests.fetch_add(1, std::memory_order_relaxed);
        auto message = parser_->release();
        keep_alive_ = message.keep_alive();
        version_ = message.version();
        HttpRequest request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        request.content_type = std::string(message[http::field::content_type]);
        request.authorization = std::string(message[http::field::authorization]);
        request.content_encoding = std::string(message[http::field::content_encoding]);
        request.last_event_id = std::string(message["Last-Event-ID"]);
        request.accept_encoding = std::string(message[http::field::accept_encoding]);
        request.if_none_match = std::string(message[http::field::if_none_match]);
        head_request_ = message.method() == http::verb::head;
        request.body = std::move(message.body());
        beast::error_code remote_ec;
        const auto remote = stream_.socket().remote_endpoint(remote_ec);
        if (!remote_ec) {
            request.remote = remote.address().to_string() + ":" + std::to_string(remote.port());
        }
        // The handler may answer from another thread (after a queue sync): hop back
        // onto this connection's strand before touching the stream.
        stream_.expires_after(limits_.request_timeout);
        handler_(std::move(request), [self = shared_from_this()](HttpResponse response) {
            asio::post(self->stream_.get_executor(),
                       [self, response = std::move(response)]() mutable {
                           self->write(std::move(response));
                       });
        });
    }

    // What the listener itself refuses, in the owner's error format when it has one.
    [[nodiscard]] HttpResponse refusal(int status, const std::string& message) const {
        return limits_.refusal ? limits_.refusal(status, message) : json_error(status, message);
    }

    void write(HttpResponse response) {
        if (response.open_stream) {
            start_stream(response);
            return;
        }
        auto message = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(response.status), version_ == 0 ? 11 : version_);
        message->set(http::field::server, "agent-trace");
        message->set(http::field::content_type, response.content_type);
        if (!response.retry_after.empty())
            message->set(http::field::retry_after, response.retry_after);
        for (const auto& [name, value] : response.headers) message->set(name, value);
        message->keep_alive(keep_alive_);
        if (head_request_) {
            // HEAD: the length GET would send, and no body (RFC 9110 9.3.2).
            message->content_length(response.body.size());
        } else {
            message->body() = std::move(response.body);
            message->prepare_payload();
        }
        stream_.expires_after(limits_.request_timeout);
        http::async_write(stream_, *message,
                          [self = shared_from_this(), message](beast::error_code ec, size_t) {
                              if (ec || !self->keep_alive_) {
                                  if (!ec && self->linger_) {
                                      self->drain_then_close();
                                      return;
                                  }
                                  self->close();
                                  return;
                              }
                              self->read_request();
                          });
    }

    // After refusing a body we did not read, the client may still be sending it:
    // closing at once would reset the connection and lose our answer. Stop sending,
    // read and discard what arrives for a short while, then close.
    void drain_then_close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.expires_after(std::chrono::seconds(2));
        discard_.resize(size_t{64} * 1024);
        read_discard();
    }

    void read_discard() {
        stream_.async_read_some(asio::buffer(discard_),
                                [self = shared_from_this()](beast::error_code ec, size_t n) {
                                    self->discarded_ += n;
                                    if (ec || self->discarded_ > (256u << 20)) {
                                        self->close();
                                        return;
                                    }
                                    self->read_discard();
                                });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    // A streaming response: the head now, the body as the producer pushes it, until
    // the client goes away (seen by a read that only ends with the connection), a
    // write fails, or the producer closes it.
    void start_stream(const HttpResponse& response) {
        keep_alive_ = false;
        stream_.expires_never();
        beast::error_code ec;
        stream_.socket().set_option(asio::socket_base::send_buffer_size(kStreamSendBuffer), ec);
        const auto status = static_cast<http::status>(response.status);
        std::string head = (version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ") +
                           std::to_string(response.status) + " " +
                           std::string(http::obsolete_reason(status)) +
                           "\r\nServer: agent-trace\r\nContent-Type: " + response.content_type +
                           "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"
                           "Connection: close\r\n\r\n";
        queued_bytes_.fetch_add(head.size(), std::memory_order_relaxed);
        push_stream(std::move(head));
        discard_.resize(4096);
        watch_stream_peer();
        response.open_stream(std::make_shared<SessionStreamWriter>(shared_from_this()));
    }

    void watch_stream_peer() {
        stream_.async_read_some(asio::buffer(discard_),
                                [self = shared_from_this()](beast::error_code ec, size_t) {
                                    if (ec) {
                                        self->end_stream();
                                        return;
                                    }
                                    self->watch_stream_peer();  // a client has nothing to say
                                });
    }

    // On the strand.
    void push_stream(std::string bytes) {
        if (stream_closed_.load(std::memory_order_relaxed)) {
            queued_bytes_.fetch_sub(bytes.size(), std::memory_order_relaxed);
            return;
        }
        stream_out_.push_back(std::move(bytes));
        if (!stream_writing_) write_stream();
    }

    void write_stream() {
        stream_writing_ = true;
        if (stream_out_.size() == 1) {
            stream_current_ = std::move(stream_out_.front());
            stream_out_.clear();
        } else {
            stream_current_.clear();
            while (!stream_out_.empty() && stream_current_.size() < kStreamWriteChunk) {
                stream_current_ += stream_out_.front();
                stream_out_.pop_front();
            }
        }
        asio::async_write(stream_, asio::buffer(stream_current_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->queued_bytes_.fetch_sub(self->stream_current_.size(),
                                                            std::memory_order_relaxed);
                              self->stream_current_.clear();
                              self->stream_writing_ = false;
                              if (ec) {
                                  self->end_stream();
                                  return;
                              }
                              if (!self->stream_out_.empty()) self->write_stream();
                          });
    }

    // On the strand; idempotent. A reset also drops what the kernel still holds for the
    // peer (an orphaned socket would keep it, and the peer would wait for it).
    void end_stream(bool reset = false) {
        if (stream_closed_.exchange(true)) return;
        if (reset) {
            beast::error_code ec;
            stream_.socket().set_option(asio::socket_base::linger(true, 0), ec);
            stream_.socket().close(ec);
        }
        for (const std::string& bytes : stream_out_) {
            queued_bytes_.fetch_sub(bytes.size(), std::memory_order_relaxed);
        }
        stream_out_.clear();
        close();
    }

    friend class SessionStreamWriter;

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<ListenerShared> shared_;
    const Handler& handler_;
    const HttpLimits& limits_;
    SharedStats& stats_;
    bool keep_alive_ = true;
    bool head_request_ = false;
    bool linger_ = false;
    std::vector<char> discard_;
    uint64_t discarded_ = 0;
    unsigned version_ = 11;
    // A streaming response (strand only, but for the two atomics the producer reads).
    std::deque<std::string> stream_out_;
    std::string stream_current_;
    bool stream_writing_ = false;
    std::atomic<bool> stream_closed_{false};
    std::atomic<size_t> queued_bytes_{0};
};

bool SessionStreamWriter::write(std::string bytes) {
    if (session_->stream_closed_.load(std::memory_order_relaxed)) return false;
    session_->queued_bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
    asio::post(session_->stream_.get_executor(),
               [session = session_, bytes = std::move(bytes)]() mutable {
                   session->push_stream(std::move(bytes));
               });
    return true;
}

size_t SessionStreamWriter::queued_bytes() const {
    return session_->queued_bytes_.load(std::memory_order_relaxed);
}

bool SessionStreamWriter::closed() const {
    return session_->stream_closed_.load(std::memory_order_relaxed);
}

void SessionStreamWriter::close() {
    asio::post(session_->stream_.get_executor(), [session = session_] { session->end_stream(); });
}

void SessionStreamWriter::reset() {
    asio::post(session_->stream_.get_executor(),
               [session = session_] { session->end_stream(true); });
}

class BeastListener final : public HttpListener {
public:
    BeastListener(asio::io_context& io, Handler handler, HttpLimits limits)
        : io_(io), acceptor_(asio::make_strand(io)), shared_(std::make_shared<ListenerShared>()) {
        shared_->handler = std::move(handler);
        shared_->limits = std::move(limits);
    }

    Status open(const std::string& host, uint16_t port) {
        beast::error_code ec;
        const auto address = asio::ip::make_address(host, ec);
        if (ec) return make_error("invalid listen address '" + host + "': " + ec.message());
        const tcp::endpoint endpoint(address, port);
        if (acceptor_.open(endpoint.protocol(), ec); ec) {
            return make_error("cannot open socket: " + ec.message());
        }
        if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) {
            return make_error("cannot set SO_REUSEADDR: " + ec.message());
        }
        if (acceptor_.bind(endpoint, ec); ec) {
            return make_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                              ec.message());
        }
        if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
            return make_error("cannot listen: " + ec.message());
        }
        const auto local = acceptor_.local_endpoint(ec);
        if (ec) return make_error("cannot read the bound port: " + ec.message());
        port_ = local.port();
        host_ = local.address().to_string();
        return Ok{};
    }

    void start() override { accept(); }

    void stop() override {
        asio::post(acceptor_.get_executor(), [this] {
            beast::error_code ec;
            acceptor_.close(ec);
        });
    }

    [[nodiscard]] uint16_t port() const override { return port_; }
    [[nodiscard]] std::string address() const override {
        return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
               std::to_string(port_);
    }
    [[nodiscard]] HttpListenerStats stats() const override {
        const SharedStats& s = shared_->stats;
        return {s.connections.load(), s.requests.load(), s.too_large.load(), s.malformed.load()};
    }

private:
    void accept() {
        acceptor_.async_accept(
            asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
                if (!ec) {
                    beast::error_code opt_ec;
                    socket.set_option(tcp::no_delay(true), opt_ec);
                    shared_->stats.connections.fetch_add(1, std::memory_order_relaxed);
                    std::make_shared<Session>(std::move(socket), shared_)->start();
                }
                accept();  // EMFILE and friends: keep serving the connections we have
            });
    }

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    std::shared_ptr<ListenerShared> shared_;
    uint16_t port_ = 0;
    std::string host_;
};

}  // namespace

Result<std::unique_ptr<HttpListener>> HttpListener::bind(asio::io_context& io,
                                                         const std::string& host, uint16_t port,
                                                         Handler handler, HttpLimits limits) {
    auto listener = std::make_unique<BeastListener>(io, std::move(handler), std::move(limits));
    if (auto s = listener->open(host, port); !s) return s.error();
    return std::unique_ptr<HttpListener>(std::move(listener));
}

}  // namespace agent_trace::server
