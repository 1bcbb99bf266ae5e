// SPDX-License-Identifier: Apache-2.0
// Operations on a vaccel::Session. Each throws vaccel::Error with the C
// API's code; outputs come back as C++ values instead of caller buffers.
#ifndef VACCEL_CPP_OPS_HPP
#define VACCEL_CPP_OPS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "../ops/blas.h"
#include "../ops/exec.h"
#include "../ops/genop.h"
#include "../ops/image.h"
#include "../ops/noop.h"
#include "arg.hpp"
#include "error.hpp"
#include "resource.hpp"
#include "session.hpp"

namespace vaccel {

// Default room for the NUL-terminated strings the image ops return.
inline constexpr std::size_t default_text_capacity = 512;

namespace detail {
// The C ops write NUL-terminated text into a fixed buffer.
inline std::string text_from(const std::vector<unsigned char> &buf)
{
	const auto *begin = reinterpret_cast<const char *>(buf.data());
	return std::string(begin, strnlen(begin, buf.size()));
}
inline void ensure(bool ok, const char *what)
{
	if (!ok)
		throw Error(VACCEL_EINVAL, what);
}
} // namespace detail

inline void noop(Session &sess)
{
	check(vaccel_noop(sess.get()), "vaccel_noop");
}

struct Classification {
	std::string tag;
	std::string image_name;
};

inline Classification image_classify(Session &sess, std::span<const std::byte> image,
				     std::size_t capacity = default_text_capacity)
{
	std::vector<unsigned char> text(capacity, 0), name(capacity, 0);
	check(vaccel_image_classification(sess.get(), image.data(), text.data(), name.data(), image.size(), text.size(),
					  name.size()),
	      "vaccel_image_classification");
	return {detail::text_from(text), detail::text_from(name)};
}

namespace detail {
using ImageOp = int (*)(vaccel_session *, const void *, unsigned char *, size_t, size_t);
inline std::string run_image_op(ImageOp op, const char *what, Session &sess, std::span<const std::byte> image,
				std::size_t capacity)
{
	std::vector<unsigned char> name(capacity, 0);
	check(op(sess.get(), image.data(), name.data(), image.size(), name.size()), what);
	return text_from(name);
}
} // namespace detail

inline std::string image_detect(Session &sess, std::span<const std::byte> image,
				std::size_t capacity = default_text_capacity)
{
	return detail::run_image_op(vaccel_image_detection, "vaccel_image_detection", sess, image, capacity);
}
inline std::string image_segment(Session &sess, std::span<const std::byte> image,
				 std::size_t capacity = default_text_capacity)
{
	return detail::run_image_op(vaccel_image_segmentation, "vaccel_image_segmentation", sess, image, capacity);
}
inline std::string image_pose(Session &sess, std::span<const std::byte> image,
			      std::size_t capacity = default_text_capacity)
{
	return detail::run_image_op(vaccel_image_pose, "vaccel_image_pose", sess, image, capacity);
}
inline std::string image_depth(Session &sess, std::span<const std::byte> image,
			       std::size_t capacity = default_text_capacity)
{
	return detail::run_image_op(vaccel_image_depth, "vaccel_image_depth", sess, image, capacity);
}

// Row-major C = alpha*A*B + beta*C. The spans must cover the matrices their
// leading dimensions describe (checked here: Error(VACCEL_EINVAL) otherwise).
inline void sgemm(Session &sess, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, std::span<const float> a,
		  std::int64_t lda, std::span<const float> b, std::int64_t ldb, float beta, std::span<float> c,
		  std::int64_t ldc)
{
	auto covers = [](std::span<const float> s, std::int64_t rows, std::int64_t ld) {
		return rows > 0 && ld > 0 && s.size() >= static_cast<std::size_t>(rows * ld);
	};
	detail::ensure(covers(a, m, lda) && covers(b, k, ldb) && covers(c, m, ldc),
		       "vaccel::sgemm: span smaller than the matrix");
	check(vaccel_sgemm(sess.get(), m, n, k, alpha, const_cast<float *>(a.data()), lda,
			   const_cast<float *>(b.data()), ldb, beta, c.data(), ldc),
	      "vaccel_sgemm");
}

inline void exec(Session &sess, const std::string &library, const std::string &symbol, std::span<vaccel_arg> read,
		 std::span<vaccel_arg> write)
{
	check(vaccel_exec(sess.get(), library.c_str(), symbol.c_str(), read.data(), read.size(), write.data(),
			  write.size()),
	      "vaccel_exec");
}
inline void exec(Session &sess, const std::string &library, const std::string &symbol, ArgArray &read, ArgArray &write)
{
	exec(sess, library, symbol, read.args(), write.args());
}

inline void exec_with_resource(Session &sess, Resource &library, const std::string &symbol, std::span<vaccel_arg> read,
			       std::span<vaccel_arg> write)
{
	check(vaccel_exec_with_resource(sess.get(), library.get(), symbol.c_str(), read.data(), read.size(),
					write.data(), write.size()),
	      "vaccel_exec_with_resource");
}
inline void exec_with_resource(Session &sess, Resource &library, const std::string &symbol, ArgArray &read,
			       ArgArray &write)
{
	exec_with_resource(sess, library, symbol, read.args(), write.args());
}

// read[0] must be the op code (UINT8); see vaccel/ops/genop.h.
inline void genop(Session &sess, std::span<vaccel_arg> read, std::span<vaccel_arg> write)
{
	check(vaccel_genop(sess.get(), read.data(), static_cast<int>(read.size()), write.data(),
			   static_cast<int>(write.size())),
	      "vaccel_genop");
}
inline void genop(Session &sess, ArgArray &read, ArgArray &write)
{
	genop(sess, read.args(), write.args());
}

} // namespace vaccel

#endif // VACCEL_CPP_OPS_HPP
