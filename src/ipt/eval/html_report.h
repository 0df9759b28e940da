// A self-contained HTML page for PTFE reports: inline SVG charts, no scripts and
// no network. Shows the headline table, HOTA / DetA / AssA against alpha, the
// category confusion matrix and jersey accuracy against track length.
#pragma once

#include <string>
#include <vector>

#include "ipt/eval/ptfe.h"

namespace ipt::eval {

// `reports`: one or more runs (e.g. several matches + COMBINED, or two runs being
// compared); the charts show `reports.back()` and the alpha curves of all of them.
// `still_links`: relative URLs of still frames (`ipt render --stills`) shown in a "Frames"
// section, each linking to itself (the page stays self-contained apart from them).
std::string RenderHtmlReport(const std::string& title, const std::vector<PtfeReport>& reports,
                             const std::vector<std::string>& still_links = {});

}  // namespace ipt::eval
