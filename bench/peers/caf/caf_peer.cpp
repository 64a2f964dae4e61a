// caf_peer.cpp - wasp's native benchmark scenarios for the C++ Actor Framework 0.17.
//
// Build (bench/compare does this):
//   g++ -std=c++17 -O2 -o build/peers/caf-peer bench/peers/caf/caf_peer.cpp -lcaf_core -pthread
// Run (N = wasp's worker count; CAF would otherwise start max(4, cores) workers):
//   caf-peer --scheduler.max-threads=N [--smoke] [--reps R] [SCENARIO ...]
//
// Prints one JSON object per line per scenario, in the format of `wasp bench --json`
// (docs/CLI.md), plus "peer":"caf". Each scenario mirrors bench/bench_native.c: same
// sizes, same sampling, a warm-up round first, all spawning from the main thread.
//
//   spawn-native          spawn one event-based actor (idle behavior), 100,000 alive at the
//                         end; samples are batches of 1,000 spawns; rss_kib_per_actor = growth
//                         of the resident set (/proc/self/statm) over the warm-up round / 100,000;
//                         variants "default" (sys.spawn) and "lazy_init" (sys.spawn<lazy_init>)
//   ring-native           one hop of a uint64_t token around a ring of 1,000 event-based actors
//   ring-native-100k      the same around a ring of 100,000
//                         (2,000,000 hops in 10 repetitions); each hop is send(next, left - 1)
//   pingpong-native       one request/reply round trip between two event-based actors:
//                         request(pong, infinite, ping).then(...), pong answers by returning
//   pubsub-fanout-native  one publish delivered to 1,000 actors joined to a local group
//                         (anon_send to the group); time per delivery until all are handled
#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

using namespace caf;

namespace {

using done_atom = atom_constant<atom("done")>;
using ping_atom = atom_constant<atom("ping")>;
using go_atom = atom_constant<atom("go")>;
using joined_atom = atom_constant<atom("joined")>;

struct options {
  bool smoke = false;
  int reps = 0;
};

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count());
}

double rss_kib() {
  long total = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (std::fscanf(f, "%ld %ld", &total, &resident) != 2) resident = 0;
  std::fclose(f);
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1024.0;
}

struct result {
  uint64_t n = 0;
  double median_ns = 0, p99_ns = 0, ops_per_s = 0;
  double rss_kib_per_actor = -1;
  std::string variant;
  std::string note;
};

// As bench/harness.c: sort, index round(q * (len - 1)).
double quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

result from_samples(std::vector<double>& s, uint64_t n) {
  result r;
  r.n = n;
  r.median_ns = quantile(s, 0.5);
  r.p99_ns = quantile(s, 0.99);
  r.ops_per_s = r.median_ns > 0 ? 1e9 / r.median_ns : 0;
  return r;
}

void print(const char* name, const result& r) {
  std::printf("{\"scenario\":\"%s\",\"peer\":\"caf\"", name);
  if (!r.variant.empty()) std::printf(",\"variant\":\"%s\"", r.variant.c_str());
  std::printf(",\"n\":%llu,\"median_ns\":%.1f,\"p99_ns\":%.1f,\"ops_per_s\":%.1f",
              static_cast<unsigned long long>(r.n), r.median_ns, r.p99_ns, r.ops_per_s);
  if (r.rss_kib_per_actor >= 0) std::printf(",\"rss_kib_per_actor\":%.3f", r.rss_kib_per_actor);
  if (!r.note.empty()) std::printf(",\"note\":\"%s\"", r.note.c_str());
  std::printf("}\n");
  std::fflush(stdout);
}

std::string workers_note(actor_system& sys) {
  return std::to_string(sys.scheduler().num_workers()) + " workers";
}

// ---- spawn-native -------------------------------------------------------------------

behavior idle(event_based_actor*) {
  return {[](uint64_t) {}};
}

// lazy: spawn<lazy_init>, which leaves the behavior's initialisation to the first message
// instead of scheduling the new actor once at spawn (the default). wasp's spawn, for
// comparison, makes the actor ready inside the spawn call and schedules nothing.
template <spawn_options Os>
actor spawn_idle(actor_system& sys) {
  return sys.spawn<Os>(idle);
}

