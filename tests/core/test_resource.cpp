// SPDX-License-Identifier: Apache-2.0
// vaccel/resource.h and vaccel/blob.h: resources from files, file://,
// directories, several paths, buffers (persisted / mem_only), blobs and
// http:// URLs; registration, sharing, refcount, lookups, rundir layout.
#include "vtest.hpp"
#include "vtest_c_calls.h"

#include <set>

namespace {

using vtest::VaccelTest;
namespace fs = std::filesystem;

class Resource : public VaccelTest {
protected:
	void SetUp() override
	{
		ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE})));
		vtest::write_file(tmp / "model.bin", "MODEL-BYTES");
		vtest::write_file(tmp / "labels.txt", "cat\ndog\n");
		fs::create_directories(tmp / "dir" / "sub");
		vtest::write_file(tmp / "dir" / "one.txt", "1");
		vtest::write_file(tmp / "dir" / "two.txt", "22");
		vtest::write_file(tmp / "dir" / "sub" / "three.txt", "333");
	}
	std::string path(const std::string &name) const { return (tmp / name).string(); }
	static fs::path resource_dir(const vaccel_resource &res)
	{
		return fs::path(vaccel_rundir()) / ("resource." + std::to_string(res.id));
	}
	vtest::TempDir tmp;
};

TEST_F(Resource, FromBarePath)
{
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_GT(res.id, 0);
	EXPECT_EQ(0, res.remote_id);
	EXPECT_EQ(VACCEL_RESOURCE_MODEL, res.type);
	EXPECT_EQ(VACCEL_PATH_LOCAL_FILE, res.path_type);
	ASSERT_EQ(1u, res.nr_paths);
	EXPECT_EQ(path("model.bin"), res.paths[0]);
	ASSERT_EQ(1u, res.nr_blobs);
	ASSERT_NE(nullptr, res.blobs[0]);
	EXPECT_STREQ("model.bin", res.blobs[0]->name);
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(res.blobs[0], &size);
	ASSERT_NE(nullptr, data);
	EXPECT_EQ("MODEL-BYTES", std::string(reinterpret_cast<char *>(data), size));
	EXPECT_EQ(0, vaccel_resource_refcount(&res));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_TRUE(fs::exists(path("model.bin"))) << "the user's file must never be deleted";
}

TEST_F(Resource, FromFileUri)
{
	vaccel_resource res{};
	std::string uri = "file://" + path("labels.txt");
	ASSERT_OK(vaccel_resource_init(&res, uri.c_str(), VACCEL_RESOURCE_DATA));
	EXPECT_EQ(VACCEL_PATH_LOCAL_FILE, res.path_type);
	ASSERT_EQ(1u, res.nr_blobs);
	EXPECT_STREQ(path("labels.txt").c_str(), vaccel_blob_path(res.blobs[0]));
	EXPECT_OK(vaccel_resource_release(&res));
}

