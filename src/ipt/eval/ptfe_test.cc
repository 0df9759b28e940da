#include "ipt/eval/ptfe.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "ipt/eval/html_report.h"
#include "ipt/eval/perturb.h"
#include "ipt/util/check.h"
#include "ipt/util/random.h"

namespace ipt::eval {
namespace {
namespace fs = std::filesystem;

// A small synthetic ground truth: 6 people walking for 200 frames.
struct Fixture {
  io::MatchInfo match;
  std::vector<io::Annotation> gt;
};

Fixture MakeFixture(int frames = 200) {
  Fixture f;
  f.match.frame_count = frames;
  const io::Category cats[6] = {io::Category::kTeamA, io::Category::kTeamA, io::Category::kTeamB,
                                io::Category::kGoalkeeperB, io::Category::kReferee, io::Category::kTeamB};
  for (int p = 0; p < 6; ++p) {
    io::RosterEntry e;
    e.player_id = 10 + p;
    e.category = cats[p];
    if (cats[p] != io::Category::kReferee) e.jersey = 3 + p;
    f.match.roster.push_back(e);
  }
  for (int t = 1; t <= frames; ++t) {
    for (int p = 0; p < 6; ++p) {
      io::Annotation a;
      a.frame = t;
      a.person_id = 10 + p;
      a.x_m = 10 + 12 * p + 0.05 * t;
      a.z_m = 20 + 5 * std::sin(0.02 * t + p);
      a.category = cats[p];
      a.jersey = f.match.roster[p].jersey;
      f.gt.push_back(a);
    }
  }
  return f;
}

std::vector<PipelineRow> Perfect(const std::vector<io::Annotation>& gt) {
  std::vector<PipelineRow> rows;
  for (const auto& a : gt) {
    PipelineRow r;
    r.frame = a.frame;
    r.track_id = 100 + a.person_id;
    r.x_m = a.x_m;
    r.z_m = a.z_m;
    r.category = a.category;
    r.jersey = a.jersey;
    r.player_id = a.person_id;
    rows.push_back(r);
  }
  return rows;
}

TEST(Ptfe, PerfectPredictionScoresEverythingFull) {
  Fixture f = MakeFixture();
  // No number is legible: the jersey accuracy where legible has nothing to count.
  const PtfeReport unread = EvaluateMatch("perfect", f.match, f.gt, Perfect(f.gt));
  EXPECT_TRUE(std::isnan(unread.jersey_accuracy_readable));
  EXPECT_EQ(FormatValue(HeadlineMetrics()[0], unread.jersey_accuracy_readable), "n/a");
  EXPECT_TRUE(ToJson(unread)["jersey_acc_legible"].is_null());
  EXPECT_EQ(ToJson(unread), ToJson(unread));  // comparable (NaN would not equal itself)
  for (auto& a : f.gt) a.legibility = io::Legibility::kLegible;  // every number readable
  // #15 sent off at frame 151: the substituted players' identity has rows to count too.
  f.gt.erase(std::remove_if(f.gt.begin(), f.gt.end(), [](const io::Annotation& a) { return a.person_id == 15 && a.frame > 150; }),
             f.gt.end());
  f.match.substitutions = {{151, 15, std::nullopt}};
  std::vector<PipelineRow> perfect = Perfect(f.gt);
  for (PipelineRow& row : perfect) row.player_guessed = row.player_id == 12;  // a guess, right
  PtfeReport r = EvaluateMatch("perfect", f.match, f.gt, perfect);
  for (const auto& m : HeadlineMetrics()) {
    if (!m.fraction) continue;
    EXPECT_DOUBLE_EQ(m.get(r), 1.0) << m.key;
  }
  EXPECT_EQ(r.loc_p95_m, 0.0);
  EXPECT_EQ(r.tracking.clear.idsw, 0);
  EXPECT_EQ(r.jersey_tracks.size(), 5u);  // the referee has no jersey
}

// Position noise only: the median localization error is the Rayleigh median sigma sqrt(2 ln 2).
TEST(Ptfe, LocalizationErrorMatchesRayleighMedian) {
  Fixture f = MakeFixture(2000);
  PerturbOptions o;
  o.position_noise_m = 0.2;
  o.miss_rate = o.false_positive_rate = o.id_switches_per_minute = 0;
  o.category_error_rate = o.jersey_error_rate = o.jersey_unknown_rate = 0;
  PtfeReport r = EvaluateMatch("noise", f.match, f.gt, PerturbGroundTruth(f.gt, o, 1));
  EXPECT_NEAR(r.loc_median_m, 0.2 * std::sqrt(2 * std::log(2.0)), 0.01);
  // p95 of a Rayleigh distribution: sigma sqrt(-2 ln 0.05).
  EXPECT_NEAR(r.loc_p95_m, 0.2 * std::sqrt(-2 * std::log(0.05)), 0.02);
  EXPECT_GT(r.recall, 0.99);  // a 1 m radius catches all but ~3e-6 of 0.2 m noise
}

TEST(Ptfe, MissesAndFalsePositivesMoveRecallAndPrecision) {
  Fixture f = MakeFixture(2000);
  PerturbOptions o;
  o.position_noise_m = 0.05;
  o.miss_rate = 0.1;
  o.false_positive_rate = 0.05;
  o.id_switches_per_minute = 0;
  PtfeReport r = EvaluateMatch("noisy", f.match, f.gt, PerturbGroundTruth(f.gt, o, 2));
  const double n = static_cast<double>(f.gt.size());
  EXPECT_NEAR(r.recall, 0.9, 3 * std::sqrt(0.09 / n));
  // False positives land anywhere on the pitch; a few fall within 1 m of a person.
  EXPECT_NEAR(r.det_fp / n, 0.05, 0.01);
  EXPECT_EQ(r.det_tp + r.det_fn, static_cast<int64_t>(f.gt.size()));
}

// Jerseys where the number could be read: person 10 legible in 5 frames (read wrong),
// 12 in 7 (read right), 11 in 4 (too few to count); 13 and 15 never legible, and 15's
// track gives no number (unknown, as it should).
TEST(Ptfe, JerseyAccuracyWhereLegibleByHand) {
  Fixture f = MakeFixture();
  const std::map<int, int> legible = {{10, 5}, {11, 4}, {12, 7}};
  for (auto& a : f.gt) {
    auto it = legible.find(a.person_id);
    if (it != legible.end() && a.frame <= it->second) a.legibility = io::Legibility::kLegible;
  }
  std::vector<PipelineRow> pred = Perfect(f.gt);
  for (auto& r : pred) {
    if (r.track_id == 110) r.jersey = 9;
    if (r.track_id == 115) r.jersey = std::nullopt;
  }
  PtfeReport r = EvaluateMatch("legible", f.match, f.gt, pred);
  EXPECT_DOUBLE_EQ(r.jersey_accuracy_readable, 1.0 / 2.0);  // 10 wrong, 12 right
  EXPECT_DOUBLE_EQ(r.jersey_unknown_unread, 1.0 / 2.0);     // 13 given a number, 15 none
  EXPECT_DOUBLE_EQ(r.jersey_accuracy, 3.0 / 5.0);           // 11, 12, 13 right
  for (const auto& t : r.jersey_tracks) {
    EXPECT_EQ(t.legible_frames, legible.count(t.person_id) ? legible.at(t.person_id) : 0) << t.person_id;
  }
  PtfeOptions stricter;
  stricter.min_legible_frames = 6;
  EXPECT_DOUBLE_EQ(EvaluateMatch("legible", f.match, f.gt, pred, stricter).jersey_accuracy_readable, 1.0);
}

// Hand-made labels: person 10's track says jersey 9 (truth 3), person 11's track is
// split in two halves of which the longer (first 120 frames) carries the right number.
TEST(Ptfe, JerseyCategoryAndIdentityByHand) {
  Fixture f = MakeFixture();
  std::vector<PipelineRow> pred = Perfect(f.gt);
  for (auto& r : pred) {
    if (r.track_id == 110) {
      r.jersey = 9;
      r.player_id = std::nullopt;
    }
    if (r.track_id == 111 && r.frame > 120) {
      r.track_id = 999;
      r.jersey = 44;
      r.category = io::Category::kTeamB;
    }
  }
  PtfeReport r = EvaluateMatch("hand", f.match, f.gt, pred);
  EXPECT_DOUBLE_EQ(r.jersey_accuracy, 4.0 / 5.0);
  const double total = 6.0 * 200;
  EXPECT_DOUBLE_EQ(r.identity_accuracy, (total - 200) / total);
  EXPECT_DOUBLE_EQ(r.category_accuracy_detections, (total - 80) / total);
  EXPECT_EQ(r.confusion[static_cast<int>(io::Category::kTeamA)][static_cast<int>(io::Category::kTeamB)], 80);
  EXPECT_DOUBLE_EQ(r.category_accuracy_tracks, 1.0);  // the covering tracks are right
  EXPECT_EQ(r.tracking.clear.idsw, 1);
  for (const auto& t : r.jersey_tracks) {
    if (t.person_id == 11) {
      EXPECT_EQ(t.covering_track, 111);
      EXPECT_EQ(t.track_length, 120);
    }
  }
}

// Identity over the rows of the players a substitution involves: #10 sent off at frame
// 151 (nobody comes on), his first 50 rows unnamed: 100 of his 150 right.
TEST(Ptfe, IdentityOfSubstitutedPlayers) {
  Fixture f = MakeFixture();
  std::vector<PipelineRow> pred = Perfect(f.gt);
  EXPECT_TRUE(std::isnan(EvaluateMatch("plain", f.match, f.gt, pred).identity_accuracy_substituted));
  std::vector<io::Annotation> gt;
  for (const auto& a : f.gt)
    if (a.person_id != 10 || a.frame <= 150) gt.push_back(a);
  pred = Perfect(gt);
  for (auto& r : pred)
    if (r.frame <= 50 && r.player_id == 10) r.player_id = std::nullopt;
  f.match.substitutions = {{151, 10, std::nullopt}};
  const PtfeReport r = EvaluateMatch("sent off", f.match, gt, pred);
  EXPECT_EQ(r.substituted_identity_total, 150);
  EXPECT_DOUBLE_EQ(r.identity_accuracy_substituted, 100.0 / 150.0);
  EXPECT_DOUBLE_EQ(r.identity_accuracy, (gt.size() - 50.0) / gt.size());
  const PtfeReport c = CombineReports({r, r});
  EXPECT_DOUBLE_EQ(c.identity_accuracy_substituted, 200.0 / 300.0);
}

TEST(Ptfe, CombinedReportPoolsMatches) {
  Fixture f = MakeFixture();
  PerturbOptions o;
  PtfeReport a = EvaluateMatch("a", f.match, f.gt, PerturbGroundTruth(f.gt, o, 3));
  PtfeReport b = EvaluateMatch("b", f.match, f.gt, PerturbGroundTruth(f.gt, o, 4));
  PtfeReport c = CombineReports({a, b});
  EXPECT_EQ(c.det_tp, a.det_tp + b.det_tp);
  EXPECT_EQ(c.identity_total, a.identity_total + b.identity_total);
  EXPECT_EQ(c.jersey_tracks.size(), a.jersey_tracks.size() + b.jersey_tracks.size());
  EXPECT_NEAR(c.recall, (a.det_tp + b.det_tp) / double(a.det_tp + a.det_fn + b.det_tp + b.det_fn), 1e-12);
  std::string html = RenderHtmlReport("test", {a, b, c});
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);  // self-contained: links nothing
  // Stills are shown and linked by their relative paths, URL-encoded, and nothing else is.
  html = RenderHtmlReport("test", {c}, {"render_stills/frame_000001.png", "my stills/a#1.png"});
  EXPECT_NE(html.find("<a href=\"render_stills/frame_000001.png\"><img src=\"render_stills/frame_000001.png\""),
            std::string::npos);
  EXPECT_NE(html.find("href=\"my%20stills/a%231.png\""), std::string::npos);
  size_t links = 0;
  for (size_t at = html.find("href="); at != std::string::npos; at = html.find("href=", at + 1)) ++links;
  EXPECT_EQ(links, 2u);
}

// The row of `label` in a table printed by FormatComparison / FormatReports, split on blanks.
std::vector<std::string> TableRow(const std::string& table, const std::string& label) {
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(label + "  ", 0) != 0) continue;
    std::istringstream cells(line.substr(label.size()));
    std::vector<std::string> out;
    for (std::string cell; cells >> cell;) out.push_back(cell);
    return out;
  }
  return {};
}

