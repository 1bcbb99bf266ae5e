// SPDX-License-Identifier: Apache-2.0
// Private header of net.cpp (never installed): URL downloads for remote-file resources (libcurl).
#pragma once

#include <string>

namespace vaccel::core {

// libcurl global init (idempotent, thread-safe); called by bootstrap.
void net_global_init();
// Downloads `url` to the file `dest` (created/truncated). Logs progress at
// debug level. VACCEL_OK or an error code (logged); `dest` is removed on
// failure.
int net_download(const char *url, const std::string &dest);
// File name part of a URL ("file" if it has none).
std::string net_url_filename(const char *url);

} // namespace vaccel::core