TEST_F(Resource, InitErrors)
{
	vaccel_resource res{};
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_init(&res, path("missing.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_ENOENT,
		  vaccel_resource_init(&res, ("file://" + path("missing")).c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init(nullptr, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init(&res, nullptr, VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MAX));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_release(nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_delete(nullptr));
	vaccel_resource *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_new(nullptr, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_new(&heap, path("nope").c_str(), VACCEL_RESOURCE_MODEL));
}

TEST_F(Resource, NewAndDelete)
{
	vaccel_resource *res = nullptr;
	ASSERT_OK(vaccel_resource_new(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_NE(nullptr, res);
	vaccel_id_t id = res->id;
	vaccel_resource *found = nullptr;
	ASSERT_OK(vaccel_resource_get_by_id(&found, id));
	EXPECT_EQ(res, found);
	EXPECT_OK(vaccel_resource_delete(res));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_get_by_id(&found, id));
}

TEST_F(Resource, Directory)
{
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("dir").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_PATH_LOCAL_DIR, res.path_type);
	char out[PATH_MAX];
	ASSERT_OK(vaccel_resource_directory(&res, out, sizeof(out), nullptr));
	EXPECT_EQ(fs::canonical(path("dir")), fs::canonical(out));
	char *alloc = nullptr;
	ASSERT_OK(vaccel_resource_directory(&res, nullptr, 0, &alloc));
	ASSERT_NE(nullptr, alloc);
	EXPECT_STREQ(out, alloc);
	free(alloc);
	char tiny[4];
	EXPECT_NE(VACCEL_OK, vaccel_resource_directory(&res, tiny, sizeof(tiny), nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_directory(nullptr, out, sizeof(out), nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_directory(&res, nullptr, 0, nullptr));

	// Registration lists the files (one blob per file, subdirectories included).
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	EXPECT_EQ(3u, res.nr_blobs);
	std::set<std::string> names;
	for (size_t i = 0; i < res.nr_blobs; ++i)
		names.insert(res.blobs[i]->name);
	EXPECT_TRUE(names.count("one.txt") && names.count("two.txt") && names.count("three.txt"));
	EXPECT_OK(vaccel_session_release(&sess));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_TRUE(fs::exists(path("dir/sub/three.txt")));
}

TEST_F(Resource, DirectoryOfFileResourceIsEnotsup)
{
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	char out[PATH_MAX];
	EXPECT_EQ(VACCEL_ENOTSUP, vaccel_resource_directory(&res, out, sizeof(out), nullptr));
	EXPECT_OK(vaccel_resource_release(&res));
}

TEST_F(Resource, Multi)
{
	std::string a = path("model.bin"), b = path("labels.txt");
	const char *paths[] = {a.c_str(), b.c_str()};
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_multi(&res, paths, 2, VACCEL_RESOURCE_LIB));
	EXPECT_EQ(2u, res.nr_paths);
	EXPECT_EQ(2u, res.nr_blobs);
	EXPECT_STREQ("model.bin", res.blobs[0]->name);
	EXPECT_STREQ("labels.txt", res.blobs[1]->name); // order kept (deps first, main lib last)
	EXPECT_OK(vaccel_resource_release(&res));

	vaccel_resource *heap = nullptr;
	ASSERT_OK(vaccel_resource_multi_new(&heap, paths, 2, VACCEL_RESOURCE_DATA));
	EXPECT_OK(vaccel_resource_delete(heap));
}

TEST_F(Resource, MultiErrors)
{
	std::string a = path("model.bin"), d = path("dir"), missing = path("missing");
	vaccel_resource res{};
	const char *with_dir[] = {a.c_str(), d.c_str()};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_multi(&res, with_dir, 2, VACCEL_RESOURCE_DATA));
	const char *with_missing[] = {a.c_str(), missing.c_str()};
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_init_multi(&res, with_missing, 2, VACCEL_RESOURCE_DATA));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_multi(&res, nullptr, 2, VACCEL_RESOURCE_DATA));
	const char *ok[] = {a.c_str()};
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_multi(&res, ok, 0, VACCEL_RESOURCE_DATA));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_multi(nullptr, ok, 1, VACCEL_RESOURCE_DATA));
}

TEST_F(Resource, FromBufferPersisted)
{
	const std::string bytes = "persist-me";
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_from_buf(&res, bytes.data(), bytes.size(), VACCEL_RESOURCE_DATA, "saved.bin",
						false));
	ASSERT_EQ(1u, res.nr_blobs);
	const char *p = vaccel_blob_path(res.blobs[0]);
	ASSERT_NE(nullptr, p);
	fs::path expected = resource_dir(res) / "saved.bin";
	EXPECT_EQ(expected.string(), std::string(p));
	EXPECT_EQ(bytes, vtest::read_file(p));
	ASSERT_NE(nullptr, res.rundir);
	EXPECT_EQ(resource_dir(res).string(), std::string(res.rundir));
	EXPECT_EQ(VACCEL_BLOB_MAPPED, res.blobs[0]->type);
	fs::path dir = resource_dir(res);
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_FALSE(fs::exists(expected));
	EXPECT_FALSE(fs::exists(dir));
}

