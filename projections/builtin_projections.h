// The projections every node runs. Adding a projection to the engine is one
// file with the class and one line in builtin_projections.cpp
// (docs/projections.md).
#pragma once

#include "projections/projection_runner.h"

namespace pos {

Status RegisterBuiltinProjections(ProjectionRunner& runner);

}  // namespace pos
