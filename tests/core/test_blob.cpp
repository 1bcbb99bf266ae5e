// SPDX-License-Identifier: Apache-2.0
// vaccel/blob.h.
#include "vtest.hpp"

namespace {

namespace fs = std::filesystem;

class Blob : public ::testing::Test {
protected:
	void SetUp() override { vtest::write_file(tmp / "f.bin", "file-bytes"); }
	vtest::TempDir tmp;
};

TEST_F(Blob, FromFile)
{
	vaccel_blob b{};
	ASSERT_OK(vaccel_blob_init(&b, (tmp / "f.bin").c_str()));
	EXPECT_EQ(VACCEL_BLOB_FILE, b.type);
	EXPECT_STREQ("f.bin", b.name);
	EXPECT_STREQ((tmp / "f.bin").c_str(), vaccel_blob_path(&b));
	EXPECT_FALSE(b.path_owned);
	EXPECT_TRUE(vaccel_blob_valid(&b));
	ASSERT_OK(vaccel_blob_read(&b));
	EXPECT_EQ(VACCEL_BLOB_MAPPED, b.type);
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(&b, &size);
	ASSERT_NE(nullptr, data);
	EXPECT_EQ("file-bytes", std::string(reinterpret_cast<char *>(data), size));
	EXPECT_OK(vaccel_blob_read(&b)); // already has data: no-op
	EXPECT_OK(vaccel_blob_release(&b));
	EXPECT_TRUE(fs::exists(tmp / "f.bin")) << "a borrowed file is never removed";
}

TEST_F(Blob, DataReadsLazily)
{
	vaccel_blob *b = nullptr;
	ASSERT_OK(vaccel_blob_new(&b, (tmp / "f.bin").c_str()));
	EXPECT_EQ(nullptr, b->data);
	size_t size = 0;
	ASSERT_NE(nullptr, vaccel_blob_data(b, &size));
	EXPECT_EQ(10u, size);
	EXPECT_NE(nullptr, vaccel_blob_data(b, nullptr));
	EXPECT_OK(vaccel_blob_delete(b));
}

TEST_F(Blob, Errors)
{
	vaccel_blob b{};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init(nullptr, "x"));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init(&b, nullptr));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_blob_init(&b, (tmp / "missing").c_str()));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_release(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_delete(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_read(nullptr));
	EXPECT_EQ(nullptr, vaccel_blob_data(nullptr, nullptr));
	EXPECT_EQ(nullptr, vaccel_blob_path(nullptr));
	EXPECT_FALSE(vaccel_blob_valid(nullptr));
	vaccel_blob *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_new(nullptr, "x"));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_blob_new(&heap, (tmp / "missing").c_str()));
	const uint8_t byte = 1;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init_from_buf(nullptr, &byte, 1, true, "n", nullptr, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init_from_buf(&b, nullptr, 1, true, "n", nullptr, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init_from_buf(&b, &byte, 0, true, "n", nullptr, false));
	// Persisting needs a file name.
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_init_from_buf(&b, &byte, 1, true, nullptr, tmp.path().c_str(), false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_from_buf(nullptr, &byte, 1, true, "n", nullptr, false));
}

TEST_F(Blob, BufferOwnedCopy)
{
	uint8_t bytes[] = {9, 8, 7};
	vaccel_blob b{};
	ASSERT_OK(vaccel_blob_init_from_buf(&b, bytes, 3, true, "mem.bin", nullptr, false));
	EXPECT_EQ(VACCEL_BLOB_BUFFER, b.type);
	EXPECT_EQ(nullptr, vaccel_blob_path(&b));
	EXPECT_TRUE(b.data_owned);
	EXPECT_NE(bytes, b.data);
	bytes[0] = 0;
	EXPECT_EQ(9, b.data[0]);
	EXPECT_TRUE(vaccel_blob_valid(&b));
	EXPECT_OK(vaccel_blob_release(&b));
}

TEST_F(Blob, BufferBorrowed)
{
	uint8_t bytes[] = {1, 2};
	vaccel_blob *b = nullptr;
	ASSERT_OK(vaccel_blob_from_buf(&b, bytes, 2, false, "borrowed", nullptr, false));
	EXPECT_EQ(bytes, b->data);
	EXPECT_FALSE(b->data_owned);
	EXPECT_OK(vaccel_blob_delete(b));
	EXPECT_EQ(1, bytes[0]);
}

TEST_F(Blob, BufferPersistedToDir)
{
	const uint8_t bytes[] = {'o', 'k'};
	vaccel_blob b{};
	ASSERT_OK(vaccel_blob_init_from_buf(&b, bytes, 2, true, "out.bin", tmp.path().c_str(), false));
	EXPECT_EQ(VACCEL_BLOB_MAPPED, b.type);
	EXPECT_TRUE(b.path_owned);
	EXPECT_EQ((tmp / "out.bin").string(), vaccel_blob_path(&b));
	EXPECT_EQ("ok", vtest::read_file(tmp / "out.bin"));
	EXPECT_OK(vaccel_blob_release(&b));
	EXPECT_FALSE(fs::exists(tmp / "out.bin")) << "files the blob created are removed";
}

TEST_F(Blob, PersistRandomizedNamesDoNotCollide)
{
	const uint8_t bytes[] = {'r'};
	vaccel_blob a{}, b{};
	ASSERT_OK(vaccel_blob_init_from_buf(&a, bytes, 1, true, "same", tmp.path().c_str(), true));
	ASSERT_OK(vaccel_blob_init_from_buf(&b, bytes, 1, true, "same", tmp.path().c_str(), true));
	EXPECT_STRNE(vaccel_blob_path(&a), vaccel_blob_path(&b));
	EXPECT_TRUE(fs::exists(vaccel_blob_path(&a)));
	EXPECT_TRUE(fs::exists(vaccel_blob_path(&b)));
	EXPECT_OK(vaccel_blob_release(&a));
	EXPECT_OK(vaccel_blob_release(&b));
	EXPECT_EQ(1u, vtest::count_entries(tmp.path())); // only f.bin left
}

TEST_F(Blob, PersistLater)
{
	const uint8_t bytes[] = {'p', 'l'};
	vaccel_blob b{};
	ASSERT_OK(vaccel_blob_init_from_buf(&b, bytes, 2, true, "x", nullptr, false));
	ASSERT_OK(vaccel_blob_persist(&b, tmp.path().c_str(), "later.bin", false));
	EXPECT_EQ(VACCEL_BLOB_MAPPED, b.type);
	EXPECT_EQ("pl", vtest::read_file(tmp / "later.bin"));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_persist(nullptr, tmp.path().c_str(), "x", false));
	EXPECT_OK(vaccel_blob_release(&b));
	EXPECT_FALSE(fs::exists(tmp / "later.bin"));
	vaccel_blob c{};
	ASSERT_OK(vaccel_blob_init_from_buf(&c, bytes, 2, true, "x", nullptr, false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_blob_persist(&c, nullptr, "x", false));
	EXPECT_NE(VACCEL_OK, vaccel_blob_persist(&c, (tmp / "no" / "such" / "dir").c_str(), "x", false));
	EXPECT_OK(vaccel_blob_release(&c));
}

} // namespace
