// SPDX-License-Identifier: Apache-2.0
#include "torch_optimize.hpp"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/fuse_linear.h>
#include <torch/csrc/jit/passes/xnnpack_rewrite.h>

#include <cstdlib>
#include <cstring>
#include <functional>

namespace vaccel::torch_engine {
namespace {

using torch::jit::Block;
using torch::jit::Graph;
using torch::jit::Node;

const c10::Symbol kConvRun = c10::Symbol::fromQualString("prepacked::conv2d_clamp_run");
const c10::Symbol kLinearRun = c10::Symbol::fromQualString("prepacked::linear_clamp_run");

// Calls `visit` on every node of `block` and of the blocks nested in it.  `visit` may destroy
// the node it is given (the iterator has moved past it already).
void for_each_node(Block *block, const std::function<void(Node *)> &visit)
{
	for (auto it = block->nodes().begin(); it != block->nodes().end();) {
		Node *node = *it++;
		for (Block *inner : node->blocks())
			for_each_node(inner, visit);
		visit(node);
	}
}

std::optional<double> constant_bound(const torch::jit::Value *v)
{
	const auto iv = torch::jit::toIValue(v);
	if (!iv)
		return std::nullopt;
	if (iv->isDouble())
		return iv->toDouble();
	if (iv->isInt())
		return static_cast<double>(iv->toInt());
	return std::nullopt;
}

bool is_conv_or_linear(const Node *n)
{
	return n->kind() == c10::aten::_convolution || n->kind() == c10::aten::conv2d || n->kind() == c10::aten::linear;
}

// Step 2 of the header: clamp(conv(x), lo, hi) -> hardtanh(conv(x), lo, hi) where the fusion can
// take it.  Bounds that are not constants, or lo > hi (or NaN), where clamp and XNNPACK's output
// range differ, stay a clamp.
void clamps_after_convolutions_to_hardtanh(Graph &graph)
{
	for_each_node(graph.block(), [&](Node *node) {
		if (node->kind() != c10::aten::clamp || node->inputs().size() != 3)
			return;
		const auto lo = constant_bound(node->input(1));
		const auto hi = constant_bound(node->input(2));
		if (!lo || !hi || !(*lo <= *hi))
			return;
		if (!is_conv_or_linear(node->input(0)->node()) || node->input(0)->uses().size() != 1)
			return;
		torch::jit::WithInsertPoint here(node);
		torch::jit::Value *replacement =
			graph.insert(c10::aten::hardtanh, {node->input(0), node->input(1), node->input(2)});
		replacement->setType(node->output()->type());
		node->output()->replaceAllUsesWith(replacement);
		node->destroy();
	});
}

std::optional<int64_t> constant_int(const torch::jit::Value *v)
{
	const auto iv = torch::jit::toIValue(v);
	return iv && iv->isInt() ? std::optional<int64_t>(iv->toInt()) : std::nullopt;
}

std::optional<std::vector<int64_t>> constant_ints(const torch::jit::Value *v)
{
	const auto iv = torch::jit::toIValue(v);
	return iv && iv->isIntList() ? std::optional(iv->toIntVector()) : std::nullopt;
}

// `x.size(dim) <op> bound`, inserted before `at`.
torch::jit::Value *size_check(Graph &g, Node *at, torch::jit::Value *x, int64_t dim, c10::Symbol op, int64_t bound)
{
	torch::jit::WithInsertPoint here(at);
	torch::jit::Value *size = g.insert(c10::aten::size, {x, g.insertConstant(dim)});
	return g.insert(op, {size, g.insertConstant(bound)});
}

// Makes `at` read its input `index` through a branch that raises `message` unless `ok`, so that
// the check is a data dependency of `at`: libtorch's rewrite passes reorder nodes that are not.
// The raising branch yields a different (empty) tensor, so no pass can merge the two branches.
void check_input(Graph &g, Node *at, size_t index, torch::jit::Value *ok, const std::string &message)
{
	torch::jit::WithInsertPoint here(at);
	Node *branch = g.insertNode(g.create(c10::prim::If, {ok}, 1));
	branch->output()->setType(c10::TensorType::get());
	branch->addBlock()->registerOutput(at->input(index));
	Block *fail = branch->addBlock();
	torch::jit::WithInsertPoint inside(fail);
	g.insert(c10::prim::RaiseException, {g.insertConstant(message)});
	fail->registerOutput(g.insertConstant(at::empty({0})));
	at->replaceInput(index, branch->output());
}

// The value a guarded input comes from (the checks of check_input pass it through unchanged).
torch::jit::Value *unguarded(torch::jit::Value *v)
{
	while (v->node()->kind() == c10::prim::If && v->node()->blocks().size() == 2)
		v = v->node()->blocks()[0]->outputs()[v->offset()];
	return v;
}

// libtorch 1.13's XNNPACK ops trust their input's shape: a convolution reads as many channels as
// its weights have (a 1-channel image fed to a 3-channel model is read 3x past its end), one whose
// input is smaller than its kernel aborts the process in an XNNPACK assertion, and a linear reads
// as many features as its weights have.  aten checks all of that, so before the rewrite every
// convolution and linear gets aten's checks as graph code; these run on every call (a few integer
// ops per layer).  Returns false for a node whose parameters are not constants (then the rewrite
// is abandoned if libtorch prepacks it anyway).
bool guard_convolution(Graph &g, Node *conv)
{
	const bool underscore = conv->kind() == c10::aten::_convolution;
	const auto weight = torch::jit::toIValue(conv->input(1));
	const auto stride = constant_ints(conv->input(3));
	const auto padding = constant_ints(conv->input(4));
	const auto dilation = constant_ints(conv->input(5));
	const auto groups = constant_int(conv->input(underscore ? 8 : 6));
	if (!weight || !weight->isTensor() || weight->toTensor().dim() != 4 || !stride || !padding ||
	    padding->size() != 2 || !dilation || dilation->size() != 2 || !groups)
		return false;
	if (underscore) {
		const auto transposed = torch::jit::toIValue(conv->input(6));
		if (!transposed || !transposed->isBool() || transposed->toBool())
			return false;
	}
	const at::Tensor &w = weight->toTensor();
	const int64_t channels = w.size(1) * *groups;
	torch::jit::Value *x = conv->input(0);
	check_input(g, conv, 0, size_check(g, conv, x, 1, c10::aten::eq, channels),
		    "convolution input must have " + std::to_string(channels) + " channels");
	for (int axis = 0; axis < 2; ++axis) {
		const int64_t span = (*dilation)[axis] * (w.size(2 + axis) - 1) + 1 - 2 * (*padding)[axis];
		check_input(g, conv, 0, size_check(g, conv, x, 2 + axis, c10::aten::ge, std::max<int64_t>(span, 1)),
			    std::string("convolution input is smaller than its kernel (") +
				    (axis == 0 ? "height" : "width") + " under " + std::to_string(span) + ")");
	}
	return true;
}

bool guard_linear(Graph &g, Node *linear)
{
	const auto weight = torch::jit::toIValue(linear->input(1));
	if (!weight || !weight->isTensor() || weight->toTensor().dim() != 2)
		return false;
	const int64_t features = weight->toTensor().size(1);
	check_input(g, linear, 0, size_check(g, linear, linear->input(0), -1, c10::aten::eq, features),
		    "linear input must have " + std::to_string(features) + " features in its last dimension");
	return true;
}

} // namespace

bool xnnpack_rewrite_enabled()
{
	const char *env = std::getenv("VACCEL_TORCH_XNNPACK");
	return env == nullptr || std::strcmp(env, "0") != 0;
}

std::optional<OptimizedModule> optimize_for_xnnpack(const torch::jit::Module &loaded, std::string &why_not)
{
	try {
		OptimizedModule out{torch::jit::freeze(loaded), {}, 0, 0};
		auto graph = out.module.get_method("forward").graph();
		torch::jit::FuseLinear(graph); // what insertPrePackedOps would do first, so its linears get guards
		int guarded = 0;
		for_each_node(graph->block(), [&](Node *n) {
			if (n->kind() == c10::aten::_convolution || n->kind() == c10::aten::conv2d)
				guarded += guard_convolution(*graph, n);
			else if (n->kind() == c10::aten::linear)
				guarded += guard_linear(*graph, n);
		});
		clamps_after_convolutions_to_hardtanh(*graph);
		torch::jit::insertPrePackedOps(out.module);
		torch::jit::fusePrePackedLinearConvWithClamp(out.module);
		torch::jit::FoldPrePackingOps(out.module);

		graph = out.module.get_method("forward").graph();
		for_each_node(graph->block(), [&](Node *n) {
			out.convolutions += n->kind() == kConvRun;
			out.linears += n->kind() == kLinearRun;
		});
		if (out.convolutions + out.linears == 0) {
			why_not = "no float convolution or linear with constant weights";
			return std::nullopt;
		}
		if (out.convolutions + out.linears > guarded) {
			why_not =
				"libtorch prepacked a convolution or linear whose input shape the engine cannot check";
			return std::nullopt;
		}
		const auto inputs = graph->inputs();
		for (size_t i = 1; i < inputs.size(); ++i) { // inputs[0] is the module itself
			bool feeds_conv = false;
			for_each_node(graph->block(), [&](Node *n) {
				feeds_conv =
					feeds_conv || (n->kind() == kConvRun && unguarded(n->input(0)) == inputs[i]);
			});
			out.channels_last.push_back(feeds_conv);
		}
		return out;
	} catch (const std::bad_alloc &) {
		throw;
	} catch (const std::exception &e) {
		why_not = "the XNNPACK rewrite failed: " + c10::GetExceptionString(e);
		return std::nullopt;
	}
}

} // namespace vaccel::torch_engine
