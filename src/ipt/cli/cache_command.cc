#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ipt/cli/commands.h"
#include "ipt/registry/collection.h"
#include "ipt/store/artifact_store.h"
#include "ipt/util/check.h"

namespace ipt::cli {

void AddCacheCommand(CLI::App& app) {
  auto root = std::make_shared<std::string>(store::DefaultArtifactStoreRoot().string());
  auto model_store = std::make_shared<std::string>(registry::DefaultModelStoreRoot().string());
  CLI::App* cache = app.add_subcommand("cache", "The content-addressed precompute store (frame and track layers).");
  cache->require_subcommand(1);
  cache->add_option("--root", *root, "store directory ($IPT_CACHE, default ./cache)");
  cache->add_option("--store", *model_store, "model store, to resolve refs in collections");

  cache->add_subcommand("ls", "List the entries (unreadable ones marked CORRUPT, with the reason).")->callback([root]() {
    auto entries = store::ArtifactStore(*root).List();
    fmt::print("{:<7}{:<14}{:>12}  {:<22}{}\n", "layer", "key", "bytes", "created", "produced by");
    for (const auto& e : entries) {
      if (!e.meta) {
        fmt::print("{:<7}{:<14}{:>12}  {:<22}CORRUPT: {}\n", e.layer, e.key.substr(0, 12), "-", "-", e.problem);
        continue;
      }
      std::string producers;
      for (const auto& [m, r] : e.meta->producers) producers += fmt::format("{}{}@{}", producers.empty() ? "" : ", ", m, r.substr(0, 12));
      fmt::print("{:<7}{:<14}{:>12}  {:<22}{}\n", e.layer, e.key.substr(0, 12), e.meta->bytes, e.meta->created, producers);
    }
    if (entries.empty()) fmt::print("(no entries in {})\n", *root);
  });

  cache->add_subcommand("verify", "Re-hash every entry; exit 1 when any is corrupt.")->callback([root]() {
    auto report = store::ArtifactStore(*root).Verify();
    for (const auto& id : report.corrupt) fmt::print("corrupt  {}\n", id);
    fmt::print("{} entries verified, {} corrupt\n", report.ok.size() + report.corrupt.size(), report.corrupt.size());
    IPT_CHECK(report.corrupt.empty(), "{} corrupt cache entries (they are recomputed on next use)", report.corrupt.size());
  });

  struct GcArgs {
    std::vector<std::string> keep;
    bool dry_run = false;
  };
  auto gc_args = std::make_shared<GcArgs>();
  CLI::App* gc = cache->add_subcommand(
      "gc", "Remove entries that no given collection reaches, and unreadable ones (prints them first).");
  gc->add_option("--keep", gc_args->keep, "models.yaml to keep (repeatable)")->required()->check(CLI::ExistingFile);
  gc->add_flag("--dry-run", gc_args->dry_run, "only print what would be removed");
  gc->callback([root, model_store, gc_args]() {
    registry::ModelStore models(*model_store);
    std::vector<std::map<std::string, std::string>> keep;
    for (const auto& path : gc_args->keep) {
      auto collection = registry::ReadCollection(path);
      keep.push_back(registry::ResolveRefs(collection, models));
    }
    store::ArtifactStore cache_store(*root);
    auto doomed = cache_store.CollectGarbage(keep, /*dry_run=*/true);
    for (const auto& e : doomed) {
      fmt::print("{} {}/{} ({})\n", gc_args->dry_run ? "would remove" : "remove", e.layer, e.key.substr(0, 12),
                 e.meta ? fmt::format("{} bytes", e.meta->bytes) : "corrupt");
    }
    if (!gc_args->dry_run) cache_store.CollectGarbage(keep, false);
    fmt::print("{} of {} entries {}\n", doomed.size(), cache_store.List().size() + (gc_args->dry_run ? 0 : doomed.size()),
               gc_args->dry_run ? "would be removed" : "removed");
  });
}

}  // namespace ipt::cli
