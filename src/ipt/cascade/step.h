// What one step of a running cascade reads (torch-free): the models it uses and the
// collection it sees. A cascade starts from the input collection, which names the
// changed models' new refs; each train step records its new ref (StepRefFile), and a
// later step sees the retrained ref of every model whose training comes before it in
// the plan, the input's ref otherwise. A step sees only the models it reads: while
// models 4 and 5 retrain, the tracking evaluation runs without them (their old refs,
// trained with the old upstream models, would not validate).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ipt/cascade/plan.h"
#include "ipt/registry/collection.h"
#include "ipt/registry/model_graph.h"

namespace ipt::cascade {

// The step `id` of `plan`; ipt::Error naming the plan's steps when there is none.
const Step& FindStep(const Plan& plan, const std::string& id);

// Every step `id` comes after, directly or through others.
std::set<std::string> StepsBefore(const Plan& plan, const std::string& id);

// The models a step reads: train:M -> M's upstream models (transitively); precompute:L ->
// L's producers and their upstream models; evaluate:tracking -> those of every regenerated
// layer; evaluate:pipeline -> every model of the graph.
std::set<std::string> ModelsOfStep(const Plan& plan, const registry::ModelGraph& graph, const std::string& id);

// The collection step `id` sees: for each model it reads that `input` names or the plan
// retrains, the ref `retrained(model)` gives when train:model comes before the step, else
// input's ref. A retrained model whose training has not come before is left out when
// `input` does not name it. `retrained` throws when a ref was never recorded.
registry::ModelCollection StepCollection(const Plan& plan, const registry::ModelGraph& graph, const std::string& id,
                                         const registry::ModelCollection& input,
                                         const std::function<std::string(const std::string& model)>& retrained);

// Where train:MODEL records its new ref, under the cascade's state directory.
std::filesystem::path StepRefFile(const std::filesystem::path& state_dir, const std::string& model);
// The collection file step `id` reads, under the state directory.
std::filesystem::path StepCollectionFile(const std::filesystem::path& state_dir, const std::string& id);
// The collection a finished cascade leaves (what to validate and promote).
std::filesystem::path FinalCollectionFile(const std::filesystem::path& state_dir);

}  // namespace ipt::cascade