// The ceiling of the report is identity_ceiling.h's, pooled over the matches that label
// legibility; a match without labels has none (n/a, JSON null) and does not dilute a pool.
TEST(Ptfe, IdentityCeilingOfTeamMatesNeverShowingTheirNumbers) {
  Fixture f = MakeFixture();  // 10, 11 team A; 12, 15 team B; 13 goalkeeper B; 14 referee
  const std::vector<PipelineRow> pred = Perfect(f.gt);
  const PtfeReport plain = EvaluateMatch("plain", f.match, f.gt, pred);
  EXPECT_TRUE(std::isnan(plain.identity_ceiling));
  EXPECT_TRUE(ToJson(plain).at("identity_ceiling").is_null());
  for (io::Annotation& a : f.gt)
    if (a.person_id == 12 && a.frame == 7) a.legibility = io::Legibility::kPartial;
  const PtfeReport labelled = EvaluateMatch("labelled", f.match, f.gt, pred);
  // 10 and 11 never show theirs: 200 rows each, 1/2 of them; 15 is named by elimination.
  EXPECT_DOUBLE_EQ(labelled.identity_ceiling, (1200.0 - 200.0) / 1200.0);
  EXPECT_EQ(ToJson(labelled).at("identity").at("interchangeable"), nlohmann::json::parse("[[10, 11]]"));
  EXPECT_DOUBLE_EQ(labelled.identity_accuracy, 1.0);  // the ground truth itself passes any ceiling
  const PtfeReport pooled = CombineReports({plain, labelled});
  EXPECT_DOUBLE_EQ(pooled.identity_ceiling, labelled.identity_ceiling);
  EXPECT_EQ(TableRow(FormatReports({labelled}), "Identity ceiling (numbers)"), std::vector<std::string>{"83.33%"});
}