result bench_spawn_with(actor_system& sys, const options& o, bool lazy) {
  const int n = o.smoke ? 2000 : 100000, batch = 1000;
  const int reps = o.reps > 0 ? o.reps : (o.smoke ? 1 : 5);
  std::vector<double> s;
  double rss_per_actor = -1;
  std::vector<actor> alive;
  alive.reserve(static_cast<size_t>(n));
  for (int rep = 0; rep <= reps; rep++) { // rep 0: warm-up and the RSS probe
    size_t base = sys.registry().running();
    double rss0 = rss_kib();
    for (int i = 0; i < n; i += batch) {
      uint64_t t0 = now_ns();
      if (lazy)
        for (int j = 0; j < batch; j++) alive.emplace_back(spawn_idle<lazy_init>(sys));
      else
        for (int j = 0; j < batch; j++) alive.emplace_back(spawn_idle<no_spawn_options>(sys));
      if (rep) s.push_back(static_cast<double>(now_ns() - t0) / batch);
    }
    if (rep == 0) rss_per_actor = (rss_kib() - rss0) / n;
    size_t running = sys.registry().running() - base;
    if (running != static_cast<size_t>(n)) { // all alive at the end
      std::fprintf(stderr, "caf-peer: spawn-native: %zu of %d alive\n", running, n);
      std::exit(1);
    }
    for (auto& a : alive) anon_send_exit(a, exit_reason::user_shutdown);
    alive.clear();
    sys.registry().await_running_count_equal(base);
  }
  result r = from_samples(s, static_cast<uint64_t>(n) * static_cast<uint64_t>(reps));
  r.variant = lazy ? "lazy_init" : "default";
  // The second variant in one process reuses the first one's freed memory: only the
  // first (default) states a resident figure.
  if (!lazy) r.rss_kib_per_actor = rss_per_actor;
  r.note = std::to_string(n) + " actors alive at the end, spawned from the main thread, " +
           workers_note(sys) + (lazy ? "" : "; RSS from /proc/self/statm");
  return r;
}

std::vector<result> bench_spawn(actor_system& sys, const options& o) {
  return {bench_spawn_with(sys, o, false), bench_spawn_with(sys, o, true)};
}

// ---- ring-native -----------------------------------------------------------------------

struct ring_state {
  actor next;
};

behavior ring_node(stateful_actor<ring_state>* self, actor done) {
  return {
    [=](const actor& next) { self->state.next = next; },
    [=](uint64_t left) {
      if (left == 0)
        self->send(done, done_atom::value);
      else
        self->send(self->state.next, left - 1);
    },
  };
}

result bench_ring_one(actor_system& sys, const options& o, int full_size) {
  const int size = o.smoke ? full_size / 10 : full_size;
  const uint64_t total = o.smoke ? 20000 : 2000000;
  const int reps = o.reps > 0 ? o.reps : 10;
  const uint64_t per_rep = total / static_cast<uint64_t>(reps);
  scoped_actor self{sys};
  std::vector<actor> nodes;
  for (int i = 0; i < size; i++) nodes.push_back(sys.spawn(ring_node, actor{self}));
  for (int i = 0; i < size; i++) self->send(nodes[i], nodes[(i + 1) % size]);
  std::vector<double> s;
  for (int rep = 0; rep <= reps; rep++) { // rep 0: warm-up
    uint64_t left = rep ? per_rep - 1 : static_cast<uint64_t>(size) * 10;
    uint64_t t0 = now_ns();
    self->send(nodes[0], left);
    self->receive([](done_atom) {});
    if (rep) s.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(per_rep));
  }
  for (auto& a : nodes) self->send_exit(a, exit_reason::user_shutdown);
  result r = from_samples(s, per_rep * static_cast<uint64_t>(reps));
  r.note = std::to_string(size) + " actors, " + workers_note(sys);
  return r;
}

// ---- pingpong-native ----------------------------------------------------------------------

behavior ponger(event_based_actor*) {
  return {[](ping_atom x) { return x; }};
}

struct pinger_state {
  actor pong, done;
  uint64_t left = 0;
};

void ping_once(stateful_actor<pinger_state>* self) {
  self->request(self->state.pong, infinite, ping_atom::value).then([=](ping_atom) {
    if (--self->state.left == 0)
      self->send(self->state.done, done_atom::value);
    else
      ping_once(self);
  });
}

behavior pinger(stateful_actor<pinger_state>* self, actor pong, actor done) {
  self->state.pong = pong;
  self->state.done = done;
  return {[=](go_atom, uint64_t n) {
    self->state.left = n;
    ping_once(self);
  }};
}

