// SPDX-License-Identifier: Apache-2.0
// A pre-check of JPEG Huffman tables, run before stb_image sees a JPEG (image_decode.cpp).
//
// Debian's stb_image (2022-09) trusts a DHT segment's symbol counts: a table counting more than
// 256 symbols overwrites the decoder's other tables with the sender's bytes, and stb already
// parses DHT in stbi_info, before any of our structural checks could run. Found by
// tests/fuzz/fuzz_image; the reproducer is a seed of that harness and a case of
// tests/plugins/test_image.cpp.
#pragma once

#include <string>
#include <string_view>

namespace vaccel::image {

// Empty when every Huffman table that stb_image would build from the JPEG bytes `b` (starting
// with SOI) holds at most 256 symbols; otherwise the reason, for the caller's error message.
// Pure function of its input; thread-safe.
std::string check_jpeg_huffman_tables(std::string_view b);

} // namespace vaccel::image