TEST_F(Resource, FromBufferRandomName)
{
	const std::string bytes = "anonymous";
	vaccel_resource *res = nullptr;
	ASSERT_OK(vaccel_resource_from_buf(&res, bytes.data(), bytes.size(), VACCEL_RESOURCE_DATA, nullptr, false));
	ASSERT_EQ(1u, res->nr_blobs);
	ASSERT_NE(nullptr, vaccel_blob_path(res->blobs[0]));
	const std::string p = vaccel_blob_path(res->blobs[0]);
	EXPECT_EQ(bytes, vtest::read_file(p));
	EXPECT_EQ(resource_dir(*res), fs::path(p).parent_path());
	EXPECT_OK(vaccel_resource_delete(res));
	EXPECT_FALSE(fs::exists(p));
}

TEST_F(Resource, FromBufferMemOnly)
{
	std::string bytes = "only-in-memory";
	vaccel_resource res{};
	ASSERT_OK(
		vaccel_resource_init_from_buf(&res, bytes.data(), bytes.size(), VACCEL_RESOURCE_MODEL, "m.bin", true));
	ASSERT_EQ(1u, res.nr_blobs);
	EXPECT_EQ(VACCEL_BLOB_BUFFER, res.blobs[0]->type);
	EXPECT_EQ(nullptr, vaccel_blob_path(res.blobs[0]));
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(res.blobs[0], &size);
	ASSERT_EQ(bytes.size(), size);
	bytes[0] = 'X'; // the resource holds a copy
	EXPECT_EQ("only-in-memory", std::string(reinterpret_cast<char *>(data), size));
	EXPECT_EQ(0u, vtest::count_entries(resource_dir(res)));
	EXPECT_OK(vaccel_resource_release(&res));
}

TEST_F(Resource, FromBufferErrors)
{
	vaccel_resource res{};
	const char b[] = "x";
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_buf(nullptr, b, 1, VACCEL_RESOURCE_DATA, "f", false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_buf(&res, nullptr, 1, VACCEL_RESOURCE_DATA, "f", false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_buf(&res, b, 0, VACCEL_RESOURCE_DATA, "f", false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_buf(&res, b, 1, VACCEL_RESOURCE_MAX, "f", true));
	vaccel_resource *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_from_buf(nullptr, b, 1, VACCEL_RESOURCE_DATA, "f", false));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_from_buf(&heap, nullptr, 1, VACCEL_RESOURCE_DATA, "f", false));
}

TEST_F(Resource, FromBlobs)
{
	vaccel_blob file_blob{}, buf_blob{};
	ASSERT_OK(vaccel_blob_init(&file_blob, path("model.bin").c_str()));
	const uint8_t bytes[] = {1, 2, 3, 4};
	ASSERT_OK(vaccel_blob_init_from_buf(&buf_blob, bytes, sizeof(bytes), true, "four.bin", nullptr, false));
	const vaccel_blob *blobs[] = {&file_blob, &buf_blob};
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_from_blobs(&res, blobs, 2, VACCEL_RESOURCE_MODEL));
	ASSERT_EQ(2u, res.nr_blobs);
	EXPECT_NE(&file_blob, res.blobs[0]) << "blobs are copied";
	EXPECT_STREQ(path("model.bin").c_str(), vaccel_blob_path(res.blobs[0]));
	EXPECT_EQ(VACCEL_BLOB_BUFFER, res.blobs[1]->type);
	size_t size = 0;
	uint8_t *data = vaccel_blob_data(res.blobs[1], &size);
	ASSERT_EQ(4u, size);
	EXPECT_EQ(0, memcmp(bytes, data, 4));
	EXPECT_OK(vaccel_resource_release(&res));
	// The originals are untouched.
	EXPECT_TRUE(vaccel_blob_valid(&file_blob));
	EXPECT_TRUE(vaccel_blob_valid(&buf_blob));
	EXPECT_OK(vaccel_blob_release(&file_blob));
	EXPECT_OK(vaccel_blob_release(&buf_blob));

	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_blobs(&res, nullptr, 1, VACCEL_RESOURCE_DATA));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_init_from_blobs(&res, blobs, 0, VACCEL_RESOURCE_DATA));
	vaccel_resource *heap = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_from_blobs(nullptr, blobs, 1, VACCEL_RESOURCE_DATA));
	vaccel_blob again{};
	ASSERT_OK(vaccel_blob_init(&again, path("labels.txt").c_str()));
	const vaccel_blob *one[] = {&again};
	ASSERT_OK(vaccel_resource_from_blobs(&heap, one, 1, VACCEL_RESOURCE_DATA));
	EXPECT_OK(vaccel_resource_delete(heap));
	EXPECT_OK(vaccel_blob_release(&again));
}

