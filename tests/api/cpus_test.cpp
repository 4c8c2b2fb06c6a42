// available_cpus: the affinity mask capped by the tightest cgroup CPU quota (v2 cpu.max,
// v1 cpu.cfs_quota_us), read from a fake hierarchy here; the default executor uses it.
#include "pixfuse/cpus.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pixfuse/executor.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;

TEST(Cpus, ParsesQuotaFiles) {
  EXPECT_EQ(pf::detail::parse_cpu_max("max 100000\n"), 0.0);
  EXPECT_EQ(pf::detail::parse_cpu_max("150000 100000\n"), 1.5);
  EXPECT_EQ(pf::detail::parse_cpu_max("50000 100000"), 0.5);
  EXPECT_EQ(pf::detail::parse_cpu_max(""), 0.0);
  EXPECT_EQ(pf::detail::parse_cpu_max("junk"), 0.0);
  EXPECT_EQ(pf::detail::parse_cfs_quota("-1\n", "100000\n"), 0.0);
  EXPECT_EQ(pf::detail::parse_cfs_quota("300000\n", "100000\n"), 3.0);
  EXPECT_EQ(pf::detail::parse_cfs_quota("", ""), 0.0);
}

namespace {
void put(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}
}  // namespace

TEST(Cpus, TightestQuotaOfTheCgroupAndItsAncestors) {
  const fs::path root = fs::temp_directory_path() / "pixfuse_cpus_test";
  fs::remove_all(root);
  // cgroup v2 at ROOT/unified: the process in /a/b; /a allows 2.5 CPUs, /a/b none, the root 8.
  put(root / "unified/cpu.max", "800000 100000\n");
  put(root / "unified/a/cpu.max", "250000 100000\n");
  put(root / "unified/a/b/cpu.max", "max 100000\n");
  const std::string mountinfo =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "41 31 0:38 / " +
      (root / "unified").string() + " rw,relatime shared:9 - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(mountinfo, "0::/a/b\n"), 2.5);
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(mountinfo, "0::/\n"), 8.0);
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(mountinfo, "0::/elsewhere\n"), 8.0);
  // A container whose cgroup namespace root is /a: its paths are below it.
  const std::string nested =
      "41 31 0:38 /a " + (root / "unified/a").string() + " rw - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(nested, "0::/a/b\n"), 2.5);

  // cgroup v1: the cpu controller mounted at ROOT/cpu, quota 1.5 CPUs on the process's group.
  put(root / "cpu/job/cpu.cfs_quota_us", "150000\n");
  put(root / "cpu/job/cpu.cfs_period_us", "100000\n");
  put(root / "cpu/cpu.cfs_quota_us", "-1\n");
  put(root / "cpu/cpu.cfs_period_us", "100000\n");
  const std::string v1 =
      "32 31 0:29 / " + (root / "cpu").string() + " rw,relatime - cgroup cgroup rw,cpu\n";
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(v1, "4:memory:/job\n1:cpu:/job\n0::/\n"), 1.5);
  EXPECT_EQ(pf::detail::cgroup_cpu_limit(v1, "1:cpu:/\n"), 0.0);
  EXPECT_EQ(pf::detail::cgroup_cpu_limit("", "0::/a\n"), 0.0);  // no cgroup mounted: no limit
  fs::remove_all(root);
}

TEST(Cpus, AvailableCpusIsWithinTheAffinityMask) {
  const int n = pf::available_cpus();
  EXPECT_GE(n, 1);
  const int affinity = pf::detail::affinity_cpus();
  if (affinity > 0) {
    EXPECT_LE(n, affinity);
  }
  EXPECT_EQ(pf::Executor::default_threads(), n);
  pf::Executor executor;
  EXPECT_EQ(executor.threads(), n);
}
