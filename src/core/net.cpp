// SPDX-License-Identifier: Apache-2.0
// URL resources with libcurl: existence check (HEAD) and download.
#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include "core_internal.hpp"

namespace {

// Loopback must never go through a proxy (tests serve files on 127.0.0.1).
constexpr const char kNoProxy[] = "localhost,127.0.0.1,::1";

struct CurlHandle {
	CURL *h = curl_easy_init();
	~CurlHandle()
	{
		if (h)
			curl_easy_cleanup(h);
	}
};

void common_options(CURL *h, const char *url, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, kNoProxy);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	errbuf[0] = '\0';
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

size_t stop_at_first_chunk(char *, size_t, size_t, void *)
{
	return 0; // aborts the transfer: we only wanted the status
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
				vaccel_debug("Downloading %s: %lld bytes", prog->url,
					     static_cast<long long>(now));
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

int net_url_check(const char *url)
{
	net_global_init();
	CurlHandle c;
	if (!c.h)
		return VACCEL_ENOMEM;
	char errbuf[CURL_ERROR_SIZE];
	common_options(c.h, url, errbuf);
	curl_easy_setopt(c.h, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c.h, CURLOPT_TIMEOUT, 60L);
	CURLcode rc = curl_easy_perform(c.h);
	long status = 0;
	curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && (status < 400))
		return VACCEL_OK;
	if (status == 405 || status == 501) {
		// Server refuses HEAD: start a GET and stop at the first byte.
		curl_easy_setopt(c.h, CURLOPT_NOBODY, 0L);
		curl_easy_setopt(c.h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, stop_at_first_chunk);
		rc = curl_easy_perform(c.h);
		curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
		if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && status < 400)
			return VACCEL_OK;
	}
	vaccel_error("URL %s is not reachable: %s%s(HTTP status %ld)", url,
		     errbuf[0] ? errbuf : curl_easy_strerror(rc), " ", status);
	return map_failure(rc, status);
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
	common_options(c.h, url, errbuf);
	curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, write_to_file);
	curl_easy_setopt(c.h, CURLOPT_WRITEDATA, f);
	Progress prog{url};
	curl_easy_setopt(c.h, CURLOPT_XFERINFOFUNCTION, log_progress);
	curl_easy_setopt(c.h, CURLOPT_XFERINFODATA, &prog);
	curl_easy_setopt(c.h, CURLOPT_NOPROGRESS, 0L);
	vaccel_debug("Downloading %s to %s", url, dest.c_str());
	CURLcode rc = curl_easy_perform(c.h);
	long status = 0;
	curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
	bool close_failed = fclose(f) != 0;
	if (rc != CURLE_OK || close_failed) {
		vaccel_error("Could not download %s: %s (HTTP status %ld)", url,
			     close_failed ? "write error" : (errbuf[0] ? errbuf : curl_easy_strerror(rc)),
			     status);
		unlink(dest.c_str());
		return close_failed ? VACCEL_EIO : map_failure(rc, status);
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
