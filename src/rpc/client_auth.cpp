// SPDX-License-Identifier: Apache-2.0
// Client half of the shared-secret handshake (docs/protocol.md §4, auth.hpp).
#include "auth.hpp"
#include "client.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace vaccel::rpc {

int Client::auth_hello_locked(v1::Hello &hello, std::string &key, std::string &why)
{
	lock_.assert_held();
	if (opt_.auth_key_file.empty())
		return 0;
	if (load_auth_key(opt_.auth_key_file, key, why) != 0) {
		why = std::string(kAuthKeyFileEnv) + ": " + why;
		return EACCES;
	}
	std::string nonce = random_nonce();
	if (nonce.empty()) {
		why = "no random bytes for the authentication nonce";
		return EACCES;
	}
	hello.set_auth_nonce(nonce);
	return 0;
}

int Client::authenticate_locked(const std::string &key, const v1::Hello &hello, const std::string &challenge,
				std::string &why)
{
	lock_.assert_held();
	if (challenge.empty()) {
		if (key.empty())
			return 0; // neither side uses authentication
		// Whoever answers without asking cannot prove it holds the key: it may not be our agent.
		why = std::string(kAuthKeyFileEnv) + " is set but the agent at " + opt_.address +
		      " does not authenticate (start it with --auth-key-file): refusing it";
		return EACCES;
	}
	if (key.empty()) {
		why = "the agent at " + opt_.address + " requires authentication: set " + kAuthKeyFileEnv +
		      " to a copy of its key file";
		return EACCES;
	}
	if (challenge.size() != kAuthNonceSize) {
		why = "the agent at " + opt_.address + " sent a malformed authentication challenge";
		return EPROTO;
	}
	v1::Request req;
	req.mutable_auth()->set_proof(auth_proof(key, AuthRole::client, challenge, hello.auth_nonce()));
	const uint32_t stream = next_stream_;
	next_stream_ += 2; // client streams are odd
	SendOptions so;
	so.timeout_ms = opt_.io_timeout_ms;
	if (int r = send_message(*ch_, FrameType::request, stream, req.SerializeAsString(), {}, so)) {
		why = "sending the authentication proof: " + std::string(strerror(r));
		return EREMOTEIO;
	}
	auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.hello_timeout_ms);
	// A persistent channel may still carry HELLO_ACKs of HELLOs we repeated: skip a few.
	for (int frames = 0; frames < 8; ++frames) {
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
										  std::chrono::steady_clock::now());
		InMessage in;
		if (int r = recv_head(*ch_, limits_, in, std::max<int>(static_cast<int>(left.count()), 1), why)) {
			why = "authentication: " + why;
			return r == ECONNRESET ? EACCES : EREMOTEIO; // an agent that hangs up refused us
		}
		if (in.payload_size() && discard_payload(*ch_, limits_, in, why))
			return EREMOTEIO;
		if (in.head.type == FrameType::hello_ack)
			continue;
		v1::Response resp;
		if (in.head.type != FrameType::response || in.head.stream_id != stream ||
		    !resp.ParseFromString(in.meta)) {
			why = "authentication: unexpected " + std::string(frame_type_name(in.head.type)) + " frame";
			return EPROTO;
		}
		if (resp.status() != 0) {
			why = "the agent at " + opt_.address + " refused authentication: " + resp.error();
			return EACCES;
		}
		if (!proof_matches(auth_proof(key, AuthRole::agent, challenge, hello.auth_nonce()),
				   resp.auth_done().proof())) {
			why = "the agent at " + opt_.address + " did not prove that it holds the key";
			return EACCES;
		}
		return 0;
	}
	why = "authentication: no answer from the agent at " + opt_.address;
	return EREMOTEIO;
}

} // namespace vaccel::rpc
