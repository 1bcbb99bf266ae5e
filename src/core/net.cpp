// SPDX-License-Identifier: Apache-2.0
// URL resources with libcurl: existence check (HEAD) and download. Without a URL policy
// (include/vaccel/url_policy.h) fetches behave as in vAccel 0.8; with one, every socket is
// checked before it is opened, redirects are followed here hop by hop (or refused), and every
// failure is the same VACCEL_EREMOTEIO to the caller (the reason goes to the log).
#include <arpa/inet.h>
#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "net_internal.hpp"
#include "utils_internal.hpp"
#include "url_policy.hpp"

namespace {

using vaccel::core::UrlPolicy;

// Loopback must never go through a proxy (tests serve files on 127.0.0.1).
constexpr const char kNoProxy[] = "localhost,127.0.0.1,::1";
constexpr long kMaxRedirects = 10;

struct CurlHandle {
	CURL *h = curl_easy_init();
	~CurlHandle()
	{
		if (h)
			curl_easy_cleanup(h);
	}
};

// One fetch: the policy it runs under (nullptr: vAccel 0.8 behaviour), the host of the hop
// being fetched (for allowlist names) and why the policy refused a connection.
struct Fetch {
	std::shared_ptr<const UrlPolicy> policy = vaccel::core::current_url_policy();
	std::string host;
	std::string refused;
};

std::string address_text(const sockaddr_storage &ss)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	if (ss.ss_family == AF_INET) {
		const auto *in = reinterpret_cast<const sockaddr_in *>(&ss);
		inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
		port = ntohs(in6->sin6_port);
	}
	return std::string(buf) + " port " + std::to_string(port);
}

// curl calls this for every address it is about to connect to (after DNS, for every hop):
// the place where a name that resolves to an internal address is caught.
curl_socket_t open_checked_socket(void *clientp, curlsocktype purpose, curl_sockaddr *addr)
{
	auto *f = static_cast<Fetch *>(clientp);
	sockaddr_storage ss{};
	memcpy(&ss, &addr->addr, std::min<size_t>(addr->addrlen, sizeof(ss)));
	std::string why;
	if (purpose != CURLSOCKTYPE_IPCXN) {
		f->refused = "not an outgoing connection";
		return CURL_SOCKET_BAD;
	}
	if (!vaccel::core::url_connect_allowed(*f->policy, f->host, reinterpret_cast<const sockaddr *>(&ss), why)) {
		f->refused = "connection to " + address_text(ss) + " refused: " + why;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

void common_options(CURL *h, Fetch &f, const char *url, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	errbuf[0] = '\0';
	if (!f.policy) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
		curl_easy_setopt(h, CURLOPT_NOPROXY, kNoProxy);
		return;
	}
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); // perform_hops() follows them
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_PROXY, ""); // a proxy would connect where we cannot check
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &f);
	// A stalled server must not hold the caller's thread forever.
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
}

