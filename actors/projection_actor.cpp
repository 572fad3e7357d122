#include "actors/projection_actor.h"

#include <caf/all.hpp>

namespace pos::actors {

void AddProjectionMessageTypes(caf::actor_system_config& config) {
  config.add_message_type<ProjectionInfo>("pos::ProjectionInfo");  // also std::vector<ProjectionInfo>
}

caf::behavior ProjectionActor(caf::event_based_actor* self, ProjectionRunner* runner) {
  self->attach_functor([runner] { runner->StopTailing(); });
  return {
      [runner](start_atom) -> caf::result<void> {
        Status started = runner->StartTailing();
        if (!started.ok()) return caf::make_error(caf::sec::runtime_error, started.ToString());
        return caf::unit;
      },
      [runner](stop_atom) -> caf::result<void> {
        runner->StopTailing();
        return caf::unit;
      },
      [runner](info_atom) -> std::vector<ProjectionInfo> { return runner->Infos(); },
  };
}

}  // namespace pos::actors