// The comparison prints what was computed, checked against HOTA by formula: run B has
// perfect positions, but person 10's track changes id halfway (frames 101..200). Then
// DetA = 1 at every alpha, and AssA = (200 * 1/2 + 5 * 200 * 1) / 1200 = 11/12: the two
// halves each match 100 of person 10's 200 frames, A = 100 / (200 + 100 - 100) = 1/2.
TEST(Ptfe, ComparisonPrintsHotaByFormula) {
  Fixture f = MakeFixture();
  std::vector<PipelineRow> switched = Perfect(f.gt);
  for (auto& r : switched) {
    if (r.track_id == 110 && r.frame > 100) r.track_id = 999;
  }
  const PtfeReport a = EvaluateMatch("a", f.match, f.gt, Perfect(f.gt));
  const PtfeReport b = EvaluateMatch("b", f.match, f.gt, switched);
  const double hota_b = std::sqrt(11.0 / 12.0);
  EXPECT_NEAR(HotaResult::Mean(b.tracking.hota.hota), hota_b, 1e-12);
  EXPECT_NEAR(HotaResult::Mean(b.tracking.hota.ass_a), 11.0 / 12.0, 1e-12);

  const std::string cmp = FormatComparison(a, b, "a", "b");
  EXPECT_EQ(TableRow(cmp, "HOTA"),
            (std::vector<std::string>{"100.00%", fmt::format("{:.2f}%", 100 * hota_b),
                                      fmt::format("{:+.2f}%", 100 * (hota_b - 1)), "-"}))
      << cmp;
  // IDSW 0 -> 1 is a regression too (lower is better); an unchanged value has no mark.
  EXPECT_EQ(TableRow(cmp, "ID switches"), (std::vector<std::string>{"0", "1", "+1.000", "-"}));
  EXPECT_EQ(TableRow(cmp, "Detection F1"), (std::vector<std::string>{"100.00%", "100.00%", "+0.00%"}));
  // The reports table shows the same values, one column per report.
  EXPECT_EQ(TableRow(FormatReports({a, b}), "HOTA"),
            (std::vector<std::string>{"100.00%", fmt::format("{:.2f}%", 100 * hota_b)}));
}