// Scheme and lower-case host of `url` as curl reads it. False if it cannot be parsed.
bool url_scheme_host(const std::string &url, std::string &scheme, std::string &host)
{
	std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
	if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
		return false;
	char *s = nullptr, *h = nullptr;
	bool ok = curl_url_get(u.get(), CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
		  curl_url_get(u.get(), CURLUPART_HOST, &h, 0) == CURLUE_OK;
	if (ok) {
		scheme = s;
		host = h;
		std::transform(host.begin(), host.end(), host.begin(),
			       [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
	}
	curl_free(s);
	curl_free(h);
	return ok;
}

// Runs the transfer set up on `h`. Under a policy, redirects are followed here, one hop at a
// time, so that open_checked_socket() knows each hop's host and the scheme of each hop is
// checked; `before_hop` runs before every hop after the first. `why` gets a policy refusal.
CURLcode perform_hops(CURL *h, Fetch &f, const char *url, long &status, std::string &why,
		      const std::function<void()> &before_hop = {})
{
	status = 0;
	if (!f.policy) {
		CURLcode rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		return rc;
	}
	std::string cur = url;
	for (long hop = 0;; ++hop) {
		std::string scheme;
		if (!url_scheme_host(cur, scheme, f.host)) {
			why = "malformed URL " + cur;
			return CURLE_URL_MALFORMAT;
		}
		if (scheme != "http" && scheme != "https") {
			why = "scheme " + scheme + " is not allowed (http and https only)";
			return CURLE_UNSUPPORTED_PROTOCOL;
		}
		curl_easy_setopt(h, CURLOPT_URL, cur.c_str());
		if (hop > 0 && before_hop)
			before_hop();
		CURLcode rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK || status < 300 || status > 399)
			return rc;
		char *next = nullptr;
		curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
		if (!next)
			return rc;
		if (!f.policy->follow_redirects) {
			why = std::string("redirect to ") + next + " refused (redirects are not allowed)";
			return CURLE_TOO_MANY_REDIRECTS;
		}
		if (hop >= kMaxRedirects) {
			why = "too many redirects";
			return CURLE_TOO_MANY_REDIRECTS;
		}
		cur = next;
	}
}

// The reason of a failed fetch, for the log.
std::string failure_text(const Fetch &f, const std::string &why, CURLcode rc, const char *errbuf, long status)
{
	std::string text = !why.empty()         ? why
			   : !f.refused.empty() ? f.refused
			   : errbuf[0]          ? errbuf
						: curl_easy_strerror(rc);
	return text + " (HTTP status " + std::to_string(status) + ")";
}

// Maps a curl failure (and HTTP status) to a vAccel error code.
int map_failure(CURLcode rc, long status)
{
	if (status == 404 || status == 410 || rc == CURLE_REMOTE_FILE_NOT_FOUND)
		return VACCEL_ENOENT;
	if (status == 401 || status == 403 || rc == CURLE_REMOTE_ACCESS_DENIED)
		return VACCEL_EACCES;
	switch (rc) {
	case CURLE_OUT_OF_MEMORY:
		return VACCEL_ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return VACCEL_EINVAL;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
		return VACCEL_EREMOTEIO;
	case CURLE_WRITE_ERROR:
		return VACCEL_EIO;
	default:
		return VACCEL_EIO;
	}
}

size_t write_to_file(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return fwrite(ptr, size, nmemb, static_cast<FILE *>(userdata));
}

struct Progress {
	const char *url;
	curl_off_t last_logged = -1;
};

int log_progress(void *p, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t)
{
	auto *prog = static_cast<Progress *>(p);
	// One line per 10% (or per MiB when the size is unknown), at debug.
	curl_off_t step = total > 0 ? total / 10 : (1 << 20);
	if (step <= 0)
		step = 1;
	if (prog->last_logged < 0 || now - prog->last_logged >= step || (total > 0 && now == total)) {
		if (now != prog->last_logged && vaccel_log_enabled(VACCEL_LOG_DEBUG)) {
			if (total > 0)
				vaccel_debug("Downloading %s: %lld/%lld bytes (%d%%)", prog->url,
					     static_cast<long long>(now), static_cast<long long>(total),
					     static_cast<int>(now * 100 / total));
			else
				vaccel_debug("Downloading %s: %lld bytes", prog->url, static_cast<long long>(now));
		}
		prog->last_logged = now;
	}
	return 0;
}

} // namespace

namespace vaccel::core {

void net_global_init()
{
	static std::once_flag once;
	std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

int net_download(const char *url, const std::string &dest)
{
	net_global_init();
	CurlHandle c;
	if (!c.h)
		return VACCEL_ENOMEM;
	FILE *f = fopen(dest.c_str(), "wbe");
	if (!f) {
		int err = errno;
		vaccel_error("Could not create %s: %s", dest.c_str(), strerror(err));
		return err;
	}
	char errbuf[CURL_ERROR_SIZE];
	Fetch fetch;
	std::string why;
	common_options(c.h, fetch, url, errbuf);
	curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, write_to_file);
	curl_easy_setopt(c.h, CURLOPT_WRITEDATA, f);
	Progress prog{url};
	curl_easy_setopt(c.h, CURLOPT_XFERINFOFUNCTION, log_progress);
	curl_easy_setopt(c.h, CURLOPT_XFERINFODATA, &prog);
	curl_easy_setopt(c.h, CURLOPT_NOPROGRESS, 0L);
	vaccel_debug("Downloading %s to %s", url, dest.c_str());
	bool truncate_failed = false;
	auto drop_redirect_body = [&] {
		// The file holds the body of the redirect response: start it again.
		truncate_failed |= fflush(f) != 0 || ftruncate(fileno(f), 0) != 0;
		rewind(f);
	};
	long status = 0;
	CURLcode rc = perform_hops(c.h, fetch, url, status, why, drop_redirect_body);
	bool close_failed = fclose(f) != 0 || truncate_failed;
	if (rc != CURLE_OK || close_failed || !why.empty()) {
		vaccel_error("Could not download %s: %s", url,
			     close_failed ? "write error" : failure_text(fetch, why, rc, errbuf, status).c_str());
		unlink(dest.c_str());
		if (close_failed)
			return VACCEL_EIO;
		return fetch.policy ? VACCEL_EREMOTEIO : map_failure(rc, status);
	}
	vaccel_debug("Downloaded %s", url);
	return VACCEL_OK;
}

std::string net_url_filename(const char *url)
{
	std::string u(url);
	size_t cut = u.find_first_of("?#");
	if (cut != std::string::npos)
		u.resize(cut);
	size_t scheme = u.find("://");
	std::string rest = scheme == std::string::npos ? u : u.substr(scheme + 3);
	size_t slash = rest.find('/');
	if (slash == std::string::npos)
		return "file";
	std::string path = rest.substr(slash);
	while (!path.empty() && path.back() == '/')
		path.pop_back();
	size_t last = path.rfind('/');
	std::string name = last == std::string::npos ? path : path.substr(last + 1);
	if (name.empty() || name == "." || name == "..")
		return "file";
	return name;
}

} // namespace vaccel::core
