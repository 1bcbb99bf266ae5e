// SPDX-License-Identifier: Apache-2.0
// vaccel/session.h: lifecycle, ids, rundir, lookups, update, seed-era names.
#include "vtest.hpp"

#include <set>

namespace {

using vtest::VaccelTest;
namespace fs = std::filesystem;

class Session : public VaccelTest {
protected:
	void SetUp() override { ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE}))); }
};

TEST_F(Session, InitAssignsIdAndRundir)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_GE(sess.id, 1);
	EXPECT_LE(static_cast<size_t>(sess.id), vaccel_session_capacity());
	EXPECT_EQ(0u, sess.hint);
	EXPECT_FALSE(sess.is_virtio);
	ASSERT_NE(nullptr, sess.plugin);
	fs::path expected = fs::path(vaccel_rundir()) / ("session." + std::to_string(sess.id));
	EXPECT_EQ(expected.string(), std::string(sess.rundir));
	EXPECT_TRUE(fs::is_directory(sess.rundir)) << sess.rundir;
	std::string dir = sess.rundir;
	ASSERT_OK(vaccel_session_release(&sess));
	EXPECT_FALSE(fs::exists(dir));
}

TEST_F(Session, IdsAreUniqueAndReused)
{
	std::vector<vaccel_session> sessions(8);
	std::set<vaccel_id_t> ids;
	for (auto &s : sessions) {
		ASSERT_OK(vaccel_session_init(&s, 0));
		ids.insert(s.id);
	}
	EXPECT_EQ(sessions.size(), ids.size());
	for (auto &s : sessions)
		ASSERT_OK(vaccel_session_release(&s));
}

TEST_F(Session, NewAndDelete)
{
	vaccel_session *sess = nullptr;
	ASSERT_OK(vaccel_session_new(&sess, VACCEL_PLUGIN_CPU));
	ASSERT_NE(nullptr, sess);
	EXPECT_EQ(static_cast<unsigned>(VACCEL_PLUGIN_CPU), sess->hint);
	EXPECT_OK(vaccel_session_delete(sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_new(nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_delete(nullptr));
}

TEST_F(Session, NullArgs)
{
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_init(nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_release(nullptr));
	vaccel_session *out = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_get_by_id(nullptr, 1));
	EXPECT_NE(VACCEL_OK, vaccel_session_get_by_id(&out, 0));
	EXPECT_FALSE(vaccel_session_has_resource(nullptr, nullptr));
	vaccel_resource *res = nullptr;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_resource_by_id(nullptr, &res, 1));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_resource_by_type(nullptr, &res, VACCEL_RESOURCE_LIB));
	vaccel_resource **list = nullptr;
	size_t n = 0;
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_resources_by_type(nullptr, &list, &n, VACCEL_RESOURCE_LIB));
}

TEST_F(Session, GetById)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	vaccel_session *found = nullptr;
	ASSERT_OK(vaccel_session_get_by_id(&found, sess.id));
	EXPECT_EQ(&sess, found);
	vaccel_id_t id = sess.id;
	ASSERT_OK(vaccel_session_release(&sess));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_get_by_id(&found, id));
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_get_by_id(&found, 4242));
}

TEST_F(Session, ResourceLookups)
{
	vtest::TempDir tmp;
	vtest::write_file(tmp / "a", "A");
	vtest::write_file(tmp / "b", "B");
	vtest::write_file(tmp / "c", "C");
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	vaccel_resource m1{}, m2{}, d{};
	ASSERT_OK(vaccel_resource_init(&m1, (tmp / "a").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_init(&m2, (tmp / "b").c_str(), VACCEL_RESOURCE_MODEL));
	ASSERT_OK(vaccel_resource_init(&d, (tmp / "c").c_str(), VACCEL_RESOURCE_DATA));

	vaccel_resource *found = nullptr;
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_type(&sess, &found, VACCEL_RESOURCE_MODEL));
	EXPECT_FALSE(vaccel_session_has_resource(&sess, &m1));

	ASSERT_OK(vaccel_resource_register(&m1, &sess));
	ASSERT_OK(vaccel_resource_register(&m2, &sess));
	ASSERT_OK(vaccel_resource_register(&d, &sess));
	EXPECT_TRUE(vaccel_session_has_resource(&sess, &m1));
	EXPECT_TRUE(vaccel_sess_has_resource(&sess, &m2));

	ASSERT_OK(vaccel_session_resource_by_id(&sess, &found, m2.id));
	EXPECT_EQ(&m2, found);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_id(&sess, &found, 9999));
	ASSERT_OK(vaccel_session_resource_by_type(&sess, &found, VACCEL_RESOURCE_MODEL));
	EXPECT_EQ(&m1, found); // first registered
	ASSERT_OK(vaccel_session_resource_by_type(&sess, &found, VACCEL_RESOURCE_DATA));
	EXPECT_EQ(&d, found);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resource_by_type(&sess, &found, VACCEL_RESOURCE_LIB));

	vaccel_resource **list = nullptr;
	size_t n = 0;
	ASSERT_OK(vaccel_session_resources_by_type(&sess, &list, &n, VACCEL_RESOURCE_MODEL));
	ASSERT_EQ(2u, n);
	std::set<vaccel_resource *> got(list, list + n);
	EXPECT_TRUE(got.count(&m1) && got.count(&m2));
	free(list);
	EXPECT_EQ(VACCEL_ENOENT, vaccel_session_resources_by_type(&sess, &list, &n, VACCEL_RESOURCE_LIB));
	EXPECT_EQ(3u, sess.resource_counts[VACCEL_RESOURCE_MODEL] + sess.resource_counts[VACCEL_RESOURCE_DATA]);

	// Releasing the session unregisters everything.
	ASSERT_OK(vaccel_session_release(&sess));
	EXPECT_EQ(0, vaccel_resource_refcount(&m1));
	EXPECT_EQ(0, vaccel_resource_refcount(&d));
	EXPECT_OK(vaccel_resource_release(&m1));
	EXPECT_OK(vaccel_resource_release(&m2));
	EXPECT_OK(vaccel_resource_release(&d));
}

