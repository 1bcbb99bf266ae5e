// SPDX-License-Identifier: Apache-2.0
// Shared-secret authentication of a connection (docs/protocol.md §4, "Authentication"): both
// ends hold the same key, read from a file; the agent sends a fresh challenge in HELLO_ACK, the
// client answers with HMAC-SHA256 over the agent's challenge and its own nonce, and the agent
// answers with its own proof over the same two values, so each side knows the other holds the
// key and no proof can be replayed on another connection. Crypto is OpenSSL's libcrypto.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vaccel::rpc {

inline constexpr size_t kAuthNonceSize = 32; // agent challenge and client nonce, bytes
inline constexpr size_t kAuthProofSize = 32; // HMAC-SHA256
inline constexpr size_t kAuthKeyMinSize = 16;
inline constexpr size_t kAuthKeyMaxSize = 4096;

// Client environment variable naming the key file.
inline constexpr const char *kAuthKeyFileEnv = "VACCEL_RPC_AUTH_KEY_FILE";

// Reads the key from `path`: a regular file that neither group nor others may read or write,
// holding kAuthKeyMinSize..kAuthKeyMaxSize bytes after trailing '\n'/'\r' are stripped (so that
// `openssl rand -hex 32 > key` and a raw binary file both work). 0, or an errno with `why` set.
int load_auth_key(const std::string &path, std::string &key, std::string &why);

// kAuthNonceSize unpredictable bytes (RAND_bytes); empty if the generator failed.
std::string random_nonce();

// Which side a proof comes from (each side's proof uses its own label, so the agent's answer
// can never be replayed as a client proof or the other way round).
enum class AuthRole { client, agent };

// HMAC-SHA256(key, label(role) || challenge || client_nonce).
std::string auth_proof(std::string_view key, AuthRole role, std::string_view challenge, std::string_view client_nonce);

// Constant-time comparison of a received proof with the expected one.
bool proof_matches(std::string_view expected, std::string_view received);

} // namespace vaccel::rpc
