// The projection actor: keeps the node's ProjectionRunner tailing the log while
// the node serves, and answers with the projections' checkpoints.
//
// Messages:
//   start_atom -> (nothing), or an error naming why tailing could not start
//   stop_atom  -> (nothing) once tailing stopped
//   info_atom  -> std::vector<ProjectionInfo>
// Tailing also stops when the actor exits.
#pragma once

#include <vector>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/meta/type_name.hpp>

#include "projections/projection_runner.h"

namespace pos {

// CAF serialisation of ProjectionInfo, so it can travel in messages.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ProjectionInfo& x) {
  return f(caf::meta::type_name("pos::ProjectionInfo"), x.name, x.version, x.checkpoint);
}

}  // namespace pos

namespace pos::actors {

using start_atom = caf::atom_constant<caf::atom("start")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using info_atom = caf::atom_constant<caf::atom("info")>;

// Adds the message types of the projection actor to a CAF configuration.
void AddProjectionMessageTypes(caf::actor_system_config& config);

// `runner` must outlive the actor; its projections registered and caught up.
caf::behavior ProjectionActor(caf::event_based_actor* self, ProjectionRunner* runner);

}  // namespace pos::actors
