// Progress reporting from long-running library work. Library code calls a
// ProgressFn; the CLI turns it into a progress bar. Library code never prints.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace ipt {

// Called with (done, total) units of work; may be called from several threads.
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

// A terminal progress bar on stderr: "label [#####.....] 42% 315/750 12.3 fps ETA 0:35".
// Thread-safe; redraws at most every 100 ms on a terminal. When stderr is not a terminal
// (a log file of a background run) it prints the same as plain lines, one every 30 s,
// and one line at the end.
class ProgressBar {
 public:
  ProgressBar(std::string label, std::string unit);
  ~ProgressBar();
  void Update(int64_t done, int64_t total);
  // Text drawn after the bar (e.g. "loss 0.412 | 95 samples/s"); thread-safe.
  void SetStatus(std::string status);
  void Finish();
  ProgressFn Callback();

 private:
  struct State;
  State* state_;
};

}  // namespace ipt