// Names right, split into sure names and guesses (by hand): #10 unnamed; #11 named #13
// (sure) in frames 1-50; #12 a guess, right until frame 100 and #15 after; #15 a guess
// named #12 throughout. Sure: 550 right of 600 named rows; guesses: 100 of 400.
TEST(Ptfe, IdentityRightOfSureNamesAndOfGuesses) {
  Fixture f = MakeFixture();
  std::vector<PipelineRow> pred = Perfect(f.gt);
  // Not known (a tracks.csv without the column): neither.
  const PtfeReport unknown = EvaluateMatch("unknown", f.match, f.gt, pred);
  EXPECT_TRUE(std::isnan(unknown.identity_precision_sure));
  EXPECT_TRUE(std::isnan(unknown.identity_precision_guessed));
  EXPECT_DOUBLE_EQ(unknown.identity_accuracy, 1.0);
  for (PipelineRow& r : pred) r.player_guessed = false;
  const PtfeReport perfect = EvaluateMatch("perfect", f.match, f.gt, pred);
  EXPECT_DOUBLE_EQ(perfect.identity_precision_sure, 1.0);
  EXPECT_TRUE(std::isnan(perfect.identity_precision_guessed));  // no guesses
  EXPECT_TRUE(ToJson(perfect).at("identity_precision_guessed").is_null());
  for (PipelineRow& r : pred) {
    const int person = *r.player_id;
    if (person == 11 && r.frame <= 50) r.player_id = 13;
    if (person == 12 && r.frame > 100) r.player_id = 15;
    if (person == 15) r.player_id = 12;
    r.player_guessed = person == 12 || person == 15;
    if (person == 10) r.player_id.reset(), r.player_guessed.reset();
  }
  const PtfeReport r = EvaluateMatch("hand", f.match, f.gt, pred);
  EXPECT_EQ(r.identity_sure_named, 600);
  EXPECT_DOUBLE_EQ(r.identity_precision_sure, 550.0 / 600.0);
  EXPECT_EQ(r.identity_guess_named, 400);
  EXPECT_DOUBLE_EQ(r.identity_precision_guessed, 100.0 / 400.0);
  EXPECT_DOUBLE_EQ(r.identity_accuracy, 650.0 / 1200.0);
  const PtfeReport c = CombineReports({r, perfect});
  EXPECT_DOUBLE_EQ(c.identity_precision_sure, (550.0 + 1200.0) / (600.0 + 1200.0));
  EXPECT_DOUBLE_EQ(c.identity_precision_guessed, 100.0 / 400.0);
  EXPECT_EQ(TableRow(FormatReports({r}), "Identity precision (guesses)"), (std::vector<std::string>{"25.00%"}));
}

