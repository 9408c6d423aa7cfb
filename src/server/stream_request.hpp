#pragma once
// What a GET /api/v1/stream request asks for: filters from the query string
// (session=, project=, kind= a comma list of canonical kinds) and where to resume
// (the Last-Event-ID header, or ?last_event_id= for clients that cannot set it), or
// how many stored events to start with (?tail=N, a new stream only).
// ?access_token= (the bearer token, for EventSource, which cannot send headers) is
// always accepted; the caller checks its value when serve has a token.
#include <variant>

#include "server/http_server.hpp"
#include "server/stream_hub.hpp"

namespace agent_trace::server {

// The subscription, or the 400 answer for a malformed request.
std::variant<StreamSubscription, HttpResponse> parse_stream_request(const HttpRequest& request);

}  // namespace agent_trace::server
