// SPDX-License-Identifier: Apache-2.0
// The op schema (include/vaccel/op_schema.hpp): docs/api.md's genop table is the one the
// schema renders, and the ECHO extension op (schema entry + noop plugin) works through genop.
#include "vtest.hpp"

#include <vaccel/op_binding.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace schema = vaccel::schema;
using schema::Arg;
using schema::Kind;
using vtest::VaccelTest;

std::string type_name(vaccel_arg_type_t t)
{
	return vaccel_arg_type_to_base_str(t);
}

// How the docs name the value of C parameter `param`: the scalar that carries it, or the
// length of the array that sets it.
std::string count_name(const schema::OpView &op, uint8_t param)
{
	for (const auto &dir : {op.read, op.write})
		for (const Arg &a : dir) {
			if (a.kind == Kind::scalar && a.param == param)
				return a.name;
			if (a.sets_count && a.count[0] == param)
				return std::string("len(") + a.name + ")";
		}
	return "?";
}

std::string render_arg(const schema::OpView &op, const Arg &a, bool write)
{
	if (a.kind == Kind::rest)
		return write ? "the caller's write args (sent with data)" : "the caller's read args";
	std::string s = type_name(a.type) + " " + a.name;
	if (a.kind == Kind::resource)
		s += " (its id)";
	if (a.kind == Kind::single)
		s += " (one value)";
	if (a.kind == Kind::array && !a.sets_count) {
		s += " (at least " + count_name(op, a.count[0]);
		if (a.count[1] != schema::kNone)
			s += "·" + count_name(op, a.count[1]);
		s += ")";
	}
	if (a.kind == Kind::matrix)
		s += " (" + count_name(op, a.count[0]) + " rows of " + count_name(op, a.count[2]) + ")";
	if (a.dir == schema::Dir::inout && a.kind != Kind::rest)
		s += " (sent with data)";
	return s;
}

std::string render_args(const schema::OpView &op, std::span<const Arg> args, bool write)
{
	if (args.empty())
		return "none";
	std::string s;
	for (const Arg &a : args)
		s += (s.empty() ? "" : ", ") + render_arg(op, a, write);
	return s;
}

// docs/api.md's table, as the schema says it.
std::string render_table()
{
	std::string t = "| op (code) | read args after the op code | write args |\n|---|---|---|\n";
	schema::for_each_op(schema::AllOps{}, [&]<typename Op>() {
		const schema::OpView op = schema::view_of<Op>();
		std::string w = render_args(op, op.write, true);
		if (op.raw_writes_swapped)
			w += "; two RAW write args: seed-era order, reversed";
		t += "| " + std::string(op.name) + " (" + std::to_string(op.code) + ") | " +
		     render_args(op, op.read, false) + " | " + w + " |\n";
	});
	return t;
}

std::string docs_table()
{
	std::ifstream in(VTEST_DOCS_DIR "/api.md");
	std::stringstream ss;
	ss << in.rdbuf();
	const std::string text = ss.str();
	const std::string begin = "<!-- op-schema:begin -->\n", end = "<!-- op-schema:end -->";
	const size_t b = text.find(begin), e = text.find(end);
	if (b == std::string::npos || e == std::string::npos || e < b)
		return "(markers not found in docs/api.md)";
	return text.substr(b + begin.size(), e - b - begin.size());
}

TEST(OpSchema, DocsTableIsTheSchemasTable)
{
	const std::string expected = render_table();
	EXPECT_EQ(expected, docs_table()) << "docs/api.md's genop table differs from include/vaccel/op_schema.hpp; the "
					     "table between the op-schema markers should read:\n"
					  << expected;
}

TEST(OpSchema, EveryGenopOpCodeAppearsOnce)
{
	std::set<unsigned> codes;
	schema::for_each_op(schema::AllOps{}, [&]<typename Op>() {
		EXPECT_TRUE(codes.insert(Op::code).second) << Op::name;
		EXPECT_TRUE(Op::code < VACCEL_OP_MAX ||
			    (Op::code >= schema::kFirstExtensionOp && Op::code < schema::kExtensionOpEnd))
			<< Op::name;
	});
	// The model ops keep their own entry points and messages.
	EXPECT_EQ(0u, codes.count(VACCEL_OP_TORCH_MODEL_RUN));
}

class Echo : public VaccelTest {
protected:
	int genop_echo(const char *in, size_t len_in, unsigned char *out, size_t len_out)
	{
		uint8_t code = schema::kOpEcho;
		vaccel_arg read[2] = {{&code, 1, VACCEL_ARG_UINT8, 0, false},
				      {const_cast<char *>(in), len_in, VACCEL_ARG_BUFFER, 0, false}};
		vaccel_arg write[1] = {{out, len_out, VACCEL_ARG_UCHAR_ARRAY, 0, false}};
		return vaccel_genop(&sess, read, 2, write, 1);
	}
	vaccel_session sess{};
};

TEST_F(Echo, PluginWithoutEchoIsNotSupported)
{
	ASSERT_OK(bootstrap(VTEST_CPU));
	ASSERT_OK(vaccel_session_init(&sess, 0));
	unsigned char out[8] = {};
	EXPECT_EQ(VACCEL_ENOTSUP, genop_echo("hi", 3, out, sizeof(out)));
	vaccel_session_release(&sess);
}

#ifdef VTEST_NOOP
TEST_F(Echo, NoopPluginEchoesThroughGenop)
{
	ASSERT_OK(bootstrap(VTEST_NOOP));
	ASSERT_OK(vaccel_session_init(&sess, 0));
	const char msg[] = "echo, echo";
	unsigned char out[32] = {};
	ASSERT_OK(genop_echo(msg, sizeof(msg), out, sizeof(out)));
	EXPECT_STREQ(msg, reinterpret_cast<char *>(out));
	// Output smaller than the input: the noop plugin refuses.
	EXPECT_EQ(VACCEL_EINVAL, genop_echo(msg, sizeof(msg), out, 4));
	// Wrong arg type: the schema-driven decoder refuses before the plugin.
	uint8_t code = schema::kOpEcho;
	float f = 1;
	vaccel_arg read[2] = {{&code, 1, VACCEL_ARG_UINT8, 0, false}, {&f, 4, VACCEL_ARG_FLOAT32, 0, false}};
	vaccel_arg write[1] = {{out, sizeof(out), VACCEL_ARG_UCHAR_ARRAY, 0, false}};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_genop(&sess, read, 2, write, 1));
	vaccel_session_release(&sess);
}
#endif

} // namespace