TEST_F(Session, UpdateLocalRefusedWithResources)
{
	vtest::TempDir tmp;
	vtest::write_file(tmp / "a", "A");
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, 0));
	EXPECT_OK(vaccel_session_update(&sess, VACCEL_PLUGIN_CPU));
	EXPECT_EQ(static_cast<unsigned>(VACCEL_PLUGIN_CPU), sess.hint);
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, (tmp / "a").c_str(), VACCEL_RESOURCE_DATA));
	ASSERT_OK(vaccel_resource_register(&res, &sess));
	EXPECT_EQ(VACCEL_EBUSY, vaccel_session_update(&sess, VACCEL_PLUGIN_GPU));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_session_update(nullptr, 0));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Session, UpdateRemoteForwardsToPlugin)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_session_init(&sess, VACCEL_PLUGIN_REMOTE));
	EXPECT_OK(vaccel_session_update(&sess, VACCEL_PLUGIN_REMOTE | VACCEL_PLUGIN_CPU));
	EXPECT_EQ(1u, vtest::record(VTEST_REMOTE)->session_update_calls);
	EXPECT_OK(vaccel_session_release(&sess));
}

TEST_F(Session, SeedEraNames)
{
	vaccel_session sess{};
	ASSERT_OK(vaccel_sess_init(&sess, 0));
	EXPECT_GE(sess.id, 1);
	EXPECT_OK(vaccel_sess_update(&sess, VACCEL_PLUGIN_CPU));
	vtest::TempDir tmp;
	vtest::write_file(tmp / "x", "X");
	vaccel_resource res{};
	ASSERT_OK(vaccel_resource_init(&res, (tmp / "x").c_str(), VACCEL_RESOURCE_DATA));
	ASSERT_OK(vaccel_sess_register(&sess, &res));
	EXPECT_TRUE(vaccel_sess_has_resource(&sess, &res));
	ASSERT_OK(vaccel_sess_unregister(&sess, &res));
	EXPECT_FALSE(vaccel_sess_has_resource(&sess, &res));
	EXPECT_OK(vaccel_resource_release(&res));
	EXPECT_OK(vaccel_sess_free(&sess));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sess_init(nullptr, 0));
	EXPECT_EQ(VACCEL_EINVAL, vaccel_sess_free(nullptr));
}

TEST_F(Session, PrivIsLeftToTheApplication)
{
	vaccel_session sess{};
	int marker = 7;
	ASSERT_OK(vaccel_session_init(&sess, 0));
	sess.priv = &marker;
	EXPECT_OK(vaccel_noop(&sess));
	EXPECT_EQ(&marker, sess.priv);
	EXPECT_OK(vaccel_session_release(&sess));
}

// Points TMPDIR (where the runtime's rundir goes) at a tmpfs for the life of the object, when
// one is writable: tens of thousands of session directories cost seconds on a busy disk.
class RundirOnTmpfs {
public:
	RundirOnTmpfs()
	{
		if (const char *t = getenv("TMPDIR"))
			saved_ = t, had_ = true;
		if (access("/dev/shm", W_OK) == 0)
			setenv("TMPDIR", "/dev/shm", 1);
	}
	~RundirOnTmpfs()
	{
		if (had_)
			setenv("TMPDIR", saved_.c_str(), 1);
		else
			unsetenv("TMPDIR");
	}

private:
	std::string saved_;
	bool had_ = false;
};

// The id pool holds vaccel_session_capacity() sessions; the next one is VACCEL_EUSERS.
TEST_F(Session, IdPoolExhaustionIsEusers)
{
	RundirOnTmpfs tmpfs;
	vaccel_cleanup();
	ASSERT_OK(bootstrap(vtest::plugin_list({VTEST_CPU, VTEST_REMOTE})));
	ASSERT_GE(vaccel_session_capacity(), 1024u);
	std::vector<vaccel_session> sessions(vaccel_session_capacity());
	size_t created = 0;
	for (auto &s : sessions) {
		int rc = vaccel_session_init(&s, 0);
		if (rc != VACCEL_OK) {
			ADD_FAILURE() << "session " << created << " failed with " << rc;
			break;
		}
		++created;
	}
	if (created == sessions.size()) {
		vaccel_session extra{};
		EXPECT_EQ(VACCEL_EUSERS, vaccel_session_init(&extra, 0));
	}
	for (size_t i = 0; i < created; ++i)
		ASSERT_OK(vaccel_session_release(&sessions[i]));
	vaccel_session again{};
	ASSERT_OK(vaccel_session_init(&again, 0));
	EXPECT_OK(vaccel_session_release(&again));
}

} // namespace
