// SPDX-License-Identifier: Apache-2.0
#include "auth.hpp"

#include "unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vaccel::rpc {
namespace {

constexpr std::string_view kClientLabel = "vaccel-rpc auth v1 client";
constexpr std::string_view kAgentLabel = "vaccel-rpc auth v1 agent";

std::string octal_mode(mode_t m)
{
	char buf[8];
	snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(m & 07777));
	return buf;
}

// Reads at most kAuthKeyMaxSize + 1 bytes (one more tells a too-long file apart).
int read_bounded(int fd, std::string &out, std::string &why)
{
	out.resize(kAuthKeyMaxSize + 1);
	size_t got = 0;
	while (got < out.size()) {
		ssize_t n = ::read(fd, out.data() + got, out.size() - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return why = std::string("read: ") + strerror(errno), errno;
		if (n == 0)
			break;
		got += static_cast<size_t>(n);
	}
	out.resize(got);
	return 0;
}

} // namespace

int load_auth_key(const std::string &path, std::string &key, std::string &why)
{
	key.clear();
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (!fd) {
		int e = errno;
		why = "auth key file " + path + ": " + strerror(e);
		return e;
	}
	struct stat st {};
	if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
		why = "auth key file " + path + " is not a regular file";
		return EINVAL;
	}
	// A key others can read is no secret; one others can write lets them choose it.
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		why = "auth key file " + path + " has mode " + octal_mode(st.st_mode) +
		      ": group and others must have no access (chmod 600 " + path + ")";
		return EPERM;
	}
	std::string bytes;
	if (int r = read_bounded(fd.get(), bytes, why)) {
		why = "auth key file " + path + ": " + why;
		return r;
	}
	while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r'))
		bytes.pop_back();
	if (bytes.size() < kAuthKeyMinSize || bytes.size() > kAuthKeyMaxSize) {
		why = "auth key file " + path + " holds " + std::to_string(bytes.size()) + " bytes: a key must have " +
		      std::to_string(kAuthKeyMinSize) + " to " + std::to_string(kAuthKeyMaxSize) +
		      " bytes (e.g. openssl rand -hex 32 > " + path + ")";
		OPENSSL_cleanse(bytes.data(), bytes.size());
		return EINVAL;
	}
	key = std::move(bytes);
	return 0;
}

std::string random_nonce()
{
	std::string n(kAuthNonceSize, '\0');
	if (RAND_bytes(reinterpret_cast<unsigned char *>(n.data()), static_cast<int>(n.size())) != 1)
		return {};
	return n;
}

std::string auth_proof(std::string_view key, AuthRole role, std::string_view challenge, std::string_view client_nonce)
{
	std::string_view label = role == AuthRole::client ? kClientLabel : kAgentLabel;
	std::string msg;
	msg.reserve(label.size() + challenge.size() + client_nonce.size());
	msg.append(label).append(challenge).append(client_nonce);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
		  reinterpret_cast<const unsigned char *>(msg.data()), msg.size(), md, &len))
		return {};
	return std::string(reinterpret_cast<const char *>(md), len);
}

bool proof_matches(std::string_view expected, std::string_view received)
{
	// Sizes are public (always kAuthProofSize for a well-formed proof); only the bytes are secret.
	if (expected.size() != kAuthProofSize || received.size() != expected.size())
		return false;
	return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

} // namespace vaccel::rpc
