#include "ipt/tracking/exchanges.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

#include <spdlog/spdlog.h>

#include "ipt/util/check.h"

namespace ipt::tracking {

void ExchangeOptions::Check() const {
  IPT_CHECK(std::isfinite(min_gain_nats) && min_gain_nats >= 0, "min_gain_nats must be >= 0, got {}", min_gain_nats);
  IPT_CHECK(std::isfinite(meeting_distance_m) && meeting_distance_m >= 0 && meeting_distance_m <= 100,
            "meeting_distance_m must be in [0, 100], got {}", meeting_distance_m);
  IPT_CHECK(min_reads >= 1, "min_reads must be >= 1, got {}", min_reads);
  IPT_CHECK(max_meetings >= 1 && max_meetings <= 1000, "max_meetings must be in [1, 1000], got {}", max_meetings);
}

namespace {

// A track's reads as prefix sums: prefix[k][m], the log-likelihood of reads [0, k) under
// candidate m, to sum any range of frames in O(candidates).
struct ReadSums {
  std::vector<int> first_frame;
  std::vector<std::vector<double>> prefix;

  explicit ReadSums(const ExchangeTrack& t) {
    const size_t candidates = t.reads.empty() ? 0 : t.reads.front().log_likelihood.size();
    prefix.assign(t.reads.size() + 1, std::vector<double>(candidates, 0.0));
    for (size_t k = 0; k < t.reads.size(); ++k) {
      IPT_ASSERT(t.reads[k].log_likelihood.size() == candidates);
      first_frame.push_back(t.reads[k].first_frame);
      for (size_t m = 0; m < candidates; ++m) prefix[k + 1][m] = prefix[k][m] + t.reads[k].log_likelihood[m];
    }
  }
  // Reads whose first frame lies in [from, to): their count, and their sum into *sum.
  int Range(int from, int to, std::vector<double>* sum) const {
    const size_t lo = std::lower_bound(first_frame.begin(), first_frame.end(), from) - first_frame.begin();
    const size_t hi = std::lower_bound(first_frame.begin(), first_frame.end(), to) - first_frame.begin();
    sum->resize(prefix[0].size());
    for (size_t m = 0; m < sum->size(); ++m) (*sum)[m] = prefix[hi][m] - prefix[lo][m];
    return static_cast<int>(hi - lo);
  }
  int Count() const { return static_cast<int>(first_frame.size()); }
  const std::vector<double>& All() const { return prefix.back(); }
};

double Best(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

std::vector<double> Plus(const std::vector<double>& x, const std::vector<double>& y, double y_sign = 1) {
  std::vector<double> out(x.size());
  for (size_t m = 0; m < x.size(); ++m) out[m] = x[m] + y_sign * y[m];
  return out;
}

struct Evaluation {
  double gain = 0;
  int a_in = 0, b_in = 0, a_out = 0, b_out = 0;  // reads moved and kept
};

Evaluation Evaluate(const ReadSums& a, const ReadSums& b, int from, int to) {
  Evaluation e;
  std::vector<double> a_in, b_in;
  e.a_in = a.Range(from, to, &a_in);
  e.b_in = b.Range(from, to, &b_in);
  e.a_out = a.Count() - e.a_in;
  e.b_out = b.Count() - e.b_in;
  if (a.All().size() != b.All().size()) return e;  // a track without reads: nothing to gain
  const std::vector<double> a_out = Plus(a.All(), a_in, -1), b_out = Plus(b.All(), b_in, -1);
  const double before = Best(a.All()) + Best(b.All());
  const double after = Best(Plus(a_out, b_in)) + Best(Plus(b_out, a_in));
  e.gain = after - before;
  return e;
}

// The frames where a and b meet: per stretch of common frames within distance_m, its
// nearest one; at most max_meetings, the nearest, in frame order.
std::vector<int> Meetings(const ExchangeTrack& a, const ExchangeTrack& b, double distance_m, int max_meetings) {
  std::vector<std::pair<double, int>> meetings;  // (distance, frame)
  size_t i = std::lower_bound(a.frames.begin(), a.frames.end(), b.frames.front()) - a.frames.begin();
  size_t j = std::lower_bound(b.frames.begin(), b.frames.end(), a.frames.front()) - b.frames.begin();
  bool in_stretch = false;
  int previous = 0;
  while (i < a.frames.size() && j < b.frames.size()) {
    if (a.frames[i] < b.frames[j]) {
      ++i;
      continue;
    }
    if (b.frames[j] < a.frames[i]) {
      ++j;
      continue;
    }
    const double d = std::hypot(a.x_m[i] - b.x_m[j], a.z_m[i] - b.z_m[j]);
    const int frame = a.frames[i];
    if (d <= distance_m) {
      if (in_stretch && frame == previous + 1) {
        if (d < meetings.back().first) meetings.back() = {d, frame};
      } else {
        meetings.push_back({d, frame});
      }
      in_stretch = true;
    } else {
      in_stretch = false;
    }
    previous = frame;
    ++i, ++j;
  }
  if (static_cast<int>(meetings.size()) > max_meetings) {
    std::nth_element(meetings.begin(), meetings.begin() + max_meetings, meetings.end());
    meetings.resize(max_meetings);
  }
  std::vector<int> frames;
  for (const auto& m : meetings) frames.push_back(m.second);
  std::sort(frames.begin(), frames.end());
  return frames;
}

// The best exchange of a pair (gain -infinity when none qualifies).
Exchange BestOfPair(const ExchangeTrack& a, const ExchangeTrack& b, const ReadSums& a_sums, const ReadSums& b_sums,
                    const ExchangeOptions& options) {
  Exchange best{a.id, b.id, 0, kToTheEnd, -std::numeric_limits<double>::infinity()};
  if (a_sums.Count() < options.min_reads + 1 || b_sums.Count() < options.min_reads + 1) return best;
  if (options.same_kit_only && a.kit && b.kit && *a.kit != *b.kit) return best;
  if (a.frames.front() > b.frames.back() || b.frames.front() > a.frames.back()) return best;
  const std::vector<int> meetings = Meetings(a, b, options.meeting_distance_m, options.max_meetings);
  for (size_t p = 0; p < meetings.size(); ++p) {
    for (size_t q = p + 1; q <= meetings.size(); ++q) {
      const int to = q == meetings.size() ? kToTheEnd : meetings[q];
      const Evaluation e = Evaluate(a_sums, b_sums, meetings[p], to);
      if (e.a_in < options.min_reads || e.b_in < options.min_reads || e.a_out < 1 || e.b_out < 1) continue;
      if (e.gain > best.gain_nats) best = {a.id, b.id, meetings[p], to, e.gain};
    }
  }
  return best;
}

// Moves the rows and reads of frames [from, to) between a and b.
void Apply(ExchangeTrack& a, ExchangeTrack& b, int from, int to) {
  auto inside = [&](int frame) { return frame >= from && frame < to; };
  ExchangeTrack new_a, new_b;
  new_a.id = a.id;
  new_b.id = b.id;
  // Rows: each new track takes its own rows outside and the other's inside, by frame.
  auto merge_rows = [&](const ExchangeTrack& own, const ExchangeTrack& other, ExchangeTrack* out) {
    size_t i = 0, j = 0;
    while (i < own.frames.size() || j < other.frames.size()) {
      while (i < own.frames.size() && inside(own.frames[i])) ++i;
      while (j < other.frames.size() && !inside(other.frames[j])) ++j;
      const bool take_own =
          i < own.frames.size() && (j >= other.frames.size() || own.frames[i] < other.frames[j]);
      if (!take_own && j >= other.frames.size()) break;
      const ExchangeTrack& src = take_own ? own : other;
      const size_t k = take_own ? i++ : j++;
      out->frames.push_back(src.frames[k]);
      out->x_m.push_back(src.x_m[k]);
      out->z_m.push_back(src.z_m[k]);
      if (!src.row_tags.empty()) out->row_tags.push_back(src.row_tags[k]);
    }
    for (const NumberRead& r : own.reads)
      if (!inside(r.first_frame)) out->reads.push_back(r);
    for (const NumberRead& r : other.reads)
      if (inside(r.first_frame)) out->reads.push_back(r);
    std::stable_sort(out->reads.begin(), out->reads.end(),
                     [](const NumberRead& x, const NumberRead& y) { return x.first_frame < y.first_frame; });
  };
  merge_rows(a, b, &new_a);
  merge_rows(b, a, &new_b);
  a = std::move(new_a);
  b = std::move(new_b);
}

}  // namespace

double ExchangeGain(const ExchangeTrack& a, const ExchangeTrack& b, int from_frame, int to_frame) {
  return Evaluate(ReadSums(a), ReadSums(b), from_frame, to_frame).gain;
}

std::vector<Exchange> FindExchanges(std::vector<ExchangeTrack>& tracks, const ExchangeOptions& options) {
  options.Check();
  std::vector<Exchange> made;
  if (!options.enabled()) return made;
  for (const ExchangeTrack& t : tracks) {
    IPT_CHECK(t.frames.size() == t.x_m.size() && t.frames.size() == t.z_m.size(),
              "track {}: frames and foot-points differ in length", t.id);
    IPT_CHECK(t.row_tags.empty() || t.row_tags.size() == t.frames.size(), "track {}: row tags and frames differ in length",
              t.id);
    IPT_CHECK(std::is_sorted(t.frames.begin(), t.frames.end()) &&
                  std::adjacent_find(t.frames.begin(), t.frames.end()) == t.frames.end(),
              "track {}: frames must increase", t.id);
    IPT_CHECK(t.row_tags.empty() == tracks.front().row_tags.empty(), "track {}: row tags on some tracks only", t.id);
    IPT_CHECK(std::is_sorted(t.reads.begin(), t.reads.end(),
                             [](const NumberRead& x, const NumberRead& y) { return x.first_frame < y.first_frame; }),
              "track {}: reads must be in frame order", t.id);
  }
  size_t candidates = 0;  // the same for every read
  for (const ExchangeTrack& t : tracks)
    for (const NumberRead& r : t.reads) {
      if (candidates == 0) candidates = r.log_likelihood.size();
      IPT_CHECK(r.log_likelihood.size() == candidates, "track {}: a read under {} candidates, others under {}", t.id,
                r.log_likelihood.size(), candidates);
      IPT_CHECK(!t.frames.empty() && r.first_frame >= t.frames.front() && r.first_frame <= t.frames.back(),
                "track {}: a read at frame {} outside its frames", t.id, r.first_frame);
    }
  // Only tracks with reads can gain; empty tracks meet nobody.
  std::vector<size_t> readable;
  for (size_t k = 0; k < tracks.size(); ++k)
    if (static_cast<int>(tracks[k].reads.size()) > options.min_reads && !tracks[k].frames.empty())
      readable.push_back(k);
  std::vector<ReadSums> sums;
  sums.reserve(tracks.size());
  for (const ExchangeTrack& t : tracks) sums.emplace_back(t);
  // The best exchange of each pair (by positions in `readable`), updated for the pairs of
  // the two tracks an exchange changes.
  std::map<std::pair<size_t, size_t>, Exchange> best_of_pair;
  auto update = [&](size_t p, size_t q) {
    const size_t i = readable[p], j = readable[q];
    const Exchange e = BestOfPair(tracks[i], tracks[j], sums[i], sums[j], options);
    if (e.gain_nats >= options.min_gain_nats) best_of_pair[{p, q}] = e;
    else best_of_pair.erase({p, q});
  };
  // The pairs that overlap in time (a meeting needs a common frame): by first frame, each
  // track against those starting before it ends. After an exchange every pair of the two
  // tracks changed is evaluated again (their spans may change).
  std::vector<size_t> by_first(readable.size());
  std::iota(by_first.begin(), by_first.end(), size_t{0});
  std::sort(by_first.begin(), by_first.end(), [&](size_t p, size_t q) {
    return tracks[readable[p]].frames.front() < tracks[readable[q]].frames.front();
  });
  for (size_t k = 0; k < by_first.size(); ++k) {
    const ExchangeTrack& t = tracks[readable[by_first[k]]];
    for (size_t l = k + 1; l < by_first.size() && tracks[readable[by_first[l]]].frames.front() <= t.frames.back(); ++l)
      update(std::min(by_first[k], by_first[l]), std::max(by_first[k], by_first[l]));
  }
  // Each exchange raises the tracks' total log-likelihood (each under its best number) by
  // >= min_gain_nats > 0, and that total is bounded above: this ends.
  while (!best_of_pair.empty()) {
    auto best = std::max_element(best_of_pair.begin(), best_of_pair.end(), [](const auto& x, const auto& y) {
      return x.second.gain_nats < y.second.gain_nats;
    });
    const auto [p, q] = best->first;
    const Exchange e = best->second;
    const size_t i = readable[p], j = readable[q];
    Apply(tracks[i], tracks[j], e.from_frame, e.to_frame);
    sums[i] = ReadSums(tracks[i]);
    sums[j] = ReadSums(tracks[j]);
    made.push_back(e);
    spdlog::debug("tracks {} and {} exchanged frames {}-{} (gain {:.1f} nats)", e.a, e.b, e.from_frame,
                  e.to_frame == kToTheEnd ? std::string("end") : std::to_string(e.to_frame - 1), e.gain_nats);
    for (size_t r = 0; r < readable.size(); ++r) {
      for (size_t changed : {p, q}) {
        if (r == changed) continue;
        const size_t lo = std::min(r, changed), hi = std::max(r, changed);
        if (tracks[readable[lo]].frames.empty() || tracks[readable[hi]].frames.empty()) {
          best_of_pair.erase({lo, hi});
          continue;
        }
        update(lo, hi);
      }
    }
  }
  return made;
}

}  // namespace ipt::tracking