TEST_F(Resource, RegisterUnregisterRefcountAndHooks)
{
	vaccel_session s1{}, s2{};
	ASSERT_OK(vaccel_session_init(&s1, 0));
	ASSERT_OK(vaccel_session_init(&s2, 0));
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	vtest::reset_record(VTEST_CPU);

	ASSERT_OK(vaccel_resource_register(&res, &s1));
	EXPECT_EQ(1, vaccel_resource_refcount(&res));
	EXPECT_EQ(1u, vtest::record(VTEST_CPU)->resource_register_calls) << "0.8: every plugin gets the hook";
	EXPECT_EQ(res.id, vtest::record(VTEST_CPU)->last_resource_id);
	// Twice with the same session: a warning, not an error, no double count.
	EXPECT_OK(vaccel_resource_register(&res, &s1));
	EXPECT_EQ(1, vaccel_resource_refcount(&res));
	// Shared with a second session.
	ASSERT_OK(vaccel_resource_register(&res, &s2));
	EXPECT_EQ(2, vaccel_resource_refcount(&res));
	EXPECT_TRUE(vaccel_session_has_resource(&s1, &res));
	EXPECT_TRUE(vaccel_session_has_resource(&s2, &res));

	ASSERT_OK(vaccel_resource_unregister(&res, &s1));
	EXPECT_EQ(1, vaccel_resource_refcount(&res));
	EXPECT_FALSE(vaccel_session_has_resource(&s1, &res));
	EXPECT_EQ(VACCEL_EPERM, vaccel_resource_unregister(&res, &s1));
	EXPECT_GE(vtest::record(VTEST_CPU)->resource_unregister_calls, 1u);

	// Releasing the resource unregisters it from the remaining session.
	ASSERT_OK(vaccel_resource_release(&res));
	EXPECT_FALSE(vaccel_session_has_resource(&s2, &res));
	vaccel_resource *found = nullptr;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_type(&s2, &found, VACCEL_RESOURCE_MODEL));
	EXPECT_OK(vaccel_session_release(&s1));
	EXPECT_OK(vaccel_session_release(&s2));
}

TEST_F(Resource, RegisterErrors)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_register(nullptr, &sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_register(&res, nullptr));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_unregister(nullptr, &sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_unregister(&res, nullptr));
	EXPECT_EQ(VACCEL_EPERM, vaccel_resource_unregister(&res, &sess));
	EXPECT_EQ(-VACCEL_EINVAL, vaccel_resource_refcount(nullptr));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Resource, RemoteRegistrationGetsRemoteIdAndIsShared)
{
	vaccel_session r1{}, r2{};
	ASSERT_OK(vaccel_session_init(&r1, VACCEL_PLUGIN_REMOTE));
	ASSERT_OK(vaccel_session_init(&r2, VACCEL_PLUGIN_REMOTE));
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_register(&res, &r1));
	EXPECT_EQ(5000 + res.id, res.remote_id);
	// The transport saw the file's bytes as a blob.
	EXPECT_EQ(1u, vtest::record(VTEST_REMOTE)->last_register_nr_blobs);
	ASSERT_OK(vaccel_resource_register(&res, &r2));
	EXPECT_EQ(5000 + res.id, res.remote_id); // reused
	EXPECT_EQ(2, vaccel_resource_refcount(&res));
	EXPECT_EQ(2u, vtest::record(VTEST_REMOTE)->resource_register_calls);
	EXPECT_OK(vaccel_session_release(&r1));
	EXPECT_OK(vaccel_session_release(&r2));
	EXPECT_EQ(0, vaccel_resource_refcount(&res));
	EXPECT_EQ(2u, vtest::record(VTEST_REMOTE)->resource_unregister_calls);
	EXPECT_OK(vaccel_resource_release(&res));
}

