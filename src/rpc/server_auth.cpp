// SPDX-License-Identifier: Apache-2.0
// Shared-secret authentication of a connection (docs/protocol.md §4): with --auth-key-file the
// HELLO_ACK carries a fresh challenge, and nothing but a valid Request.auth is served until the
// client has proved it holds the key.
#include "server_connection.hpp"

#include "auth.hpp"
#include "log.hpp"

#include <cerrno>

namespace vaccel::rpc {
namespace {

// Payload bytes a refused request may still carry that are read (and dropped) so that the
// refusal reaches the client: closing a tcp socket with unread bytes resets the connection.
constexpr uint64_t kDrainBeforeRefusal = 64u << 10;

} // namespace

bool ServerConnection::start_auth(const v1::Hello &hello, std::string &why)
{
	if (cfg_.auth_key.empty())
		return true;
	// A client on a persistent channel resends the very same HELLO while it waits for the
	// answer: it keeps the challenge it may already be answering.
	if (auth_pending_ && hello_done_ && hello.nonce() == nonce_ && hello.auth_nonce() == client_auth_nonce_)
		return true;
	auth_challenge_ = random_nonce();
	if (auth_challenge_.empty()) {
		why = "no random bytes for an authentication challenge";
		return false;
	}
	client_auth_nonce_ = hello.auth_nonce();
	auth_pending_ = true;
	return true;
}

bool ServerConnection::handle_auth(InMessage &in, std::string &why)
{
	v1::Request req;
	Reply reply;
	const std::string_view key = cfg_.auth_key;
	if (!req.ParseFromString(in.meta) || req.call_case() != v1::Request::kAuth || in.payload_size() != 0) {
		reply.fail(EACCES, "this agent requires authentication before any request: set "
				   "VACCEL_RPC_AUTH_KEY_FILE to a copy of the agent's key file");
		why = "request before authentication";
	} else if (client_auth_nonce_.size() != kAuthNonceSize) {
		reply.fail(EACCES, "authentication failed: HELLO carried no " + std::to_string(kAuthNonceSize) +
					   "-byte auth_nonce");
		why = "authentication failed (no client nonce in HELLO)";
	} else {
		std::string expected = auth_proof(key, AuthRole::client, auth_challenge_, client_auth_nonce_);
		if (!proof_matches(expected, req.auth().proof())) {
			reply.fail(EACCES, "authentication failed: wrong key");
			why = "authentication failed (wrong key)";
		} else {
			auth_pending_ = false;
			greeted_.store(true); // a client now: no HELLO deadline, never evicted
			handler_.slot_changed();
			reply.resp.set_status(0);
			reply.resp.mutable_auth_done()->set_proof(
				auth_proof(key, AuthRole::agent, auth_challenge_, client_auth_nonce_));
			RPC_INFO("conn %llu: client authenticated", (unsigned long long)id_);
		}
	}
	// One challenge, one answer: a failed try ends the connection, a good one uses it up.
	auth_challenge_.clear();
	bool refused = auth_pending_;
	std::string drain_why;
	if (refused && !(in.head.flags & frame_flags::has_fd) && in.payload_size() <= kDrainBeforeRefusal)
		(void)discard_payload(*ch_, limits_, in, drain_why);
	std::string send_why;
	if (!send_reply(in.head.stream_id, reply, send_why) && !refused) {
		why = send_why;
		return false;
	}
	return !refused;
}

} // namespace vaccel::rpc
