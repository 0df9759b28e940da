#include "ipt/util/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace ipt {

struct ProgressBar::State {
  std::string label, unit, status;
  std::mutex mu;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_draw{};
  int64_t done = 0, total = 0;
  bool finished = false;
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
void Draw(const std::string& label, const std::string& unit, const std::string& status, int64_t done,
          int64_t total, double seconds, bool final_line, bool tty) {
  constexpr int kBarWidth = 30;
  double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(filled, '#');
  bar.resize(kBarWidth, '.');
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  std::fprintf(stderr, "%s%s [%s] %3d%% %lld/%lld %.1f %s/s %s %d:%02d%s%s%s", tty ? "\r" : "",
               label.c_str(), bar.c_str(), static_cast<int>(fraction * 100),
               static_cast<long long>(done), static_cast<long long>(total), rate, unit.c_str(),
               final_line ? "in" : "ETA", static_cast<int>((final_line ? seconds : eta) / 60),
               static_cast<int>(final_line ? seconds : eta) % 60, status.empty() ? "" : " | ", status.c_str(),
               final_line ? "\n" : "\033[K");
  std::fflush(stderr);
}
}  // namespace

void ProgressBar::Update(int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->done = done;
  state_->total = total;
  auto now = std::chrono::steady_clock::now();
  if (!state_->tty || now - state_->last_draw < std::chrono::milliseconds(100)) return;
  state_->last_draw = now;
  Draw(state_->label, state_->unit, state_->status, done, total,
       std::chrono::duration<double>(now - state_->start).count(), false, true);
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->finished) return;
  state_->finished = true;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->start).count();
  Draw(state_->label, state_->unit, state_->status, state_->done, state_->total, seconds, true, state_->tty);
}

void ProgressBar::SetStatus(std::string status) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->status = std::move(status);
}

ProgressFn ProgressBar::Callback() {
  return [this](int64_t done, int64_t total) { Update(done, total); };
}

}  // namespace ipt