TEST_F(Resource, SyncGoesToTheTransport)
{
	const char bytes[] = "sync";
	vaccel_session remote{};
	ASSERT_OK(vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE));
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_from_buf(&res, bytes, sizeof(bytes), VACCEL_RESOURCE_DATA, "s.bin", true));
	ASSERT_OK(vaccel_resource_register(&res, &remote));
	EXPECT_OK(vaccel_resource_sync(&res, &remote));
	EXPECT_EQ(1u, vtest::record(VTEST_REMOTE)->resource_sync_calls);
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_sync(nullptr, &remote));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_sync(&res, nullptr));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&remote));
}

TEST_F(Resource, GlobalLookups)
{
	vaccel_resource m{}, d1{}, d2{};
	ASSERT_OK(vaccel_resource_init(&m, path("model.bin").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_init(&d1, path("labels.txt").c_str(), VACCEL_RESOURCE_DATA));
	ASSERT_OK(vaccel_resource_init(&d2, path("dir").c_str(), VACCEL_RESOURCE_DATA));
	vaccel_resource *found = nullptr;
	ASSERT_OK(vaccel_resource_get_by_id(&found, d1.id));
	EXPECT_EQ(&d1, found);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_get_by_id(&found, 12345));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_get_by_id(nullptr, d1.id));
	ASSERT_OK(vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(&m, found);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_get_by_type(&found, VACCEL_RESOURCE_LIB));
	vaccel_resource **all = nullptr;
	size_t n = 0;
	ASSERT_OK(vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_DATA));
	ASSERT_EQ(2u, n);
	std::set<vaccel_resource *> got(all, all + n);
	EXPECT_TRUE(got.count(&d1) && got.count(&d2));
	free(all);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_resource_get_all_by_type(&all, &n, VACCEL_RESOURCE_LIB));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_resource_get_all_by_type(nullptr, &n, VACCEL_RESOURCE_LIB));
	EXPECT_OK(vaccel_resource_release(&m));
	EXPECT_OK(vaccel_resource_release(&d1));
	EXPECT_OK(vaccel_resource_release(&d2));
}

TEST_F(Resource, SessionAndResourceRundirsAreCleanedUp)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	const char bytes[] = "abc";
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_from_buf(&res, bytes, 3, VACCEL_RESOURCE_DATA, "abc.bin", false));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	fs::path top = vaccel_rundir();
	EXPECT_TRUE(fs::is_directory(top / ("session." + std::to_string(sess.id))));
	EXPECT_TRUE(fs::is_regular_file(top / ("resource." + std::to_string(res.id)) / "abc.bin"));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
	EXPECT_EQ(0u, vtest::count_entries(top)) << "nothing left under " << top;
}

TEST_F(Resource, EnumNames)
{
	EXPECT_STREQ("VACCEL_RESOURCE_MODEL", vaccel_resource_type_to_str(VACCEL_RESOURCE_MODEL));
	EXPECT_STREQ("LIB", vaccel_resource_type_to_base_str(VACCEL_RESOURCE_LIB));
	char buf[16];
	EXPECT_STREQ("data", vaccel_resource_type_name(VACCEL_RESOURCE_DATA, buf, sizeof(buf)));
	EXPECT_STREQ("UNKNOWN", vtest_c_resource_type_base_str(77));
	EXPECT_STREQ("VACCEL_PATH_REMOTE_FILE", vaccel_path_type_to_str(VACCEL_PATH_REMOTE_FILE));
	EXPECT_STREQ("LOCAL_DIR", vaccel_path_type_to_base_str(VACCEL_PATH_LOCAL_DIR));
	EXPECT_STREQ("local_file", vaccel_path_type_name(VACCEL_PATH_LOCAL_FILE, buf, sizeof(buf)));
	EXPECT_STREQ("VACCEL_BLOB_MAPPED", vaccel_blob_type_to_str(VACCEL_BLOB_MAPPED));
	EXPECT_STREQ("BUFFER", vaccel_blob_type_to_base_str(VACCEL_BLOB_BUFFER));
	EXPECT_STREQ("file", vaccel_blob_type_name(VACCEL_BLOB_FILE, buf, sizeof(buf)));
}