TEST(TracksCsv, RoundTripAndBadInput) {
  fs::path dir = fs::temp_directory_path() / ("ipt_ptfe_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  Fixture f = MakeFixture(5);
  auto rows = Perfect(f.gt);
  rows[0].jersey.reset();
  rows[1].category.reset();
  rows[3].player_id.reset();
  rows[4].player_guessed = true;
  rows[2].player_guessed = false;  // rows[5] named, not known whether a guess
  ASSERT_TRUE(rows[4].player_id && rows[5].player_id);
  WriteTracksCsv(rows, dir / "tracks.csv");
  auto back = ReadTracksCsv(dir / "tracks.csv", 5);
  ASSERT_EQ(back.size(), rows.size());
  EXPECT_FALSE(back[0].jersey.has_value());
  EXPECT_FALSE(back[1].category.has_value());
  EXPECT_EQ(back[2].player_id, rows[2].player_id);
  EXPECT_EQ(back[2].player_guessed, false);
  EXPECT_FALSE(back[3].player_id.has_value());
  EXPECT_FALSE(back[3].player_guessed.has_value());
  EXPECT_EQ(back[4].player_guessed, true);
  EXPECT_EQ(back[5].player_id, rows[5].player_id);
  EXPECT_FALSE(back[5].player_guessed.has_value());
  auto error_of = [&](const std::string& body) -> std::string {
    std::ofstream(dir / "bad.csv") << body;
    try {
      ReadTracksCsv(dir / "bad.csv", 5);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string h = "frame,track_id,x_m,z_m,score,category,jersey,player_id\n";
  EXPECT_NE(error_of("frame,id\n").find("bad.csv:1: field 'track_id': missing column"), std::string::npos)
      << error_of("frame,id\n");
  EXPECT_NE(error_of(h + "1,2,3,4,0.5,striker,,\n").find("bad.csv:2: field 'category'"), std::string::npos);
  EXPECT_NE(error_of(h + "1,2,3,4,0.5,,,\n1,2,3,4,0.5,,,\n").find("bad.csv:3: field 'track_id': track 2 appears twice in frame 1"), std::string::npos);
  EXPECT_NE(error_of(h + "9,2,3,4,0.5,,,\n").find("field 'frame'"), std::string::npos);
  EXPECT_NE(error_of(h + "1,2,3,inf,0.5,,,\n").find("field 'z_m'"), std::string::npos);
  EXPECT_NE(error_of(h + "1,2,3,4,0.5,,100,\n").find("field 'jersey'"), std::string::npos);
  // Files without player_guess (written before it) read as sure names; with it, a guess
  // needs a name and a name needs 0 or 1.
  std::ofstream(dir / "old.csv") << h << "1,2,3,4,0.5,team_a,7,3\n";
  const auto old_named = ReadTracksCsv(dir / "old.csv", 5);
  ASSERT_EQ(old_named.size(), 1u);
  EXPECT_EQ(old_named[0].player_id, 3);
  EXPECT_FALSE(old_named[0].player_guessed.has_value());  // not known
  const std::string g = "frame,track_id,x_m,z_m,score,category,jersey,player_id,player_guess\n";
  EXPECT_NE(error_of(g + "1,2,3,4,0.5,,,,1\n").find("bad.csv:2: field 'player_guess': must be empty without a player_id"),
            std::string::npos)
      << error_of(g + "1,2,3,4,0.5,,,,1\n");
  EXPECT_EQ(error_of(g + "1,2,3,4,0.5,,,3, 1 \n"), "no error");  // blanks around a field are ignored
  for (const char* bad : {"2", "1.0", "01", "+1", "-0", "yes"}) {
    EXPECT_NE(error_of(g + "1,2,3,4,0.5,,,3," + bad + "\n").find("field 'player_guess': must be 0, 1 or empty"),
              std::string::npos)
        << bad;
  }
}

}  // namespace
}  // namespace ipt::eval
