#include "ipt/util/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>

namespace ipt {

struct ProgressBar::State {
  std::string label, unit, status;
  std::mutex mu;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw{};
  int64_t done = 0, total = 0;
  // The rate counts from the first update: work set up before it (loading data) or done
  // before it (a resumed run's steps) must not skew the rate and ETA.
  std::optional<std::chrono::steady_clock::time_point> first_update;
  int64_t first_done = 0;
  bool finished = false;

  double Rate(std::chrono::steady_clock::time_point now) const {
    if (!first_update) return 0.0;
    const double seconds = std::chrono::duration<double>(now - *first_update).count();
    return seconds > 0 ? static_cast<double>(done - first_done) / seconds : 0.0;
  }
  bool tty = ::isatty(STDERR_FILENO) != 0;
};

ProgressBar::ProgressBar(std::string label, std::string unit) : state_(new State) {
  state_->label = std::move(label);
  state_->unit = std::move(unit);
}

ProgressBar::~ProgressBar() {
  Finish();
  delete state_;
}

namespace {
constexpr std::chrono::milliseconds kTerminalRedraw{100};
constexpr std::chrono::seconds kLogLineInterval{30};

void Draw(const std::string& label, const std::string& unit, const std::string& status, int64_t done,
          int64_t total, double seconds, double rate, bool final_line, bool tty) {
  constexpr int kBarWidth = 30;
  double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(filled, '#');
  bar.resize(kBarWidth, '.');
  double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  std::fprintf(stderr, "%s%s [%s] %3d%% %lld/%lld %.1f %s/s %s %d:%02d%s%s%s", tty ? "\r" : "",
               label.c_str(), bar.c_str(), static_cast<int>(fraction * 100),
               static_cast<long long>(done), static_cast<long long>(total), rate, unit.c_str(),
               final_line ? "in" : "ETA", static_cast<int>((final_line ? seconds : eta) / 60),
               static_cast<int>(final_line ? seconds : eta) % 60, status.empty() ? "" : " | ", status.c_str(),
               final_line || !tty ? "\n" : "\033[K");
  std::fflush(stderr);
}
}  // namespace

void ProgressBar::Update(int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->finished) return;  // a late callback after the final line
  state_->done = done;
  state_->total = total;
  auto now = std::chrono::steady_clock::now();
  if (!state_->first_update) {
    state_->first_update = now;
    state_->first_done = done;
  }
  // A terminal gets a redrawn bar; a log file (nohup ... > log) a plain line now and then.
  const auto interval = state_->tty ? kTerminalRedraw : kLogLineInterval;
  if (now - state_->last_draw < interval) return;
  if (!state_->tty && state_->last_draw == std::chrono::steady_clock::time_point{}) {
    state_->last_draw = now;  // the first log line after one interval, not at once
    return;
  }
  state_->last_draw = now;
  Draw(state_->label, state_->unit, state_->status, done, total,
       std::chrono::duration<double>(now - state_->start).count(), state_->Rate(now), false, state_->tty);
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->finished) return;
  state_->finished = true;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - state_->start).count();
  double rate = state_->Rate(now);
  if (rate <= 0 && seconds > 0) rate = static_cast<double>(state_->done) / seconds;  // one update only
  Draw(state_->label, state_->unit, state_->status, state_->done, state_->total, seconds, rate, true, state_->tty);
}

void ProgressBar::SetStatus(std::string status) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->status = std::move(status);
}

ProgressFn ProgressBar::Callback() {
  return [this](int64_t done, int64_t total) { Update(done, total); };
}

}  // namespace ipt