TEST(PathUtil, IsUrl)
{
	EXPECT_TRUE(vaccel_path_is_url("http://a/b"));
	EXPECT_TRUE(vaccel_path_is_url("https://a/b"));
	EXPECT_TRUE(vaccel_path_is_url("ftp://a/b"));
	EXPECT_FALSE(vaccel_path_is_url("file:///a/b"));
	EXPECT_FALSE(vaccel_path_is_url("/a/b"));
	EXPECT_FALSE(vaccel_path_is_url(nullptr));
}

// The id pool holds vaccel_resource_capacity() resources; the next one is VACCEL_EUSERS, and
// releasing one makes room again.
TEST_F(Resource, IdPoolExhaustionIsEusers)
{
	ASSERT_GE(vaccel_resource_capacity(), 2048u);
	std::vector<vaccel_resource> all(vaccel_resource_capacity());
	const char byte = 'x';
	size_t created = 0;
	for (auto &r : all) {
		int rc = vaccel_resource_init_from_buf(&r, &byte, 1, VACCEL_RESOURCE_DATA, "b", true);
		if (rc != VACCEL_OK) {
			ADD_FAILURE() << "resource " << created << " failed with " << rc;
			break;
		}
		++created;
	}
	vaccel_resource extra{};
	if (created == all.size())
		EXPECT_EQ(VACCEL_EUSERS,
			  vaccel_resource_init_from_buf(&extra, &byte, 1, VACCEL_RESOURCE_DATA, "b", true));
	if (created > 0) {
		ASSERT_OK(vaccel_resource_release(&all[created - 1]));
		ASSERT_OK(vaccel_resource_init_from_buf(&extra, &byte, 1, VACCEL_RESOURCE_DATA, "b", true));
		EXPECT_OK(vaccel_resource_release(&extra));
		--created;
	}
	for (size_t i = 0; i < created; ++i)
		ASSERT_OK(vaccel_resource_release(&all[i]));
}

// ---- http:// resources against a local server ---------------------------------------------------

TEST_F(Resource, HttpDownloadOnRegister)
{
	vtest::HttpServer server({{"/models/net.bin", std::string(100000, 'z') + "END"}});
	std::string url = server.url("/models/net.bin");
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, url.c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(VACCEL_PATH_REMOTE_FILE, res.path_type);
	ASSERT_EQ(1u, res.nr_paths);
	EXPECT_EQ(url, res.paths[0]);
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	ASSERT_EQ(1u, res.nr_blobs);
	const char *p = vaccel_blob_path(res.blobs[0]);
	ASSERT_NE(nullptr, p);
	EXPECT_EQ((resource_dir(res) / "net.bin").string(), std::string(p));
	EXPECT_EQ(std::string(100000, 'z') + "END", vtest::read_file(p));
	std::string downloaded = p;
	EXPECT_OK(vaccel_session_release(&sess));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_FALSE(fs::exists(downloaded));
}

