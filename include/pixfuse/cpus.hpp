// available_cpus(): how many CPUs this process may actually use, for default thread counts.
//
// std::thread::hardware_concurrency() counts the machine's CPUs. A process pinned to a
// few of them (taskset, numactl, a Kubernetes cpuset) or given a CPU quota (docker
// --cpus, a Kubernetes CPU limit: cgroup v2 cpu.max, v1 cpu.cfs_quota_us) that runs one
// thread per machine CPU only adds contention and throttling. So: the CPUs in the
// affinity mask (sched_getaffinity), capped by the tightest CPU quota of the process's
// cgroup and its ancestors, rounded up (a quota of 1.5 CPUs gets 2 threads: the whole
// quota is used). At least 1. Off Linux: hardware_concurrency().
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

namespace pixfuse {

namespace detail {

inline std::string read_small_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) return {};
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// cgroup v2 cpu.max: "max 100000" (no limit) or "QUOTA PERIOD" in microseconds -> CPUs;
// 0 when unlimited or unreadable.
inline double parse_cpu_max(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  char* end = nullptr;
  const double q = std::strtod(quota.c_str(), &end);
  return end != quota.c_str() && q > 0 ? q / period : 0;
}

// cgroup v1 cpu.cfs_quota_us and cpu.cfs_period_us -> CPUs; 0 when unlimited (-1) or unreadable.
inline double parse_cfs_quota(const std::string& quota_text, const std::string& period_text) {
  char* end = nullptr;
  const double q = std::strtod(quota_text.c_str(), &end);
  if (end == quota_text.c_str() || q <= 0) return 0;
  const double p = std::strtod(period_text.c_str(), &end);
  return end != period_text.c_str() && p > 0 ? q / p : 0;
}

// The tightest CPU quota (in CPUs, 0: none) over the process's cgroup and its ancestors.
// mountinfo and proc_cgroup are the texts of /proc/self/mountinfo and /proc/self/cgroup
// (parameters, so tests can point them at a fake hierarchy).
inline double cgroup_cpu_limit(const std::string& mountinfo, const std::string& proc_cgroup) {
  double limit = 0;
  auto tighten = [&](double cpus) {
    if (cpus > 0 && (limit == 0 || cpus < limit)) limit = cpus;
  };
  // Walks from `dir` (the mount point joined with the process's path) up to the mount point.
  auto walk = [&](const std::string& mount, std::string path, auto&& read_limit) {
    for (;;) {
      tighten(read_limit(mount + (path == "/" ? "" : path)));
      if (path.empty() || path == "/") break;
      const std::size_t slash = path.find_last_of('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  };
  // Mount points by filesystem type: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE
  // SUPER".
  std::istringstream mounts(mountinfo);
  std::string v2_mount, v1_cpu_mount, v1_root = "/", v2_root = "/";
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point, options, field;
    if (!(f >> id >> parent >> dev >> root >> point >> options)) continue;
    while (f >> field && field != "-") {
    }
    std::string fstype, source, super;
    if (!(f >> fstype >> source >> super)) continue;
    if (fstype == "cgroup2" && v2_mount.empty()) {
      v2_mount = point;
      v2_root = root;
    } else if (fstype == "cgroup" && v1_cpu_mount.empty()) {
      std::istringstream opts(super);
      for (std::string o; std::getline(opts, o, ',');)
        if (o == "cpu") {
          v1_cpu_mount = point;
          v1_root = root;
        }
    }
  }
  // The process's path below a mount whose root may itself be a cgroup (containers).
  auto below = [](const std::string& root, const std::string& path) {
    if (root == "/" || path.rfind(root, 0) != 0) return path;
    const std::string rest = path.substr(root.size());
    return rest.empty() ? std::string("/") : rest;
  };
  std::istringstream groups(proc_cgroup);
  for (std::string line; std::getline(groups, line);) {
    // "HIERARCHY-ID:CONTROLLERS:PATH"; v2 is "0::PATH".
    const std::size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.compare(0, a, "0") == 0 && controllers.empty() && !v2_mount.empty()) {
      walk(v2_mount, below(v2_root, path),
           [](const std::string& dir) { return parse_cpu_max(read_small_file(dir + "/cpu.max")); });
    } else if (!v1_cpu_mount.empty()) {
      std::istringstream names(controllers);
      for (std::string c; std::getline(names, c, ',');)
        if (c == "cpu")
          walk(v1_cpu_mount, below(v1_root, path), [](const std::string& dir) {
            return parse_cfs_quota(read_small_file(dir + "/cpu.cfs_quota_us"),
                                   read_small_file(dir + "/cpu.cfs_period_us"));
          });
    }
  }
  return limit;
}

// CPUs in this process's affinity mask; 0 when unknown.
inline int affinity_cpus() noexcept {
#if defined(__linux__)
  // A fixed cpu_set_t covers 1024 CPUs; larger machines need a bigger mask.
  for (int n = CPU_SETSIZE; n <= (1 << 16); n *= 2) {
    cpu_set_t* set = CPU_ALLOC(static_cast<std::size_t>(n));
    if (set == nullptr) return 0;
    const std::size_t bytes = CPU_ALLOC_SIZE(static_cast<std::size_t>(n));
    CPU_ZERO_S(bytes, set);
    const int rc = sched_getaffinity(0, bytes, set);
    const int count = rc == 0 ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (rc == 0) return count;
  }
#endif
  return 0;
}

}  // namespace detail

// The number of threads that keeps every CPU this process may use busy (see the top).
inline int available_cpus() {
  const unsigned hardware = std::thread::hardware_concurrency();
  int n = detail::affinity_cpus();
  if (n <= 0) n = hardware == 0 ? 1 : static_cast<int>(hardware);
#if defined(__linux__)
  const double quota = detail::cgroup_cpu_limit(detail::read_small_file("/proc/self/mountinfo"),
                                                detail::read_small_file("/proc/self/cgroup"));
  if (quota > 0) n = std::min(n, static_cast<int>(std::ceil(quota - 1e-9)));
#endif
  return std::max(1, n);
}

}  // namespace pixfuse
