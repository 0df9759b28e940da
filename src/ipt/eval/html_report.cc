#include "ipt/eval/html_report.h"

#include <fmt/format.h>

#include <cctype>

#include <algorithm>

namespace ipt::eval {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};

// Line chart of per-alpha curves; y in [0, 1].
std::string AlphaChart(const std::vector<PtfeReport>& reports) {
  const int w = 520, h = 300, left = 50, right = 150, top = 20, bottom = 40;
  const int pw = w - left - right, ph = h - top - bottom;
  const double alpha_min = Alpha(0), alpha_span = Alpha(kNumAlphas - 1) - Alpha(0);
  auto x_of = [&](double alpha) { return left + (alpha - alpha_min) / alpha_span * pw; };
  auto y_of = [&](double v) { return top + (1.0 - v) * ph; };
  std::string svg = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='11'>", w, h);
  for (int k = 0; k <= 10; ++k) {
    double v = k / 10.0;
    svg += fmt::format("<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/>", left, y_of(v), left + pw, y_of(v));
    svg += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end'>{:.1f}</text>", left - 4, y_of(v) + 4, v);
  }
  for (double a : {0.05, 0.25, 0.5, 0.75, 0.95}) {
    svg += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{:.2f}</text>", x_of(a), top + ph + 16, a);
  }
  svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>alpha (localization threshold)</text>", left + pw / 2, h - 4);
  const char* dashes[] = {"", "6,3", "2,3"};
  const char* names[] = {"HOTA", "DetA", "AssA"};
  int legend = 0;
  for (size_t r = 0; r < reports.size(); ++r) {
    const HotaResult& hota = reports[r].tracking.hota;
    const HotaResult::PerAlpha* curves[] = {&hota.hota, &hota.det_a, &hota.ass_a};
    for (int c = 0; c < 3; ++c) {
      std::string points;
      for (int a = 0; a < kNumAlphas; ++a) points += fmt::format("{:.1f},{:.1f} ", x_of(Alpha(a)), y_of((*curves[c])[a]));
      const char* color = kPalette[r % 6];
      svg += fmt::format("<polyline fill='none' stroke='{}' stroke-width='2' stroke-dasharray='{}' points='{}'/>", color, dashes[c], points);
      svg += fmt::format("<line x1='{}' y1='{}' x2='{}' y2='{}' stroke='{}' stroke-width='2' stroke-dasharray='{}'/>",
                         left + pw + 10, top + 10 + 16 * legend, left + pw + 34, top + 10 + 16 * legend, color, dashes[c]);
      svg += fmt::format("<text x='{}' y='{}'>{} {}</text>", left + pw + 38, top + 14 + 16 * legend,
                         Escape(reports[r].name.substr(0, 12)), names[c]);
      ++legend;
    }
  }
  return svg + "</svg>";
}

std::string ConfusionTable(const PtfeReport& r) {
  int64_t max_count = 1;
  for (const auto& row : r.confusion) for (int64_t v : row) max_count = std::max(max_count, v);
  std::string html = "<table class='cm'><tr><th>truth \\ predicted</th>";
  for (int p = 0; p < io::kNumCategories; ++p) html += fmt::format("<th>{}</th>", io::CategoryName(static_cast<io::Category>(p)));
  html += "<th>none</th></tr>";
  for (int g = 0; g < io::kNumCategories; ++g) {
    html += fmt::format("<tr><th>{}</th>", io::CategoryName(static_cast<io::Category>(g)));
    for (int p = 0; p <= io::kNumCategories; ++p) {
      double shade = static_cast<double>(r.confusion[g][p]) / max_count;
      int level = 255 - static_cast<int>(180 * shade);
      const char* border = g == p ? "border:2px solid #2ca02c" : "";
      html += fmt::format("<td style='background:rgb({},{},255);{}'>{}</td>", level, level, border, r.confusion[g][p]);
    }
    html += "</tr>";
  }
  return html + "</table>";
}

