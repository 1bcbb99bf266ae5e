// SPDX-License-Identifier: Apache-2.0
// Build-time helper for the torch plugin tests: writes tiny TorchScript modules whose outputs
// are easy to compute by hand.
//
// 1. Different from the shared MobileNet, so tests can run two different models at once:
//      forward(x: float [N, 4]) -> (x @ W + b  [N, 3],  relu(x).sum(1)  [N])
//      W[i][j] = i + 2j  (i < 4, j < 3),  b = [0.5, -1, 2]
// 2. A convolution whose result is flattened with view(), which works on the NCHW result of the
//    model as loaded but not on the channels-last result of its XNNPACK rewrite
//    (plugins/torch/torch_optimize.hpp), so the engine must fall back:
//      forward(x: float [N, 2, H, W]) -> clamp(conv1x1(x, K, c), 0, 6).view(N, -1)  [N, 4*H*W]
//      K[o][i] = o - 1.5 i  (o < 4, i < 2),  c = [0.25, -0.5, 1, 2]
//
// 3. A 3x3 convolution without padding and a linear, each on its own input, for the shape checks
//    the engine adds in front of libtorch's XNNPACK ops (which trust their input's shape):
//      forward(x: [N, 1, H, W], v: [M, 2]) -> (conv3x3(x, K3) [N, 2, H-2, W-2], v @ L^T + l [M, 5])
//
// Usage: make_tiny_torch_model <two_outputs.pt> <conv_view.pt> <shape_checks.pt>
#include <torch/script.h>

#include <cstdio>

int main(int argc, char **argv)
{
	if (argc != 4) {
		std::fprintf(stderr, "usage: %s <two_outputs.pt> <conv_view.pt> <shape_checks.pt>\n", argv[0]);
		return 2;
	}
	try {
		torch::jit::Module m("TinyTwoOutputs");
		auto w = torch::empty({4, 3});
		for (int i = 0; i < 4; ++i)
			for (int j = 0; j < 3; ++j)
				w[i][j] = static_cast<float>(i + 2 * j);
		m.register_buffer("w", w);
		m.register_buffer("b", torch::tensor({0.5F, -1.0F, 2.0F}));
		m.define(R"(
def forward(self, x):
    return (torch.mm(x, self.w) + self.b, torch.relu(x).sum(1))
)");
		m.save(argv[1]);

		torch::jit::Module cv("TinyConvView");
		auto k = torch::empty({4, 2, 1, 1});
		for (int o = 0; o < 4; ++o)
			for (int i = 0; i < 2; ++i)
				k[o][i][0][0] = static_cast<float>(o) - 1.5F * static_cast<float>(i);
		cv.register_buffer("k", k);
		cv.register_buffer("c", torch::tensor({0.25F, -0.5F, 1.0F, 2.0F}));
		cv.define(R"(
def forward(self, x):
    y = torch.clamp(torch.conv2d(x, self.k, self.c), 0.0, 6.0)
    return y.view(y.size(0), -1)
)");
		cv.save(argv[2]);

		torch::jit::Module sc("TinyShapeChecks");
		sc.register_buffer("k3", torch::arange(18, torch::kFloat).reshape({2, 1, 3, 3}) / 9.0);
		sc.register_buffer("l", torch::arange(10, torch::kFloat).reshape({5, 2}) - 4.0);
		sc.register_buffer("lb", torch::tensor({1.0F, 0.0F, -1.0F, 0.5F, 2.0F}));
		sc.define(R"(
def forward(self, x, v):
    return (torch.conv2d(x, self.k3), torch.linear(v, self.l, self.lb))
)");
		sc.save(argv[3]);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "make_tiny_torch_model: %s\n", e.what());
		return 1;
	}
	return 0;
}
