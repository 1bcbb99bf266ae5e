// SPDX-License-Identifier: Apache-2.0
// Build-time helper for the torch plugin tests: writes a tiny TorchScript module that is
// different from the shared MobileNet (so tests can run two different models at once) and
// whose outputs are easy to compute by hand.
//
//   forward(x: float [N, 4]) -> (x @ W + b  [N, 3],  relu(x).sum(1)  [N])
//   W[i][j] = i + 2j  (i < 4, j < 3),  b = [0.5, -1, 2]
//
// Usage: make_tiny_torch_model <output.pt>
#include <torch/script.h>

#include <cstdio>

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s <output.pt>\n", argv[0]);
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
	} catch (const std::exception &e) {
		std::fprintf(stderr, "make_tiny_torch_model: %s\n", e.what());
		return 1;
	}
	return 0;
}