// vAccel 0.8: init never contacts the server; a missing or unreachable URL
// fails at register, where a local session downloads it.
TEST_F(Resource, HttpMissingUrlFailsAtRegister)
{
	vtest::HttpServer server(std::map<std::string, std::string>{{"/present", "x"}});
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, server.url("/absent.bin").c_str(), VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(0u, server.requests()) << "no request before register";
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_NE(VACCEL_OK, vaccel_resource_register(&res, &sess));
	EXPECT_GE(server.requests(), 1u);
	EXPECT_FALSE(vaccel_session_has_resource(&sess, &res));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Resource, HttpUnreachableFailsAtRegister)
{
	int port = 0;
	{
		vtest::HttpServer server(std::map<std::string, std::string>{});
		port = server.port();
	} // closed: nothing listens there any more
	std::string url = "http://127.0.0.1:" + std::to_string(port) + "/m.bin";
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, url.c_str(), VACCEL_RESOURCE_MODEL));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_NE(VACCEL_OK, vaccel_resource_register(&res, &sess));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Resource, HttpRemoteSessionKeepsTheUrl)
{
	// Reference §4.6: for a remote session the URL travels, the guest does
	// not download it.
	vtest::HttpServer server(std::map<std::string, std::string>{{"/remote.bin", "REMOTE"}});
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, server.url("/remote.bin").c_str(), VACCEL_RESOURCE_MODEL));
	size_t after_init = server.requests();
	vaccel_session remote{};
	ASSERT_OK(vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE));
	ASSERT_OK(vaccel_resource_register(&res, &remote));
	EXPECT_GT(res.remote_id, 0);
	EXPECT_EQ(after_init, server.requests()) << "no download for a remote session";
	EXPECT_EQ(0u, vtest::count_entries(resource_dir(res)));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&remote));
}

TEST_F(Resource, MemOnlyAndDirectoryWithRemoteSession)
{
	vaccel_session remote{};
	ASSERT_OK(vaccel_session_init(&remote, VACCEL_PLUGIN_REMOTE));
	const char bytes[] = "mem-only-virtio";
	vaccel_resource mem{}, dir{};
	ASSERT_OK(vaccel_resource_init_from_buf(&mem, bytes, sizeof(bytes), VACCEL_RESOURCE_MODEL, "m.bin", true));
	ASSERT_OK(vaccel_resource_register(&mem, &remote));
	EXPECT_EQ(5000 + mem.id, mem.remote_id);
	EXPECT_EQ(1u, vtest::record(VTEST_REMOTE)->last_register_nr_blobs);
	EXPECT_EQ(0u, vtest::count_entries(resource_dir(mem))) << "still memory only";
	ASSERT_OK(vaccel_resource_init(&dir, path("dir").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_register(&dir, &remote));
	EXPECT_EQ(3u, vtest::record(VTEST_REMOTE)->last_register_nr_blobs) << "one blob per file, flattened";
	EXPECT_OK(vaccel_resource_release(&mem));
	EXPECT_OK(vaccel_resource_release(&dir));
	EXPECT_OK(vaccel_session_release(&remote));
}

TEST_F(Resource, HttpsWithoutServerFailsCleanly)
{
	int port = 0;
	{
		vtest::HttpServer server(std::map<std::string, std::string>{});
		port = server.port();
	}
	std::string url = "https://127.0.0.1:" + std::to_string(port) + "/m.bin";
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, url.c_str(), VACCEL_RESOURCE_MODEL));
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_NE(VACCEL_OK, vaccel_resource_register(&res, &sess));
	vaccel_resource *found = nullptr;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_type(&sess, &found, VACCEL_RESOURCE_MODEL))
		<< "a failed register leaves the session without the resource";
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Resource, HttpMulti)
{
	vtest::HttpServer server({{"/a.so", "AAA"}, {"/b.so", "BB"}});
	std::string a = server.url("/a.so"), b = server.url("/b.so");
	const char *paths[] = {a.c_str(), b.c_str()};
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init_multi(&res, paths, 2, VACCEL_RESOURCE_LIB));
	EXPECT_EQ(VACCEL_PATH_REMOTE_FILE, res.path_type);
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	ASSERT_EQ(2u, res.nr_blobs);
	EXPECT_EQ("AAA", vtest::read_file(vaccel_blob_path(res.blobs[0])));
	EXPECT_EQ("BB", vtest::read_file(vaccel_blob_path(res.blobs[1])));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

} // namespace