result bench_pingpong_one(actor_system& sys, const options& o) {
  const uint64_t per_rep = o.smoke ? 2000 : 200000;
  const int reps = o.reps > 0 ? o.reps : 10;
  scoped_actor self{sys};
  auto pong = sys.spawn(ponger);
  auto ping = sys.spawn(pinger, pong, actor{self});
  std::vector<double> s;
  for (int rep = 0; rep <= reps; rep++) {
    uint64_t t0 = now_ns();
    self->send(ping, go_atom::value, per_rep);
    self->receive([](done_atom) {});
    if (rep) s.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(per_rep));
  }
  self->send_exit(ping, exit_reason::user_shutdown);
  self->send_exit(pong, exit_reason::user_shutdown);
  result r = from_samples(s, per_rep * static_cast<uint64_t>(reps));
  r.note = "request/then round trip between two actors, " + workers_note(sys);
  return r;
}

// ---- pubsub-fanout-native ---------------------------------------------------------------------

struct fan_shared {
  std::atomic<long> received{0};
  long target = 0;
};

behavior subscriber(event_based_actor* self, group grp, fan_shared* f, actor done) {
  self->join(grp);
  self->send(done, joined_atom::value);
  return {[=](const std::string&) {
    if (f->received.fetch_add(1, std::memory_order_relaxed) + 1 == f->target)
      self->send(done, done_atom::value);
  }};
}

result bench_fanout_one(actor_system& sys, const options& o) {
  const int subs = o.smoke ? 100 : 1000;
  const int publishes = o.smoke ? 20 : 200;
  const int reps = o.reps > 0 ? o.reps : 10;
  scoped_actor self{sys};
  auto grp = sys.groups().get_local("bench.fanout");
  fan_shared f;
  std::vector<actor> actors;
  for (int i = 0; i < subs; i++) actors.push_back(sys.spawn(subscriber, grp, &f, actor{self}));
  for (int i = 0; i < subs; i++) self->receive([](joined_atom) {});
  const std::string payload = "0123456789abcdef";
  std::vector<double> s;
  for (int rep = 0; rep <= reps; rep++) {
    f.received = 0;
    f.target = static_cast<long>(subs) * publishes;
    uint64_t t0 = now_ns();
    for (int i = 0; i < publishes; i++) anon_send(grp, payload);
    self->receive([](done_atom) {});
    if (rep) s.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(f.target));
  }
  for (auto& a : actors) self->send_exit(a, exit_reason::user_shutdown);
  result r = from_samples(s, static_cast<uint64_t>(subs) * publishes * static_cast<uint64_t>(reps));
  r.note = "per delivery; " + std::to_string(subs) + " subscribers in a local group, " +
           std::to_string(publishes) + " publishes per rep, " + workers_note(sys);
  return r;
}

std::vector<result> bench_ring(actor_system& sys, const options& o) {
  return {bench_ring_one(sys, o, 1000)};
}
std::vector<result> bench_ring_100k(actor_system& sys, const options& o) {
  return {bench_ring_one(sys, o, 100000)};
}
std::vector<result> bench_pingpong(actor_system& sys, const options& o) {
  return {bench_pingpong_one(sys, o)};
}
std::vector<result> bench_fanout(actor_system& sys, const options& o) {
  return {bench_fanout_one(sys, o)};
}

struct scenario {
  const char* name;
  std::vector<result> (*run)(actor_system&, const options&);
};

const scenario scenarios[] = {
  {"spawn-native", bench_spawn},
  {"ring-native", bench_ring},
  {"ring-native-100k", bench_ring_100k},
  {"pingpong-native", bench_pingpong},
  {"pubsub-fanout-native", bench_fanout},
};

} // namespace

int main(int argc, char** argv) {
  options o;
  std::vector<std::string> caf_args, wanted;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--smoke") o.smoke = true;
    else if (a == "--reps" && i + 1 < argc) o.reps = std::atoi(argv[++i]);
    else if (a.rfind("--scheduler.", 0) == 0 || a.rfind("--logger.", 0) == 0) caf_args.push_back(a);
    else if (a.rfind("-", 0) == 0) {
      std::fprintf(stderr, "caf-peer: unknown option %s\n", a.c_str());
      return 2;
    } else {
      bool known = false;
      for (auto& sc : scenarios) known |= a == sc.name;
      if (!known) {
        std::fprintf(stderr, "caf-peer: unknown scenario '%s'\n", a.c_str());
        return 2;
      }
      wanted.push_back(a);
    }
  }
  actor_system_config cfg;
  if (auto err = cfg.parse(caf_args)) {
    std::fprintf(stderr, "caf-peer: %s\n", actor_system_config::render(err).c_str());
    return 2;
  }
  actor_system sys{cfg};
  for (auto& sc : scenarios) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), sc.name) == wanted.end())
      continue;
    for (auto& r : sc.run(sys, o)) print(sc.name, r);
  }
  return 0;
}