// Bar chart: jersey accuracy of ground-truth tracks grouped by the covering track's length.
std::string JerseyChart(const PtfeReport& r) {
  const std::vector<std::pair<int, int>> bins = {{0, 25}, {25, 100}, {100, 250}, {250, 1000}, {1000, 1 << 30}};
  const int w = 520, h = 260, left = 50, top = 20, bottom = 50, bar = 70, gap = 20;
  const int ph = h - top - bottom;
  std::string svg = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' font-size='11'>", w, h);
  for (int k = 0; k <= 4; ++k) {
    double v = k / 4.0, y = top + (1 - v) * ph;
    svg += fmt::format("<line x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}' stroke='#ddd'/><text x='{}' y='{:.1f}' text-anchor='end'>{:.0f}%</text>",
                       left, y, w - 10, y, left - 4, y + 4, v * 100);
  }
  for (size_t b = 0; b < bins.size(); ++b) {
    int n = 0, correct = 0;
    for (const auto& t : r.jersey_tracks) {
      if (t.track_length >= bins[b].first && t.track_length < bins[b].second) {
        ++n;
        correct += t.correct;
      }
    }
    double acc = n ? static_cast<double>(correct) / n : 0;
    int x = left + gap + static_cast<int>(b) * (bar + gap);
    double y = top + (1 - acc) * ph;
    if (n) svg += fmt::format("<rect x='{}' y='{:.1f}' width='{}' height='{:.1f}' fill='#1f77b4'/>", x, y, bar, top + ph - y);
    svg += fmt::format("<text x='{}' y='{:.1f}' text-anchor='middle'>{}</text>", x + bar / 2, y - 4,
                       n ? fmt::format("{:.0f}% of {}", acc * 100, n) : "no tracks");
    std::string label = bins[b].second >= (1 << 30) ? fmt::format(">= {}", bins[b].first)
                                                    : fmt::format("{}-{}", bins[b].first, bins[b].second - 1);
    svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>{}</text>", x + bar / 2, top + ph + 16, label);
  }
  svg += fmt::format("<text x='{}' y='{}' text-anchor='middle'>length of the predicted track covering the player (frames)</text>", w / 2, h - 6);
  return svg + "</svg>";
}

}  // namespace

namespace {
// A relative path as a URL path: bytes other than unreserved characters and '/' are
// percent-encoded (spaces, '#', '?', '%' would otherwise change what the link names).
std::string UrlPath(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}
}  // namespace

std::string RenderHtmlReport(const std::string& title, const std::vector<PtfeReport>& reports,
                             const std::vector<std::string>& still_links) {
  std::string html = fmt::format(R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{0}</title>
<style>
body {{ font-family: sans-serif; margin: 24px; color: #222; }}
table {{ border-collapse: collapse; margin: 8px 0 24px; }}
th, td {{ border: 1px solid #ccc; padding: 4px 10px; text-align: right; }}
th {{ background: #f4f4f4; }}
td:first-child, th:first-child {{ text-align: left; }}
.cm td {{ text-align: center; min-width: 60px; }}
h2 {{ margin-top: 28px; font-size: 18px; }}
.grid {{ display: flex; flex-wrap: wrap; gap: 32px; }}
</style></head><body>
<h1>{0}</h1>
<p>PTFE: detection (matches within the detection radius), tracking on pitch points (TrackEval-exact HOTA / CLEAR / Identity),
GS-HOTA, categories, jerseys and identities. Fractions are shown as percentages.</p>
<h2>Headline</h2><table><tr><th>metric</th>)", Escape(title));
  for (const auto& r : reports) html += fmt::format("<th>{}</th>", Escape(r.name));
  html += "</tr>";
  for (const auto& m : HeadlineMetrics()) {
    html += fmt::format("<tr><td>{}</td>", Escape(m.label));
    for (const auto& r : reports) {
      html += "<td>" + FormatValue(m, m.get(r)) + "</td>";
    }
    html += "</tr>";
  }
  html += "</table>";
  const PtfeReport& main = reports.back();
  html += "<div class='grid'><div><h2>HOTA, DetA, AssA against alpha</h2>" + AlphaChart(reports) + "</div>";
  html += fmt::format("<div><h2>Jersey accuracy against track length ({})</h2>", Escape(main.name)) + JerseyChart(main) + "</div></div>";
  html += fmt::format("<h2>Category confusion, matched detections ({})</h2>", Escape(main.name)) + ConfusionTable(main);
  if (!still_links.empty()) {
    html += "<h2>Frames</h2><p>The run drawn over its match (<code>ipt render</code>): ids, team colours, jerseys, and the "
            "minimap.</p><div class='grid'>";
    for (const auto& link : still_links) {
      html += fmt::format("<a href=\"{0}\"><img src=\"{0}\" width=\"480\" alt=\"{0}\"></a>", Escape(UrlPath(link)));
    }
    html += "</div>";
  }
  html += "</body></html>\n";
  return html;
}

}  // namespace ipt::eval
